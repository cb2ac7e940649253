import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { requestIdFor } from '../http/request-observer.middleware.js';
import { commonHeaders, type Header } from '../http/security-headers.middleware.js';
import { InstanceIdentity } from '../lifecycle/instance.identity.js';
import { AccessLog } from '../logging/access-log.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DagStatusDto } from './dag-status.dto.js';
import { DagStatusService } from './dag-status.service.js';
import type { DagStatus } from './dag-status.types.js';

/** The status route as Nest names it, so that answers from either path share one metric label. */
export const DAG_STATUS_ROUTE = '/api/dags/:dagId/status';
/** Only the plain form; anything else (a query, %-escapes, a trailing slash, other case) goes to Nest. */
const STATUS_PATH = /^\/api\/dags\/([^/?%]+)\/status$/;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
/** Express's ETag function (`app.get('etag fn')`); undefined when ETags are off. */
export type EtagFunction = (body: string, encoding: BufferEncoding) => string | undefined;

interface Prepared {
  body: string;
  /**
   * The headers as a flat name, value list in Express's order; slot 1 takes each
   * request's id (writeHead reads the list synchronously, so one list serves all).
   */
  headers: string[];
}

/**
 * Answers `GET /api/dags/{dagId}/status` straight from a fresh cached read, on
 * node:http's `request` event, before Express and Nest see the request.
 *
 * Why: a status service is polled hard, and the cached status is its hot
 * route. Express + Nest cost ~250 µs of CPU per request on this route, this
 * path ~40 µs (BENCHMARKS.md). It answers the same bytes as the Nest route
 * (status, headers in the same order, body, ETag), counts the same metrics and
 * writes the same access-log line; test/fast-path.e2e-spec.ts compares both
 * paths byte for byte. Everything else — another route or method, a
 * conditional request, a DAG not cached, in flight, expired or failed, or not
 * allowed — goes to Express untouched, so errors, 304s, validation and
 * refreshes stay Nest's.
 */
@Injectable()
export class DagStatusFastPath {
  private readonly prepared = new WeakMap<DagStatus, Prepared>();
  private readonly common: readonly Header[];
  private etagOf: EtagFunction = () => undefined;

  constructor(
    private readonly status: DagStatusService,
    private readonly metrics: MetricsService,
    private readonly accessLog: AccessLog,
    identity: InstanceIdentity,
  ) {
    this.common = commonHeaders(identity.header);
  }

  /**
   * Puts the fast path in front of the server's one request listener (Express's app).
   * @param etagOf Express's own ETag function, so that both paths send the same ETag
   */
  install(server: Server, etagOf: EtagFunction | undefined): void {
    const listeners = server.listeners('request') as RequestListener[];
    if (listeners.length !== 1) throw new Error(`The status fast path expects one request listener (Express), found ${listeners.length}`);
    const [express] = listeners as [RequestListener];
    if (etagOf) this.etagOf = etagOf;
    server.removeListener('request', express);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.answer(req, res)) express(req, res);
    });
  }

  /** Answers the request when it is a plain GET of a cached status; false leaves it to Express. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) return false;
    const match = STATUS_PATH.exec(req.url ?? '');
    const status = match === null ? undefined : this.status.peekStatus(match[1]!);
    if (status === undefined) return false;
    const started = performance.now();
    const prepared = this.prepare(status);
    const requestId = requestIdFor(req.headers['x-request-id']);
    prepared.headers[1] = requestId;
    res.writeHead(200, prepared.headers);
    // A string body is joined to the head in one chunk; a Buffer would be a second one.
    res.end(prepared.body);
    const seconds = (performance.now() - started) / 1000;
    this.metrics.recordHttp('GET', DAG_STATUS_ROUTE, 200, seconds);
    this.accessLog.record({ request_id: requestId, method: 'GET', path: req.url!, route: DAG_STATUS_ROUTE, status: 200, duration_ms: Math.round(seconds * 10_000) / 10 }, false);
    return true;
  }

  /** The body and headers of one cached status, made once per cached read rather than once per request. */
  private prepare(status: DagStatus): Prepared {
    let prepared = this.prepared.get(status);
    if (prepared === undefined) {
      const body = JSON.stringify(DagStatusDto.from(status));
      const headers = ['X-Request-Id', '', ...this.common.flat()];
      headers.push('Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)));
      const etag = this.etagOf(body, 'utf8');
      if (etag !== undefined) headers.push('ETag', etag);
      prepared = { body, headers };
      this.prepared.set(status, prepared);
    }
    return prepared;
  }
}
