import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { securityHeaders } from './http/security-headers.middleware.js';

/**
 * What every instance of the app gets, in main.ts and in tests alike:
 * security headers, Swagger UI at /docs and its document at /docs-json.
 */
export function setupApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.use(securityHeaders);

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
