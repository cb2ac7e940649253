import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AccessPolicy } from '../access/access.policy.js';
import { HttpTelemetry } from './http.telemetry.js';

/**
 * A 200 answer a fast route made with `HttpFastLane.prepare`, once per content
 * rather than once per request.
 */
export interface FastAnswer {
  /**
   * The whole header list as flat name, value pairs, in the order Express would
   * send them; slot 1 takes each request's id. A route may rewrite a value slot
   * of its own before handing the answer out (writeHead reads the list at once).
   */
  readonly headers: string[];
  /** A string, so that node:http joins it to the head in one chunk (a Buffer would be a second). */
  readonly body: string;
}

/** A route the fast lane may answer ahead of Express and Nest. */
export interface FastRoute {
  /** The route as Nest names it, so that answers from either path share one metric label. */
  readonly route: string;
  /** The answer to a plain GET of `url`, or undefined to leave the request to Nest. */
  answer(url: string): FastAnswer | undefined;
}

/** A route the fast lane may hand a request over to, for an answer that goes on over time (a stream). */
export interface FastStreamRoute {
  /** The route as Nest names it, so that answers from either path share one metric label. */
  readonly route: string;
  /**
   * Takes a plain GET of `url` and answers it on `res`, its headers led by
   * `head()` (the request id and the common headers, as flat name, value
   * pairs); or returns false, without touching `res`, to leave it to Nest.
   */
  take(url: string, req: IncomingMessage, res: ServerResponse, head: () => string[]): boolean;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Answers the hottest requests on node:http's `request` event, before Express
 * and Nest see them, with the same headers, request id, metrics and access-log
 * line as the Express path (both go through HttpTelemetry).
 *
 * Why: a status service is polled hard. Express + Nest cost ~250 µs of CPU per
 * request on the cached status, this lane ~40 µs (BENCHMARKS.md). It takes only
 * plain GETs without a conditional header; a route answers only what it can
 * answer from memory, and everything else — errors, 304s, validation, reads
 * of Airflow — stays Nest's. A stream route (FastStreamRoute) takes over a
 * request whose answer goes on for long, which on the Nest path would hold a
 * request's whole state in flight for as long (EventsHotPath). A request the
 * access policy does not let in goes to Nest too, whose guard refuses it.
 */
@Injectable()
export class HttpFastLane {
  private readonly routes: FastRoute[] = [];
  private readonly streamRoutes: FastStreamRoute[] = [];
  private readonly common: readonly string[];

  constructor(
    private readonly telemetry: HttpTelemetry,
    private readonly access: AccessPolicy,
  ) {
    this.common = telemetry.headers.flat();
  }

  /** An answer with `headers` (flat name, value pairs) after the request id and the common headers. */
  prepare(headers: readonly string[], body: string): FastAnswer {
    return { headers: ['X-Request-Id', '', ...this.common, ...headers], body };
  }

  /** Adds a route; features register theirs while the app initialises. */
  register(route: FastRoute): void {
    this.routes.push(route);
  }

  /** Adds a stream route; features register theirs while the app initialises. */
  registerStream(route: FastStreamRoute): void {
    this.streamRoutes.push(route);
  }

  /** Puts the lane in front of the server's one request listener (Express's app). */
  install(server: Server): void {
    const listeners = server.listeners('request') as RequestListener[];
    if (listeners.length !== 1) throw new Error(`The fast lane expects one request listener (Express), found ${listeners.length}`);
    const [express] = listeners as [RequestListener];
    server.removeListener('request', express);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.answer(req, res)) express(req, res);
    });
  }

  /** Answers the request when a route can; false leaves it to Express. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) return false;
    if (!this.access.allows(req.headers)) return false;
    const url = req.url ?? '';
    for (const route of this.routes) {
      const answer = route.answer(url);
      if (answer === undefined) continue;
      const started = performance.now();
      const requestId = this.telemetry.requestId(req.headers['x-request-id']);
      answer.headers[1] = requestId;
      res.writeHead(200, answer.headers);
      res.end(answer.body);
      // Fast routes answer traffic, never probes or scrapes.
      this.telemetry.record(requestId, 'GET', url, route.route, 200, started, false);
      return true;
    }
    for (const route of this.streamRoutes) {
      // Every request Nest answers passes here: nothing is made for it unless it is the stream's path.
      if (!url.startsWith(route.route)) continue;
      const started = performance.now();
      let requestId = '';
      const head = (): string[] => {
        requestId = this.telemetry.requestId(req.headers['x-request-id']);
        return ['X-Request-Id', requestId, ...this.common];
      };
      if (!route.take(url, req, res, head)) continue;
      // Recorded when the answer is complete, and under the path without its query, as the Express path records it.
      const query = url.indexOf('?');
      const path = query < 0 ? url : url.slice(0, query);
      res.once('finish', () => this.telemetry.record(requestId, 'GET', path, route.route, res.statusCode, started, false));
      return true;
    }
    return false;
  }
}
