import {
  BadRequestException,
  Injectable,
  ServiceUnavailableException,
  type BeforeApplicationShutdown,
  type MessageEvent,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { concat, defer, filter, from, interval, map, merge, of, ReplaySubject, share, Subject, takeUntil, type Observable } from 'rxjs';
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

/**
 * The live updates behind `GET /api/events`. Each DAG has one channel, shared
 * by every stream that wants it while any does: it follows
 * `DagStatusService.overviewChanges` (so the store reads Airflow once per TTL
 * for it, however many streams), numbers each new overview once, keeps it in
 * a ring for streams that resume, and replays the DAG's latest to a stream
 * that joins. Streams are counted against MAX_EVENT_STREAMS and all end when
 * the application shuts down.
 */
@Injectable()
export class EventsService implements BeforeApplicationShutdown {
  private readonly config: EventsConfig;
  private readonly ring = new EventsRing(RING_SIZE, ID_BASE);
  private readonly channels = new Map<string, Observable<StatusEvent>>();
  private readonly latest = new Map<string, StatusEvent>();
  private readonly closing$ = new Subject<void>();
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
   * completes when the application shuts down.
   */
  stream(dagIds: readonly string[], lastEventId?: string): Observable<MessageEvent> {
    return defer(() => {
      const resumeFrom = lastEventId !== undefined && /^\d{1,16}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : undefined;
      const missed = resumeFrom === undefined ? undefined : this.ring.after(resumeFrom, this.lastId);
      const wanted = new Set(dagIds);
      // Per DAG, the id of the newest event this stream has (from the resume point on, when it is known).
      const sent = new Map<string, number>();
      if (missed !== undefined) for (const dagId of dagIds) sent.set(dagId, resumeFrom!);
      const isNew = (event: StatusEvent): boolean => {
        if (event.id <= (sent.get(event.dagId) ?? 0)) return false;
        sent.set(event.dagId, event.id);
        return true;
      };
      const hello: MessageEvent = {
        retry: RETRY_MS,
        // An unknown resume point is forgotten (an empty id resets the client's); a known one is kept.
        id: missed === undefined ? '' : String(resumeFrom),
        comment: 'airflow-status-api status events',
      };
      const events = concat(
        from((missed ?? []).filter((event) => wanted.has(event.dagId))),
        merge(...dagIds.map((dagId) => this.channel(dagId))),
      ).pipe(filter(isNew), map(toMessage));
      const heartbeat = interval(this.config.heartbeatMs).pipe(map((): MessageEvent => ({ comment: 'heartbeat' })));
      return concat(of(hello), merge(events, heartbeat)).pipe(takeUntil(this.closing$));
    });
  }

  /** Ends every stream at once, so that none holds up the drain or the exit, and refuses new ones. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    this.closing$.next();
    this.closing$.complete();
  }

  private channel(dagId: string): Observable<StatusEvent> {
    let channel = this.channels.get(dagId);
    if (channel === undefined) {
      channel = this.status.overviewChanges([dagId]).pipe(
        map((overview) => this.record(dagId, overview)),
        // One subscription to the DAG's changes while any stream wants it; a joining stream gets the latest.
        share({ connector: () => new ReplaySubject<StatusEvent>(1), resetOnRefCountZero: true, resetOnComplete: true, resetOnError: true }),
      );
      this.channels.set(dagId, channel);
    }
    return channel;
  }

  /** Numbers an overview that tells something new; one that does not keeps the latest event's id (with its newer data). */
  private record(dagId: string, overview: DagOverviewDto): StatusEvent {
    const key = JSON.stringify({ ...overview, fetched_at: null });
    const previous = this.latest.get(dagId);
    if (previous !== undefined && previous.key === key) {
      const refreshed = { ...previous, overview };
      this.latest.set(dagId, refreshed);
      return refreshed;
    }
    this.lastId += 1;
    const event: StatusEvent = { id: this.lastId, dagId, overview, key };
    this.latest.set(dagId, event);
    this.ring.push(event);
    return event;
  }
}

function toMessage(event: StatusEvent): MessageEvent {
  return { type: STATUS_EVENT, id: String(event.id), data: event.overview };
}
