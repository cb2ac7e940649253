import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { BEARER_SCHEME, documentAccess } from './access/access.openapi.js';
import { AccessPolicy } from './access/access.policy.js';
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

/** Swagger's page, its assets and documents (/docs, /docs/*, /docs-json, /docs-yaml), as Express matches them: in any case. */
const SWAGGER_PATH = /^\/docs(?:$|[/-])/i;

/** Swagger's routes are Express's, outside Nest's guards: the access policy is applied to them here. */
function docsAccess(policy: AccessPolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Handed to Nest's error handler, which answers the one JSON error shape.
    if (SWAGGER_PATH.test(req.path) && !policy.allows(req.headers)) next(policy.refusal(res));
    else next();
  };
}

/**
 * What every instance of the app gets, in server.ts and in tests alike: the HTTP
 * edge (request ids, logs and metrics, common headers, the replay of cached answers), Swagger
 * UI at /docs and its document at /docs-json.
 */
export function setupApp(app: INestApplication): void {
  installHttpEdge(app);
  const access = app.get(AccessPolicy);
  (app as NestExpressApplication).use(docsAccess(access));
  (app as NestExpressApplication).use(docsPage);
  const builder = new DocumentBuilder()
    .setTitle('airflow-status-api')
    .setDescription(
      'An HTTP face for an Apache Airflow DAG: status pages for people, JSON for REST clients and dashboards, probes for Kubernetes.',
    )
    .setVersion('0.1.0');
  // "Authorize" in Swagger UI: a token of ACCESS_TOKENS, sent with every call tried from /docs.
  if (access.acceptsTokens) {
    builder
      .addBearerAuth({ type: 'http', bearerFormat: 'a token of ACCESS_TOKENS', description: 'Access control is on' }, BEARER_SCHEME)
      .addSecurityRequirements(BEARER_SCHEME);
  }
  const document = documentAccess(SwaggerModule.createDocument(app, builder.build()), access);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
