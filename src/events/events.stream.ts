import type { StatusEvent } from './events.ring.js';

/** The event type of every status event. */
export const STATUS_EVENT = 'status';
/** The reconnect delay asked of EventSource: soon enough to catch up, slow enough not to hammer a restarting service. */
export const RETRY_MS = 3000;
/** The comment of a stream's first message, beside the retry hint. */
export const GREETING = 'airflow-status-api status events';
/** The comment sent on every heartbeat. */
export const HEARTBEAT = 'heartbeat';

/*
 * The wire form of the messages, as Nest's SseStream writes a MessageEvent
 * (fields in the order event, id, retry, comment, data; a blank line after),
 * so that a stream reads the same whichever path writes it
 * (events.stream.spec.ts holds these to Nest's own formatting).
 */
/** A status event's frame: made once per event and written as it is to every stream. */
export const statusFrame = (id: number, json: string): string => `event: ${STATUS_EVENT}\nid: ${id}\ndata: ${json}\n\n`;
/** The opening message: the resume point (an empty id resets the client's) and the retry hint. */
export const helloFrame = (resumeId: string): string => `id: ${resumeId}\nretry: ${RETRY_MS}\n: ${GREETING}\n\n`;
export const HEARTBEAT_FRAME = `: ${HEARTBEAT}\n\n`;

/** Where one stream's messages go: Nest's @Sse pipeline, or the response itself (EventsHotPath). */
export interface EventsSink {
  /** The opening message, with the id the stream resumes after ('' when it starts afresh). */
  hello(resumeId: string): void;
  event(event: StatusEvent): void;
  heartbeat(): void;
  /** The service stops: the stream ends. */
  end(): void;
}

/**
 * One open stream: which DAGs it wants and which events it has had. A plain
 * object with no timer, subscription or closure of its own (the service's
 * one fan-out loop and one heartbeat timer serve every stream): with the
 * fast lane's writer, an open stream holds little more than its socket
 * (BENCHMARKS.md, "Overview and fan-out").
 *
 * Which event goes out: after its opening, the stream has had every event up
 * to `lastSent` that it wants, and every event after that is new to it,
 * since ids only grow. An event whose id it has had (a DAG's latest again,
 * with newer data but nothing new) is not sent twice. The one exception is a
 * DAG whose channel had no overview yet when the stream opened (`waiting`):
 * its first overview is sent whatever its id, as the stream has none.
 */
export class EventsStream {
  /** The highest event id this stream has had (or resumed after). */
  lastSent = 0;
  /** DAGs whose first overview this stream still waits for, or null (the usual case: none). */
  private waiting: string[] | null = null;

  constructor(
    readonly sink: EventsSink,
    /** The DAGs it wants (shared, for a stream of every DAG, by every such stream). */
    readonly dagIds: ReadonlySet<string>,
  ) {}

  /** Marks a DAG whose channel has not had its first overview yet. */
  wait(dagId: string): void {
    (this.waiting ??= []).push(dagId);
  }

  /** Sends the event if the stream wants it and does not have it. */
  offer(event: StatusEvent): void {
    if (!this.dagIds.has(event.dagId)) return;
    const waiting = this.waiting?.indexOf(event.dagId) ?? -1;
    if (waiting >= 0) {
      this.waiting!.splice(waiting, 1);
      if (this.waiting!.length === 0) this.waiting = null;
    } else if (event.id <= this.lastSent) {
      return;
    }
    if (event.id > this.lastSent) this.lastSent = event.id;
    this.sink.event(event);
  }
}
