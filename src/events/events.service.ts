import {
  Injectable,
  ServiceUnavailableException,
  type BeforeApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
  type MessageEvent,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Observable, type Subscription } from 'rxjs';
import { DagNotFoundError } from '../airflow/airflow.errors.js';
import type { AllConfig } from '../config/config.type.js';
import type { EventsConfig } from '../config/events.config.js';
import { DagIdPipe } from '../dag-status/dag-id.pipe.js';
import type { DagOverviewDto } from '../dag-status/dag-status.dto.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import { EventsRing, type StatusEvent } from './events.ring.js';
import { EventsStream, GREETING, HEARTBEAT, RETRY_MS, STATUS_EVENT, statusFrame, type EventsSink } from './events.stream.js';

const HEARTBEAT_MESSAGE: MessageEvent = { comment: HEARTBEAT };
/** The routes' DAG-id check (400), for the query's ids. */
const DAG_ID_PIPE = new DagIdPipe();

/** Events kept for resuming: minutes of changes across many DAGs, a few hundred kB at most. */
const RING_SIZE = 1024;
/**
 * Ids count on from the start time in µs: later than any id an earlier
 * process issued (it would have needed 1000 events per ms of its life), so a
 * reconnect to a restarted service is never mistaken for a resume.
 */
const ID_BASE = Date.now() * 1000;

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
 *
 * Every open stream is an EventsStream in one set: an event goes out in one
 * loop over it (its frame made once), and one timer beats for all of them.
 * Why not an RxJS subscriber chain and a timer per stream: an open stream
 * then held ~3 kB of its own besides the framework's (BENCHMARKS.md,
 * "Overview and fan-out"); a stream now holds one small object.
 */
@Injectable()
export class EventsService implements BeforeApplicationShutdown, OnModuleInit, OnModuleDestroy {
  private readonly config: EventsConfig;
  private readonly ring = new EventsRing(RING_SIZE, ID_BASE);
  private readonly channels = new Map<string, Channel>();
  private readonly latest = new Map<string, StatusEvent>();
  /** The open streams, each offered every event of every channel (a DAG's latest again when a restarted channel finds nothing new). */
  private readonly streams = new Set<EventsStream>();
  /** The one heartbeat timer of all the streams, running while any is open. */
  private heartbeat: NodeJS.Timeout | null = null;
  private lastId = ID_BASE;
  /** The streams that want every watched DAG, and the DAGs they follow (the set they share). */
  private readonly every = { streams: new Set<EventsStream>(), dagIds: new Set<string>() };
  private joined: Subscription | null = null;
  private admitted = 0;
  private closing = false;

  constructor(
    private readonly status: DagStatusService,
    private readonly store: MirrorStore,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('events', { infer: true });
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.admitted;
  }

  /**
   * The DAGs a stream asks for (`?dag_id=`, repeatable; none: every allowed DAG), checked like the JSON API's.
   * @throws BadRequestException for a malformed id, DagNotFoundError (404) for one outside ALLOWED_DAG_IDS
   */
  dagIdsOf(query: unknown): readonly string[] {
    // The store's own array (the same one until the watched set changes), shared by every stream of every DAG.
    if (query === undefined) return this.store.allowedDagIds;
    const values = Array.isArray(query) ? query : [query];
    const ids: string[] = [];
    for (const value of values) {
      const id = DAG_ID_PIPE.transform(value);
      if (!this.store.isAllowed(id)) throw new DagNotFoundError(id);
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  /**
   * Counts a new stream in, or refuses it (503) past MAX_EVENT_STREAMS or while stopping.
   * @returns the release, to call once when the stream's response closes (idempotent)
   */
  admit(): () => void {
    const release = this.tryAdmit();
    if (release !== undefined) return release;
    if (this.closing) throw new ServiceUnavailableException('The service is stopping; reconnect to another instance');
    throw new ServiceUnavailableException(`Too many event streams are open (MAX_EVENT_STREAMS=${this.config.maxStreams}); try again later`);
  }

  /** Counts a new stream in; undefined (and nothing counted) past MAX_EVENT_STREAMS or while stopping. */
  tryAdmit(): (() => void) | undefined {
    if (this.closing || this.admitted >= this.config.maxStreams) return undefined;
    this.admitted += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.admitted -= 1;
    };
  }

  /**
   * One stream's events for Nest's @Sse() route: a retry hint, then each DAG's
   * current overview (or, resuming from a `Last-Event-ID` the ring still
   * holds, the events missed since), then one event per change, with a
   * comment every heartbeat; it completes when the application shuts down.
   */
  stream(dagIds: readonly string[], lastEventId?: string): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) =>
      this.open(dagIds, lastEventId, {
        hello: (resumeId) => subscriber.next({ retry: RETRY_MS, id: resumeId, comment: GREETING }),
        // A string goes out as it is: Nest does not serialise the same overview again for every stream.
        event: (event) => subscriber.next({ type: STATUS_EVENT, id: String(event.id), data: event.json }),
        heartbeat: () => subscriber.next(HEARTBEAT_MESSAGE),
        end: () => subscriber.complete(),
      }),
    );
  }

  /**
   * Opens a stream into `sink`: what `stream` does, for a writer of its own
   * (EventsHotPath writes the frames to the response itself).
   * @returns the close, to call once the stream ends whatever way (idempotent)
   */
  open(dagIds: readonly string[], lastEventId: string | undefined, sink: EventsSink): () => void {
    const trimmed = lastEventId?.trim() ?? '';
    const resumeFrom = /^\d{1,16}$/.test(trimmed) ? Number(trimmed) : undefined;
    const missed = resumeFrom === undefined ? undefined : this.ring.after(resumeFrom, this.lastId);
    const every = dagIds === this.store.allowedDagIds;
    if (every) this.followEvery(dagIds);
    const stream = new EventsStream(sink, every ? this.every.dagIds : new Set(dagIds));
    // An unknown resume point is forgotten (an empty id resets the client's); a known one is kept.
    sink.hello(missed === undefined ? '' : String(resumeFrom));
    for (const event of missed ?? []) if (stream.dagIds.has(event.dagId)) sink.event(event);
    if (this.closing) {
      sink.end();
      return () => undefined;
    }
    // From here on the stream has had every event issued so far that it needs: the ones missed since
    // its resume point, or, starting afresh, each live channel's latest (sent below); all but the first
    // overview of a channel that is only starting, which it waits for. In the set before the channels
    // start: a channel's first overview may come at once.
    stream.lastSent = this.lastId;
    this.streams.add(stream);
    if (every) this.every.streams.add(stream);
    for (const dagId of every ? [...this.every.dagIds] : dagIds) {
      const ready = this.channels.get(dagId)?.ready === true;
      const latest = ready && missed === undefined ? this.latest.get(dagId) : undefined;
      if (latest !== undefined) sink.event(latest);
      // Resuming, the ids tell what the stream has (a starting channel's first overview with an id it has is not new).
      else if (!ready && missed === undefined) stream.wait(dagId);
      this.join(dagId);
    }
    this.heartbeat ??= setInterval(() => this.beat(), this.config.heartbeatMs).unref();
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.streams.delete(stream);
      // A stream of every DAG also follows the DAGs that joined while it was open.
      for (const dagId of every ? [...this.every.dagIds] : dagIds) this.leave(dagId);
      if (every && this.every.streams.delete(stream) && this.every.streams.size === 0) this.every.dagIds.clear();
      if (this.streams.size === 0 && this.heartbeat !== null) {
        clearInterval(this.heartbeat);
        this.heartbeat = null;
      }
    };
  }

  /** Every DAG the streams of every DAG follow gets those streams on its channel: DAGs that joined the watched set since, too. */
  private followEvery(dagIds: Iterable<string>): void {
    for (const dagId of dagIds) {
      if (this.every.dagIds.has(dagId)) continue;
      this.every.dagIds.add(dagId);
      for (let i = 0; i < this.every.streams.size; i++) this.join(dagId);
    }
  }

  onModuleInit(): void {
    // A DAG the mirror discovers reaches the streams of every DAG that are open.
    this.joined = this.store.changes.subscribe((snapshot) => {
      if (this.every.streams.size > 0 && !this.every.dagIds.has(snapshot.dagId) && this.store.isAllowed(snapshot.dagId)) {
        this.followEvery([snapshot.dagId]);
      }
    });
  }

  onModuleDestroy(): void {
    this.joined?.unsubscribe();
  }

  /** Ends every stream at once, so that none holds up the drain or the exit, and refuses new ones. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const stream of [...this.streams]) stream.sink.end();
  }

  /** One heartbeat for every open stream. */
  private beat(): void {
    for (const stream of this.streams) stream.sink.heartbeat();
  }

  /** Offers a channel's event to every open stream. */
  private publish(event: StatusEvent): void {
    for (const stream of this.streams) stream.offer(event);
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
        this.publish(event);
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
      const json = JSON.stringify(overview);
      const refreshed = { ...previous, overview, json, frame: statusFrame(previous.id, json) };
      this.latest.set(dagId, refreshed);
      return refreshed;
    }
    this.lastId += 1;
    const json = JSON.stringify(overview);
    const event: StatusEvent = { id: this.lastId, dagId, overview, json, frame: statusFrame(this.lastId, json), key };
    this.latest.set(dagId, event);
    this.ring.push(event);
    return event;
  }
}
