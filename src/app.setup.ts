import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { installHttpEdge } from './http/http-edge.install.js';

/**
 * What Swagger UI needs and nothing more: its own scripts, styles (its page has an inline <style>), images
 * (some are data: URIs) and the document it fetches from /docs-json, all from this origin.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Swagger UI's page under /docs: with its Content-Security-Policy, and `/docs/?anything` (or /docs/index.html)
 * served as `/docs/` (Nest's page names its assets relative to the URL, which a query after the slash breaks:
 * `./docs/x` then resolves to `/docs/docs/x`).
 */
function docsPage(req: Request, res: Response, next: NextFunction): void {
  if (req.path === '/docs' || req.path.startsWith('/docs/')) {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    // Nest picks the page's asset base by whether the URL (originalUrl) ends with '/'.
    if ((req.path === '/docs/' || req.path === '/docs/index.html') && req.originalUrl !== '/docs/') req.originalUrl = '/docs/';
  }
  next();
}

/**
 * What every instance of the app gets, in server.ts and in tests alike: the HTTP
 * edge (request ids, logs and metrics, common headers, the fast lane), Swagger
 * UI at /docs and its document at /docs-json.
 */
export function setupApp(app: INestApplication): void {
  installHttpEdge(app);
  (app as NestExpressApplication).use(docsPage);
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
