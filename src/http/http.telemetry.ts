import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { INSTANCE_HEADER, InstanceIdentity } from '../lifecycle/instance.identity.js';
import { AccessLog } from '../logging/access-log.js';
import { MetricsService } from '../metrics/metrics.service.js';

export type Header = readonly [name: string, value: string];

/** The pages set their own Content-Security-Policy: Swagger UI needs another. */
const SECURITY_HEADERS: readonly Header[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];
/** An incoming X-Request-Id is kept only when it is short and plain, so logs cannot be forged through it. */
const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Probes and scrapes are machine chatter, not traffic: they are neither counted nor logged at info level. */
const CHATTER = /^\/(health(\/|$)|metrics$)/;

/**
 * The request id, common headers, access-log line and metrics of every answer, by whichever path.
 * No AsyncLocalStorage carries the id further: it would turn async hooks on for the whole process.
 */
@Injectable()
export class HttpTelemetry {
  private readonly headers: readonly Header[];

  constructor(
    private readonly metrics: MetricsService,
    private readonly accessLog: AccessLog,
    identity: InstanceIdentity,
  ) {
    this.headers = [...SECURITY_HEADERS, [INSTANCE_HEADER, identity.header]];
  }

  requestId(incoming: string | string[] | undefined): string {
    return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  }

  record(requestId: string, method: string, path: string, route: string, status: number, started: number, chatter: boolean): void {
    const seconds = (performance.now() - started) / 1000;
    if (!chatter) this.metrics.recordHttp(method, route, status, seconds);
    this.accessLog.record({ request_id: requestId, method, path, route, status, duration_ms: Math.round(seconds * 10_000) / 10 }, chatter);
  }

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const requestId = this.requestId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of this.headers) res.setHeader(name, value);
    res.once('finish', () => {
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      this.record(requestId, req.method, req.path, route, res.statusCode, started, CHATTER.test(req.path));
    });
    next();
  };
}
