import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  Injectable,
  ServiceUnavailableException,
  type BeforeApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Subscription } from 'rxjs';
import { DagNotFoundError } from '../airflow/airflow.errors.js';
import type { AllConfig } from '../config/config.type.js';
import type { EventsConfig } from '../config/events.config.js';
import { DagOverviewDto } from '../overview/overview.dto.js';
import { DagStatusService } from '../dag-status/dag-status.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { EventsRing, type StatusEvent } from './events.ring.js';
import { EventsStream, statusFrame } from './events.stream.js';

/** Events kept for resuming: minutes of changes, a few MB at most. */
const RING_SIZE = 1024;
/** Ids count on from the start time in µs: above any id an earlier process issued, so a reconnect to a restarted one is not taken for a resume. */
const ID_BASE = Date.now() * 1000;

function firstAfter(log: readonly StatusEvent[], id: number): number {
  let [low, high] = [0, log.length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (log[mid].id <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The live updates behind `GET /api/events`. The DAGs some stream wants are followed through the
 * mirror's changes: a revision whose overview shows something new becomes one numbered event,
 * kept as the DAG's latest and in a ring for resuming. A stream is first sent what it is owed
 * (each wanted DAG's latest, or what it missed) in id order as fast as its client reads, so that
 * thousands of DAGs never pile up unread; then each new event as it comes.
 */
@Injectable()
export class EventsService implements BeforeApplicationShutdown, OnModuleInit, OnModuleDestroy {
  private readonly config: EventsConfig;
  private readonly ring = new EventsRing(RING_SIZE, ID_BASE);
  /** Per DAG, its latest event; kept when no stream wants it, so that an unchanged overview keeps its id. */
  private readonly latest = new Map<string, StatusEvent>();
  private readonly revisions = new Map<string, number>();
  /** The latest events in id order, and superseded ones until the next compaction: what a stream behind is owed. */
  private log: StatusEvent[] = [];
  private readonly streams = new Set<EventsStream>();
  /** Per DAG, the streams that name it; streams of every DAG are counted apart. */
  private readonly followers = new Map<string, number>();
  private everyFollowers = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private changes: Subscription | null = null;
  private lastId = ID_BASE;
  private closing = false;

  constructor(
    private readonly status: DagStatusService,
    private readonly store: MirrorStore,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('events', { infer: true });
  }

  onModuleInit(): void {
    this.changes = this.store.changes.subscribe((snapshot) => this.changed(snapshot));
  }

  onModuleDestroy(): void {
    this.changes?.unsubscribe();
  }

  /**
   * Opens a stream of `dagIds` (undefined: every watched DAG, those that join too) on `res`, resuming
   * after `lastEventId` while the ring still holds it.
   * @throws DagNotFoundError (404) for a DAG not watched; ServiceUnavailableException (503) past MAX_EVENT_STREAMS or while stopping
   */
  open(dagIds: readonly string[] | undefined, lastEventId: string | undefined, res: ServerResponse): void {
    const unknown = dagIds?.find((dagId) => !this.store.isAllowed(dagId));
    if (unknown !== undefined) throw new DagNotFoundError(unknown);
    if (this.closing) throw new ServiceUnavailableException('The service is stopping; reconnect to another instance');
    if (this.streams.size >= this.config.maxStreams) {
      throw new ServiceUnavailableException(
        `Too many event streams are open (MAX_EVENT_STREAMS=${this.config.maxStreams}); try again later`,
      );
    }
    // A client gone before its handler ran: its close has come and gone.
    if (res.destroyed) return;
    const stream = new EventsStream(res, dagIds === undefined ? null : new Set(dagIds));
    const trimmed = lastEventId?.trim() ?? '';
    const resumeFrom = /^\d{1,16}$/.test(trimmed) ? Number(trimmed) : undefined;
    const missed = resumeFrom === undefined ? undefined : this.ring.after(resumeFrom, this.lastId);
    // An unknown resume point is forgotten: the stream starts afresh, with every wanted DAG's latest.
    if (missed !== undefined) [stream.missed, stream.lastSent] = [missed, resumeFrom!];
    stream.start(missed === undefined ? '' : String(resumeFrom));
    if (!stream.open) return;
    this.streams.add(stream);
    this.follow(stream.dagIds);
    stream.whenClosed(() => this.close(stream));
    this.heartbeat ??= setInterval(() => this.beat(), this.config.heartbeatMs).unref();
    this.catchUp(stream);
  }

  /** Ends every stream at once, so that none holds up the drain or the exit, and refuses new ones. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const stream of this.streams) stream.end();
  }

  private close(stream: EventsStream): void {
    this.streams.delete(stream);
    this.unfollow(stream.dagIds);
    if (this.streams.size === 0 && this.heartbeat !== null) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  /** Writes what the stream is owed until its client stops taking more; once all is out, it takes new events as they come. */
  private catchUp(stream: EventsStream): void {
    for (let event = this.owed(stream); event !== undefined; event = this.owed(stream)) {
      if (stream.send(event)) continue;
      if (stream.open) stream.whenDrained(() => this.catchUp(stream));
      return;
    }
    stream.behind = false;
  }

  /** The next event the stream is owed: one it missed, else a wanted DAG's latest after what it has. */
  private owed(stream: EventsStream): StatusEvent | undefined {
    while (stream.missed !== null) {
      const event = stream.missed[stream.missedAt++];
      if (event === undefined) stream.missed = null;
      else if (stream.wants(event.dagId)) return event;
    }
    for (let i = firstAfter(this.log, stream.lastSent); i < this.log.length; i++) {
      const event = this.log[i];
      if (stream.wants(event.dagId) && this.latest.get(event.dagId) === event) return event;
    }
    return undefined;
  }

  /** A DAG's first follower brings its latest up to date. */
  private follow(dagIds: ReadonlySet<string> | null): void {
    if (dagIds === null) {
      if (this.everyFollowers++ > 0) return;
      for (const dagId of this.store.allowedDagIds) if (!this.followers.has(dagId)) this.refresh(dagId);
      return;
    }
    for (const dagId of dagIds) {
      const count = this.followers.get(dagId) ?? 0;
      this.followers.set(dagId, count + 1);
      if (count === 0 && this.everyFollowers === 0) this.refresh(dagId);
    }
  }

  private unfollow(dagIds: ReadonlySet<string> | null): void {
    if (dagIds === null) {
      this.everyFollowers -= 1;
      return;
    }
    for (const dagId of dagIds) {
      const count = this.followers.get(dagId)!;
      if (count > 1) this.followers.set(dagId, count - 1);
      else this.followers.delete(dagId);
    }
  }

  /** A DAG nobody followed may have moved meanwhile; one not read yet is asked for now (its read is announced). */
  private refresh(dagId: string): void {
    const snapshot = this.store.current(dagId);
    if (snapshot !== undefined) this.changed(snapshot);
    else this.store.read(dagId).catch(() => undefined);
  }

  private changed(snapshot: DagSnapshot): void {
    const { dagId } = snapshot;
    if (this.everyFollowers > 0 || this.followers.has(dagId)) {
      const event = this.record(snapshot);
      if (event !== undefined) for (const stream of this.streams) if (!stream.behind && stream.wants(dagId)) stream.send(event);
    }
    // A DAG that left the watched set has had its last event: it is forgotten.
    if (!this.store.isAllowed(dagId)) {
      this.latest.delete(dagId);
      this.revisions.delete(dagId);
    }
  }

  /**
   * Numbers the snapshot's overview when its revision is new and it shows something new: a revision
   * may move for what the overview does not carry (a DAG's owners, its next run).
   */
  private record(snapshot: DagSnapshot): StatusEvent | undefined {
    const { dagId, revision } = snapshot;
    if (this.revisions.get(dagId) === revision) return undefined;
    this.revisions.set(dagId, revision);
    const overview = DagOverviewDto.fromOverview(this.status.describe(snapshot));
    const shows = createHash('sha1')
      .update(JSON.stringify({ ...overview, fetched_at: null }))
      .digest('base64');
    if (this.latest.get(dagId)?.shows === shows) return undefined;
    const id = ++this.lastId;
    const event: StatusEvent = { id, dagId, shows, frame: statusFrame(id, JSON.stringify(overview)) };
    this.latest.set(dagId, event);
    this.log.push(event);
    this.ring.push(event);
    if (this.log.length > this.latest.size + RING_SIZE) this.log = this.log.filter((e) => this.latest.get(e.dagId) === e);
    return event;
  }

  private beat(): void {
    for (const stream of this.streams) stream.heartbeat();
  }
}
