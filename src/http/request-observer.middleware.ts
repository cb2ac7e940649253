import { randomUUID } from 'node:crypto';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AccessLog } from '../logging/access-log.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** An incoming X-Request-Id is kept only when it is short and plain, so logs cannot be forged through it. */
const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Probes and scrapes are machine chatter, not traffic: they are neither counted nor logged at info level. */
const CHATTER = /^\/(health(\/|$)|metrics$)/;

/** The request's id: the caller's X-Request-Id when it is plain enough to log, a new one otherwise. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Gives every request an id (X-Request-Id, echoed back) and on finish writes
 * one access-log line and the HTTP metrics.
 *
 * The id is not carried through an AsyncLocalStorage into every line the
 * request causes: on Node 20 that turns async hooks on for the whole process,
 * which cost a fifth of the cached status's throughput (BENCHMARKS.md), and
 * the lines a request causes are Airflow state changes shared by every request
 * waiting on the same call. The one line that is about a single request, an
 * unexpected error, names its id itself (HttpExceptionFilter).
 */
@Injectable()
export class RequestObserverMiddleware implements NestMiddleware {
  constructor(
    private readonly metrics: MetricsService,
    private readonly accessLog: AccessLog,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const requestId = requestIdFor(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    const chatter = CHATTER.test(req.path);
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      if (!chatter) this.metrics.recordHttp(req.method, route, res.statusCode, seconds);
      this.accessLog.record(
        { request_id: requestId, method: req.method, path: req.path, route, status: res.statusCode, duration_ms: Math.round(seconds * 10_000) / 10 },
        chatter,
      );
    });
    next();
  }
}
