import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DagStatusFastPath, type EtagFunction } from './dag-status/dag-status.fast-path.js';
import { RequestObserverMiddleware } from './http/request-observer.middleware.js';
import { commonHeaders, setHeaders } from './http/security-headers.middleware.js';
import { InstanceIdentity } from './lifecycle/instance.identity.js';

/**
 * What every instance of the app gets, in main.ts and in tests alike: request
 * ids, logs and metrics, security headers, Swagger UI at /docs and its document at /docs-json,
 * and the fast path that answers a cached DAG status ahead of Express.
 */
export function setupApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // Mounted on Express itself, ahead of Nest's router, so that Swagger's routes and
  // unmatched paths get the headers, a request id and their metrics too.
  const observer = app.get(RequestObserverMiddleware);
  express.use((req: Request, res: Response, next: NextFunction) => observer.use(req, res, next));
  express.use(setHeaders(commonHeaders(app.get(InstanceIdentity).header)));

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

  const etagOf = express.getHttpAdapter().getInstance().get('etag fn') as EtagFunction | undefined;
  app.get(DagStatusFastPath).install(app.getHttpServer() as Server, etagOf);
}
