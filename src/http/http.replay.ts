import type { ClientRequest, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AccessPolicy } from '../access/access.policy.js';
import { HttpTelemetry } from './http.telemetry.js';

/** A route whose answers depend on the URL alone, and may be replayed while what they are made from stays. */
export interface ReplayableRoute<S extends object = object> {
  /** As Nest names it: the metric label. */
  readonly route: string;
  /** What a GET of `url` would be answered from now (the same object: the same answer); undefined when memory cannot tell. */
  sourceOf(url: string): S | undefined;
  /** A header that moves while the answer stays, as Date does (a max-age counting down): set anew on each replay. */
  readonly liveHeader?: { readonly name: string; valueOf(source: S): string };
  /** At most this many characters of bodies kept, the oldest recording dropped first; unbounded when its URLs are few. */
  readonly budget?: number;
  replayed(): void;
}

/** Whether `url` asks for `path` itself, with or without a query: not `path/`, `path/x` or another case. */
export function isPathOf(url: string, path: string): boolean {
  return url.startsWith(path) && (url.length === path.length || url[path.length] === '?');
}

/** A 200 that Nest made, as it went out. */
interface Recording {
  readonly source: object;
  /** Flat name, value pairs; slot 1 takes each request's id (writeHead reads the list at once). */
  readonly headers: string[];
  readonly liveSlot: number;
  /** A string goes out with the head in one write, a Buffer apart: a Buffer's bytes as latin1. */
  readonly body: string;
  readonly encoding: 'latin1' | 'utf8';
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type End = (chunk?: unknown, ...rest: unknown[]) => ServerResponse;

const PER_REQUEST = new Set(['x-request-id', 'date']);

/**
 * Replays, ahead of Express, what Nest answered a GET of a registered route while its source stays, with
 * the request's own id and date: Express and Nest cost several times the socket write, and a status
 * service is polled hard. Nothing goes out that Nest has not answered for that URL and source.
 */
@Injectable()
export class HttpReplay {
  private readonly routes: ReplayableRoute[] = [];
  /** Per route: its recordings by URL, oldest first, and their bodies' length. */
  private readonly recorded = new Map<ReplayableRoute, { byUrl: Map<string, Recording>; chars: number }>();

  constructor(
    private readonly telemetry: HttpTelemetry,
    private readonly access: AccessPolicy,
  ) {}

  register(route: ReplayableRoute): void {
    this.routes.push(route);
    this.recorded.set(route, { byUrl: new Map(), chars: 0 });
  }

  /** Puts the replay in front of the server's one request listener (Express's app). */
  install(server: Server): void {
    const listeners = server.listeners('request') as Listener[];
    if (listeners.length !== 1) throw new Error(`The replay expects one request listener (Express), found ${listeners.length}`);
    const [express] = listeners as [Listener];
    server.removeListener('request', express);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.replay(req, res)) express(req, res);
    });
  }

  /** Answers from a recording when one holds; false leaves the request to Express (recording its answer when it may). */
  private replay(req: IncomingMessage, res: ServerResponse): boolean {
    const { headers } = req;
    // Conditional requests (304) and refusals are Nest's to answer.
    if (req.method !== 'GET' || headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) return false;
    if (!this.access.allows(headers)) return false;
    const url = req.url ?? '';
    for (const route of this.routes) {
      const source = route.sourceOf(url);
      if (source === undefined) continue;
      const recording = this.recorded.get(route)!.byUrl.get(url);
      if (recording?.source !== source) {
        this.record(url, source, route, res);
        return false;
      }
      const started = performance.now();
      const requestId = this.telemetry.requestId(headers['x-request-id']);
      recording.headers[1] = requestId;
      if (recording.liveSlot >= 0) recording.headers[recording.liveSlot] = route.liveHeader!.valueOf(source);
      res.writeHead(200, recording.headers);
      res.end(recording.body, recording.encoding);
      route.replayed();
      // The path as Express's req.path gives it to the access log: without the query.
      const query = url.indexOf('?');
      this.telemetry.record(requestId, 'GET', query < 0 ? url : url.slice(0, query), route.route, 200, started, false);
      return true;
    }
    return false;
  }

  /** Keeps Nest's answer to `url`: a 200 sent whole by one end() (as Express sends), made from `source`. */
  private record(url: string, source: object, route: ReplayableRoute, res: ServerResponse): void {
    const end = res.end.bind(res) as End;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' && (rest[0] === undefined || rest[0] === 'utf8' || typeof rest[0] === 'function');
      const whole = !res.headersSent && res.statusCode === 200 && (text || Buffer.isBuffer(chunk));
      if (whole && route.sourceOf(url) === source) {
        const headers = ['X-Request-Id', ''];
        let liveSlot = -1;
        // As Nest set them, in their case (OutgoingMessage's method; Node's types declare it on ClientRequest only).
        for (const name of (res as unknown as Pick<ClientRequest, 'getRawHeaderNames'>).getRawHeaderNames()) {
          const key = name.toLowerCase();
          if (PER_REQUEST.has(key)) continue;
          if (key === route.liveHeader?.name.toLowerCase()) liveSlot = headers.length + 1;
          const value = res.getHeader(name)!;
          for (const one of Array.isArray(value) ? value : [value]) headers.push(name, String(one));
        }
        const body = text ? chunk : (chunk as Buffer).toString('latin1');
        this.keep(route, url, { source, headers, liveSlot, body, encoding: text ? 'utf8' : 'latin1' });
      }
      return end(chunk, ...rest);
    }) as ServerResponse['end'];
  }

  private keep(route: ReplayableRoute, url: string, recording: Recording): void {
    const recorded = this.recorded.get(route)!;
    const budget = route.budget ?? Infinity;
    recorded.chars -= recorded.byUrl.get(url)?.body.length ?? 0;
    recorded.byUrl.delete(url);
    if (recording.body.length > budget) return;
    recorded.byUrl.set(url, recording);
    recorded.chars += recording.body.length;
    for (const [oldest, { body }] of recorded.byUrl) {
      if (recorded.chars <= budget) break;
      recorded.byUrl.delete(oldest);
      recorded.chars -= body.length;
    }
  }
}
