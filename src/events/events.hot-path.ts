import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpFastLane, type FastStreamRoute } from '../http/http.fast-lane.js';
import type { StatusEvent } from './events.ring.js';
import { EventsService } from './events.service.js';
import { HEARTBEAT_FRAME, helloFrame, type EventsSink } from './events.stream.js';

/** The events route as Nest names it, so that streams from either path share one metric label. */
const EVENTS_ROUTE = '/api/events';
/** Only the plain forms: no query, or `dag_id=` parameters alone, without %-escapes; anything else goes to Nest. */
const EVENTS_URL = /^\/api\/events(?:\?dag_id=[^&%+]*(?:&dag_id=[^&%+]*)*)?$/;
const DAG_ID_PARAM = 'dag_id='.length;
/** The headers Nest's SseStream sends after the others, in its order. */
const SSE_HEADERS = [
  'Content-Type',
  'text/event-stream',
  'Connection',
  'keep-alive',
  'Cache-Control',
  'private, no-cache, no-store, must-revalidate, max-age=0, no-transform',
  'Pragma',
  'no-cache',
  'Expires',
  '0',
  'X-Accel-Buffering',
  'no',
];
/** A client that leaves this much unread is dropped (an EventSource reconnects and resumes), as Nest's @Sse() does. */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

/** One stream's response, written to directly: the frames as they are, no Transform, no pipe. */
class EventsWire implements EventsSink {
  /** The stream's close in EventsService, once it is open. */
  close: (() => void) | null = null;

  constructor(private readonly res: ServerResponse) {}

  hello(resumeId: string): void {
    this.write(helloFrame(resumeId));
  }

  event(event: StatusEvent): void {
    this.write(event.frame);
  }

  heartbeat(): void {
    this.write(HEARTBEAT_FRAME);
  }

  end(): void {
    this.close?.();
    this.res.end();
  }

  private write(frame: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (this.res.writableLength > MAX_UNREAD_BYTES) this.res.destroy();
    else this.res.write(frame);
  }
}

/**
 * `GET /api/events` on the HTTP fast lane: the same stream as the Nest route
 * (EventsController, whose @Sse() declares the route, its contract and its
 * errors), written by EventsService to the response directly.
 *
 * Why: an open stream is a request that never ends, and on the Nest path it
 * holds everything a request in flight holds — Express's router state, Nest's
 * handler frames, the SseStream Transform and its pipe, an RxJS chain of four
 * operators, an AbortController and a timer — ~22 kB of heap per stream in
 * the bundle, three quarters of what an open stream cost (BENCHMARKS.md,
 * "Overview and fan-out"). Here a stream holds its socket, its request and
 * response, and two small objects: ~6.5 kB. Only a
 * stream that opens goes this way: a malformed or unknown DAG id, a query
 * with anything else in it, and a stream past MAX_EVENT_STREAMS or during
 * shutdown are left to Nest, which answers the error.
 */
@Injectable()
export class EventsHotPath implements FastStreamRoute, OnModuleInit {
  readonly route = EVENTS_ROUTE;

  constructor(
    private readonly events: EventsService,
    private readonly fastLane: HttpFastLane,
  ) {}

  onModuleInit(): void {
    this.fastLane.registerStream(this);
  }

  take(url: string, req: IncomingMessage, res: ServerResponse, head: () => string[]): boolean {
    if (!EVENTS_URL.test(url)) return false;
    const query =
      url.length > EVENTS_ROUTE.length
        ? url
            .slice(EVENTS_ROUTE.length + 1)
            .split('&')
            .map((p) => p.slice(DAG_ID_PARAM))
        : undefined;
    let dagIds: readonly string[];
    try {
      dagIds = this.events.dagIdsOf(query);
    } catch {
      return false;
    }
    const release = this.events.tryAdmit();
    if (release === undefined) return false;
    // As Nest's SseStream sets them: no Nagle delay on small events, no idle timeout on a quiet stream.
    req.socket.setKeepAlive(true);
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    // The common headers under the names Nest's path sends them (it passes them on from res.getHeaders()).
    const headers = head().map((value, i) => (i % 2 === 0 ? value.toLowerCase() : value));
    res.writeHead(200, [...headers, ...SSE_HEADERS]);
    res.flushHeaders();
    res.write('\n');
    const wire = new EventsWire(res);
    const lastEventId = req.headers['last-event-id'];
    wire.close = this.events.open(dagIds, typeof lastEventId === 'string' ? lastEventId : undefined, wire);
    res.once('close', () => {
      wire.close?.();
      release();
    });
    return true;
  }
}
