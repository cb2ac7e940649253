import {
  BadRequestException,
  Injectable,
  ServiceUnavailableException,
  type BeforeApplicationShutdown,
  type MessageEvent,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Observable, Subject, type Subscription } from 'rxjs';
import { DagNotFoundError } from '../airflow/airflow.errors.js';
import { DAG_ID_PATTERN } from '../config/config.parsers.js';
import type { AllConfig } from '../config/config.type.js';
import type { EventsConfig } from '../config/events.config.js';
import type { DagOverviewDto } from '../dag-status/dag-status.dto.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { DagStatusStore } from '../dag-status/dag-status.store.js';
import { EventsRing, type StatusEvent } from './events.ring.js';

/** The event type of every status event. */
const STATUS_EVENT = 'status';
/** Events kept for resuming: minutes of changes across many DAGs, a few hundred kB at most. */
const RING_SIZE = 1024;
/** The reconnect delay asked of EventSource: soon enough to catch up, slow enough not to hammer a restarting service. */
const RETRY_MS = 3000;
/**
 * Ids count on from the start time in µs: later than any id an earlier
 * process issued (it would have needed 1000 events per ms of its life), so a
 * reconnect to a restarted service is never mistaken for a resume.
 */
const ID_BASE = Date.now() * 1000;
const HEARTBEAT: MessageEvent = { comment: 'heartbeat' };

/** One DAG's following of its overviews, shared by the streams that want the DAG. */
interface Channel {
  streams: number;
  /** Whether the DAG's latest event is current: the channel has had its first overview since it started. */
  ready: boolean;
  subscription: Subscription | null;
}

/**
 * The live updates behind `GET /api/events`. Each DAG has one channel, shared
 * by every stream that wants it while any does: it follows
 * `DagStatusService.overviewChanges` (so the store reads Airflow once per TTL
 * for it, however many streams), numbers each new overview once, keeps it in
 * a ring for streams that resume, and gives the DAG's latest to a stream
 * that joins. Streams are counted against MAX_EVENT_STREAMS and all end when
 * the application shuts down.
 */
@Injectable()
export class EventsService implements BeforeApplicationShutdown {
  private readonly config: EventsConfig;
  private readonly ring = new EventsRing(RING_SIZE, ID_BASE);
  private readonly channels = new Map<string, Channel>();
  private readonly latest = new Map<string, StatusEvent>();
  /** Every event of every channel (a DAG's latest again when a restarted channel finds nothing new). */
  private readonly events$ = new Subject<StatusEvent>();
  private lastId = ID_BASE;
  private open = 0;
  private closing = false;

  constructor(
    private readonly status: DagStatusService,
    private readonly store: DagStatusStore,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('events', { infer: true });
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.open;
  }

  /**
   * The DAGs a stream asks for (`?dag_id=`, repeatable; none: every allowed DAG), checked like the JSON API's.
   * @throws BadRequestException for a malformed id, DagNotFoundError (404) for one outside ALLOWED_DAG_IDS
   */
  dagIdsOf(query: unknown): string[] {
    if (query === undefined) return [...this.store.allowedDagIds];
    const values = Array.isArray(query) ? query : [query];
    const ids: string[] = [];
    for (const value of values) {
      if (typeof value !== 'string' || !DAG_ID_PATTERN.test(value)) {
        throw new BadRequestException("Invalid DAG id: use letters, digits, '_', '.' and '-' only, at most 250 characters");
      }
      if (!this.store.isAllowed(value)) throw new DagNotFoundError(value);
      if (!ids.includes(value)) ids.push(value);
    }
    return ids;
  }

  /**
   * Counts a new stream in, or refuses it (503) past MAX_EVENT_STREAMS or while stopping.
   * @returns the release, to call once when the stream's response closes (idempotent)
   */
  admit(): () => void {
    if (this.closing) throw new ServiceUnavailableException('The service is stopping; reconnect to another instance');
    if (this.open >= this.config.maxStreams) {
      throw new ServiceUnavailableException(
        `Too many event streams are open (MAX_EVENT_STREAMS=${this.config.maxStreams}); try again later`,
      );
    }
    this.open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
    };
  }

  /**
   * One stream's events: a retry hint, then each DAG's current overview (or,
   * resuming from a `Last-Event-ID` the ring still holds, the events missed
   * since), then one event per change, with a comment every heartbeat; it
   * completes when the application shuts down. Written by hand rather than
   * composed of operators: a thousand streams each holding a chain of twenty
   * subscribers cost tens of MB (BENCHMARKS.md).
   */
  stream(dagIds: readonly string[], lastEventId?: string): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      const trimmed = lastEventId?.trim() ?? '';
      const resumeFrom = /^\d{1,16}$/.test(trimmed) ? Number(trimmed) : undefined;
      const missed = resumeFrom === undefined ? undefined : this.ring.after(resumeFrom, this.lastId);
      const wanted = new Set(dagIds);
      // Per DAG, the id of the newest event this stream has (from the resume point on, when it is known).
      const sent = new Map<string, number>();
      if (missed !== undefined) for (const dagId of dagIds) sent.set(dagId, resumeFrom!);
      const send = (event: StatusEvent): void => {
        if (!wanted.has(event.dagId) || event.id <= (sent.get(event.dagId) ?? 0)) return;
        sent.set(event.dagId, event.id);
        subscriber.next(toMessage(event));
      };
      subscriber.next({
        retry: RETRY_MS,
        // An unknown resume point is forgotten (an empty id resets the client's); a known one is kept.
        id: missed === undefined ? '' : String(resumeFrom),
        comment: 'airflow-status-api status events',
      });
      for (const event of missed ?? []) send(event);
      // Subscribed before the channels start: a channel's first overview may come at once.
      const subscription = this.events$.subscribe({ next: send, complete: () => subscriber.complete() });
      for (const dagId of dagIds) {
        const channel = this.join(dagId);
        // A live channel's latest is current; a starting one's first overview comes through events$.
        if (channel.ready) {
          const latest = this.latest.get(dagId);
          if (latest !== undefined) send(latest);
        }
      }
      const heartbeat = setInterval(() => subscriber.next(HEARTBEAT), this.config.heartbeatMs);
      return () => {
        clearInterval(heartbeat);
        subscription.unsubscribe();
        for (const dagId of dagIds) this.leave(dagId);
      };
    });
  }

  /** Ends every stream at once, so that none holds up the drain or the exit, and refuses new ones. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    this.events$.complete();
  }

  /** Counts a stream in on the DAG's channel, starting it (following the DAG's overviews) for the first. */
  private join(dagId: string): Channel {
    let channel = this.channels.get(dagId);
    if (channel === undefined) {
      channel = { streams: 0, ready: false, subscription: null };
      this.channels.set(dagId, channel);
    }
    channel.streams += 1;
    if (channel.subscription === null && !this.closing) {
      const started = channel;
      started.subscription = this.status.overviewChanges([dagId]).subscribe((overview) => {
        const event = this.record(dagId, overview);
        started.ready = true;
        this.events$.next(event);
      });
    }
    return channel;
  }

  /** Counts a stream out; the last one stops the channel (and so the store's refreshes of the DAG). */
  private leave(dagId: string): void {
    const channel = this.channels.get(dagId);
    if (channel === undefined) return;
    channel.streams -= 1;
    if (channel.streams > 0) return;
    channel.subscription?.unsubscribe();
    channel.subscription = null;
    channel.ready = false;
  }

  /** Numbers an overview that tells something new; one that does not keeps the latest event's id (with its newer data). */
  private record(dagId: string, overview: DagOverviewDto): StatusEvent {
    const key = JSON.stringify({ ...overview, fetched_at: null });
    const previous = this.latest.get(dagId);
    if (previous !== undefined && previous.key === key) {
      const refreshed = { ...previous, overview, json: JSON.stringify(overview) };
      this.latest.set(dagId, refreshed);
      return refreshed;
    }
    this.lastId += 1;
    const event: StatusEvent = { id: this.lastId, dagId, overview, json: JSON.stringify(overview), key };
    this.latest.set(dagId, event);
    this.ring.push(event);
    return event;
  }
}

function toMessage(event: StatusEvent): MessageEvent {
  // A string goes out as it is: 1,000 streams do not serialise the same overview 1,000 times.
  return { type: STATUS_EVENT, id: String(event.id), data: event.json };
}
