import type { ServerResponse } from 'node:http';
import type { StatusEvent } from './events.ring.js';

/** The reconnect delay asked of EventSource: soon enough to catch up, slow enough not to hammer a restarting service. */
const RETRY_MS = 3000;
/** A client that leaves this much written and unread is cut (an EventSource reconnects and resumes). */
export const MAX_UNREAD_BYTES = 4 * 1024 * 1024;
const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  Connection: 'keep-alive',
  'Cache-Control': 'private, no-cache, no-store, must-revalidate, max-age=0, no-transform',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Accel-Buffering': 'no',
};
const HEARTBEAT_FRAME = ': heartbeat\n\n';

/** Made once per event, written as it is to every stream. */
export const statusFrame = (id: number, json: string): string => `event: status\nid: ${id}\ndata: ${json}\n\n`;

/** While `behind`, EventsService writes what the stream is owed as the client reads; after, each event as it comes. */
export class EventsStream {
  lastSent = 0;
  behind = true;
  /** Resuming: the events missed since the client's Last-Event-ID, still to go from `missedAt` on. */
  missed: readonly StatusEvent[] | null = null;
  missedAt = 0;

  constructor(
    private readonly res: ServerResponse,
    readonly dagIds: ReadonlySet<string> | null,
  ) {}

  /** The head, the resume point ('' resets the client's) and the retry hint. */
  start(resumeId: string): void {
    // No idle timeout on a quiet stream; TCP keep-alive notices a peer that vanished.
    this.res.socket?.setTimeout(0).setKeepAlive(true);
    this.res.writeHead(200, SSE_HEADERS);
    // A HEAD has its head and nothing more to wait for.
    if (this.res.req.method === 'HEAD') this.res.end();
    else this.res.write(`id: ${resumeId}\nretry: ${RETRY_MS}\n: airflow-status-api status events\n\n`);
  }

  wants(dagId: string): boolean {
    return this.dagIds === null || this.dagIds.has(dagId);
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /** @returns whether the client takes more now */
  send(event: StatusEvent): boolean {
    this.lastSent = event.id;
    return this.write(event.frame);
  }

  /** A comment that keeps proxies from closing an idle stream (one that is behind is not idle). */
  heartbeat(): void {
    if (!this.behind) this.write(HEARTBEAT_FRAME);
  }

  whenDrained(resume: () => void): void {
    this.res.once('drain', resume);
  }

  whenClosed(close: () => void): void {
    this.res.once('close', close);
  }

  end(): void {
    this.res.end();
  }

  private write(frame: string): boolean {
    if (!this.open) return false;
    if (this.res.writableLength <= MAX_UNREAD_BYTES) return this.res.write(frame);
    this.res.destroy();
    return false;
  }
}
