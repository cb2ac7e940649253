import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestContext } from '../logging/request-context.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** An incoming X-Request-Id is kept only when it is short and plain, so logs cannot be forged through it. */
const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Probes and scrapes are machine chatter, not traffic: they are neither counted nor logged at info level. */
const CHATTER = /^\/(health(\/|$)|metrics$)/;

/**
 * Gives every request an id (X-Request-Id, echoed back), runs it inside the
 * request context so every log line it causes names that id, and on finish
 * writes one access-log line and the HTTP metrics.
 */
@Injectable()
export class RequestObserverMiddleware implements NestMiddleware {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    const chatter = CHATTER.test(req.path);
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const line = {
        request_id: requestId,
        method: req.method,
        path: req.path,
        route,
        status: res.statusCode,
        duration_ms: Math.round(seconds * 10_000) / 10,
      };
      if (chatter) {
        this.logger.verbose('request', line);
        return;
      }
      this.metrics.recordHttp(req.method, route, res.statusCode, seconds);
      this.logger.log('request', line);
    });
    requestContext.run({ requestId }, next);
  }
}
