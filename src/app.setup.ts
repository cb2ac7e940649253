import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { installHttpEdge } from './http/http-edge.install.js';

/**
 * What every instance of the app gets, in main.ts and in tests alike: the HTTP
 * edge (request ids, logs and metrics, common headers, the fast lane), Swagger
 * UI at /docs and its document at /docs-json.
 */
export function setupApp(app: INestApplication): void {
  installHttpEdge(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('airflow-status-api')
      .setDescription(
        'An HTTP face for an Apache Airflow DAG: status pages for people, JSON for REST clients and dashboards, probes for Kubernetes.',
      )
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
