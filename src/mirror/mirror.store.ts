import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Observable, Subject } from 'rxjs';
import { AirflowError, DagNotFoundError } from '../airflow/airflow.errors.js';
import type { AirflowHealth, DagAttributes, DagRun, ImportErrorInfo } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import type { DagStatusConfig } from '../config/dag-status.config.js';
import { maxSuccessAgeOf } from '../config/dag-status.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MirrorHistory, UNKNOWN_HISTORY, type KnownHistory } from './mirror.history.js';
import { MirrorPast } from './mirror.past.js';
import { keep, newestFirst, runOrder, sameRun, sameShownRun } from './mirror.runs.js';
import {
  ImportErrorIndex,
  overdueAfter,
  runningLongAfter,
  RUNS_KEPT,
  staleAt,
  type DagHistory,
  type DagPast,
  type DagSnapshot,
  type FailedTask,
} from './mirror.types.js';

/** One watched DAG in the mirror. */
interface Entry {
  readonly dagId: string;
  /** Listed in ALLOWED_DAG_IDS (watched whatever Airflow says), rather than selected by WATCH_DAGS. */
  explicit: boolean;
  attributes: DagAttributes | null;
  /** The newest runs, newest first (at most RUNS_KEPT); null until the DAG has been read whole. Replaced, never changed in place. */
  runs: readonly DagRun[] | null;
  known: KnownHistory;
  history: DagHistory | null;
  /** A failure of this DAG alone (Airflow does not know it, or its first read failed). */
  error: AirflowError | null;
  /** Runs changed since the history was resolved: resolved again at the end of the sync. */
  dirty: boolean;
  revision: number;
  /** What the last revision showed, to count up only on a real change; null while there is nothing to show. */
  shown: Shown | null;
  /** The snapshot of the current revision and sync, made when first asked for. */
  snapshot: DagSnapshot | null;
  /** When (epoch ms) what it shows next changes with time alone (overdue, running long); Infinity when nothing will. */
  flipsAt: number;
  /** While the DAG cannot be read: its last good snapshot (taken when the failure began; not kept while all is well). */
  lastGood: DagSnapshot | null;
  failingSince: string | null;
  /** When its own error was last met (epoch ms). */
  errorAt: number;
  /** Waiters for the DAG's first whole read. */
  loaded: Array<() => void> | null;
  /** Whether a whole read is in flight: changes that come meanwhile wait in `pending` and are applied after it. */
  loading: boolean;
  pending: DagRun[] | null;
}

/** Where the mirror's syncs stand, for every DAG at once. */
interface SyncState {
  /** When the last sync finished (ISO 8601), successful or not. */
  at: string;
  /** Epoch ms of the next sync. */
  nextAt: number;
  error: AirflowError | null;
  failingSince: string | null;
}

/**
 * The mirror of Airflow that every reader goes through: per watched DAG, its newest runs, history
 * and attributes, kept current by MirrorSync (which reads only what changed) and readable
 * synchronously. Each DAG has a revision that counts up when anything shown of it changes, and
 * `changes` announces exactly those. The watched set is ALLOWED_DAG_IDS plus the DAGs WATCH_DAGS
 * selects; a DAG outside it is answered like an unknown one, so nothing about it leaks.
 */
@Injectable()
export class MirrorStore implements OnApplicationShutdown {
  private readonly config: DagStatusConfig;
  private readonly entries = new Map<string, Entry>();
  private readonly changes$ = new Subject<DagSnapshot>();
  /** Per DAG, the watchers of its changes: a change reaches its own watchers, not every watcher of every DAG. */
  private readonly watchers = new Map<string, Set<(snapshot: DagSnapshot) => void>>();
  private readonly explicitIds: readonly string[];
  private sorted: readonly string[] | null = null;
  private sync: SyncState;
  /** Asks for a sync now and resolves when it is done; set by MirrorSync. */
  private syncNow: () => Promise<void> = () => Promise.resolve();
  /** Whether a sync is under way; set by MirrorSync. */
  private syncing: () => boolean = () => false;
  /** Loads one DAG now (a reader waits for it); set by MirrorSync. */
  private loadNow: (dagId: string, urgent: boolean) => void = () => undefined;
  /** Airflow's health as last read (null: not read, or it could not be). */
  private health: AirflowHealth | null = null;
  /** What `health` shows, to settle every DAG only when it changes. */
  private healthShown = 'null';
  private importErrors = new ImportErrorIndex([]);
  /** What the import errors were when last set, to settle the DAGs only when they change. */
  private importErrorsShown = '[]';

  constructor(
    private readonly history: MirrorHistory,
    private readonly metrics: MetricsService,
    config: ConfigService<AllConfig, true>,
    private readonly pastRuns: MirrorPast,
  ) {
    this.config = config.getOrThrow('dagStatus', { infer: true });
    this.explicitIds = this.config.allowedDagIds;
    for (const dagId of this.explicitIds) this.entries.set(dagId, newEntry(dagId, true));
    this.sync = { at: new Date(0).toISOString(), nextAt: 0, error: null, failingSince: null };
  }

  /** Wired by MirrorSync: how a reader asks for fresh data. */
  drive(sync: { now: () => Promise<void>; running: () => boolean; load: (dagId: string, urgent: boolean) => void }): void {
    this.syncNow = sync.now;
    this.syncing = sync.running;
    this.loadNow = sync.load;
  }

  /** The watched DAGs: ALLOWED_DAG_IDS in its order, then the DAGs WATCH_DAGS selects, by id. */
  get allowedDagIds(): readonly string[] {
    if (this.sorted === null) {
      const selected = [...this.entries.values()].filter((entry) => !entry.explicit).map((entry) => entry.dagId);
      this.sorted = Object.freeze([...this.explicitIds, ...selected.sort()]);
    }
    return this.sorted;
  }

  /** Whether the service may show `dagId` at all. */
  isAllowed(dagId: string): boolean {
    return this.entries.has(dagId);
  }

  /**
   * The DAG's snapshot, at most STATUS_CACHE_TTL_MS old: when the last sync is older, the read
   * waits for a new one (shared by every reader). Runs beyond the ones the mirror keeps are read
   * from Airflow, once per DAG per TTL. A DAG not read yet is read first (`urgent`, a reader waits
   * for this DAG), or in its turn in the first load (a reader of many DAGs).
   * @throws DagNotFoundError for a DAG that is not watched (Airflow is not asked)
   */
  async read(dagId: string, runs = 1, urgent = true): Promise<DagSnapshot> {
    if (!this.entries.has(dagId)) throw new DagNotFoundError(dagId);
    await this.fresh();
    const entry = this.entries.get(dagId);
    if (entry === undefined) throw new DagNotFoundError(dagId);
    if ((entry.runs === null || entry.history === null) && this.sync.error === null) {
      // Never read, or a listed DAG Airflow did not know when last asked longer than a TTL ago: asked (again) now.
      const notFoundAt = entry.error instanceof DagNotFoundError ? entry.errorAt : null;
      if (entry.error === null || (notFoundAt !== null && Date.now() - notFoundAt >= this.config.cacheTtlMs))
        await this.firstRead(entry, urgent);
    }
    const snapshot = this.snapshotOf(entry);
    if (runs <= RUNS_KEPT || snapshot.runs === null || snapshot.runs.length < RUNS_KEPT) return snapshot;
    try {
      return { ...snapshot, runs: await this.history.moreRuns(dagId) };
    } catch (caught) {
      if (!(caught instanceof AirflowError)) throw caught;
      return { ...snapshot, runs: null, status: null, history: null, error: caught, lastKnown: snapshot, failingSince: snapshot.fetchedAt };
    }
  }

  /**
   * Waits for a sync when the last one is older than STATUS_CACHE_TTL_MS (shared by every caller),
   * unless one is under way already and something was synced before: then what is held is served
   * while it runs (stale by at most one sync's time), so readers do not queue behind every sync.
   * With STATUS_CACHE_TTL_MS=0 every read waits for a sync of its own.
   */
  async fresh(): Promise<void> {
    if (Date.now() < this.sync.nextAt) {
      this.metrics.recordCacheLookup(true);
      return;
    }
    // A miss is a read that makes a sync start; one that joins a sync under way is a hit.
    const joining = this.syncing();
    this.metrics.recordCacheLookup(joining);
    if (joining && this.config.cacheTtlMs > 0 && this.sync.nextAt > 0) return;
    await this.syncNow();
  }

  /** The DAG's snapshot as the mirror holds it now, failures included; undefined while it has not been read yet (or is not watched). */
  current(dagId: string): DagSnapshot | undefined {
    const entry = this.entries.get(dagId);
    if (entry === undefined || ((entry.runs === null || entry.history === null) && entry.error === null && this.sync.error === null)) {
      return undefined;
    }
    return this.snapshotOf(entry);
  }

  /** The DAG's current snapshot when it is fresh and was read without failure; never waits or reads. */
  peek(dagId: string): DagSnapshot | undefined {
    const entry = this.entries.get(dagId);
    if (entry === undefined || entry.runs === null || Date.now() >= this.sync.nextAt) return undefined;
    const snapshot = this.snapshotOf(entry);
    return snapshot.error === null ? snapshot : undefined;
  }

  /**
   * The DAG's past over the longest reliability window (issue 20); null when the DAG is not watched or its
   * past not read yet. Synchronous, no Airflow call.
   */
  past(dagId: string): DagPast | null {
    return this.entries.has(dagId) ? this.pastRuns.past(dagId) : null;
  }

  /** The failed tasks of one failed past run, when looked up (the newest failed runs of each DAG are, in the background); null otherwise. */
  pastFailedTasks(dagId: string, runId: string): readonly FailedTask[] | null {
    return this.entries.has(dagId) ? this.pastRuns.failedTasks(dagId, runId) : null;
  }

  /** The failed tasks the DAG's history read already for this run (its last finished), if it did: not read twice. */
  failedTasksKnown(dagId: string, runId: string): readonly FailedTask[] | null {
    const known = this.entries.get(dagId)?.known.failedTasks;
    return known?.runId === runId ? known.tasks : null;
  }

  /** Every change of any watched DAG, as a new revision's snapshot. */
  get changes(): Observable<DagSnapshot> {
    return this.changes$.asObservable();
  }

  /**
   * The DAGs' snapshots as they change, starting with their current ones.
   * @throws DagNotFoundError at once for a DAG that is not watched
   */
  watch(dagIds: readonly string[]): Observable<DagSnapshot> {
    const unknown = dagIds.find((dagId) => !this.entries.has(dagId));
    if (unknown !== undefined) throw new DagNotFoundError(unknown);
    return new Observable<DagSnapshot>((subscriber) => {
      const wanted = new Set(dagIds);
      const delivered = new Map<string, number>();
      const deliver = (snapshot: DagSnapshot): void => {
        // A first read and a change may both bring the same revision: each goes out once.
        if ((delivered.get(snapshot.dagId) ?? -1) >= snapshot.revision) return;
        delivered.set(snapshot.dagId, snapshot.revision);
        subscriber.next(snapshot);
      };
      for (const dagId of wanted) {
        let listeners = this.watchers.get(dagId);
        if (listeners === undefined) this.watchers.set(dagId, (listeners = new Set()));
        listeners.add(deliver);
        this.read(dagId, 1, wanted.size === 1).then(
          (snapshot) => {
            if (!subscriber.closed) deliver(snapshot);
          },
          () => undefined,
        );
      }
      return () => {
        for (const dagId of wanted) {
          const listeners = this.watchers.get(dagId);
          listeners?.delete(deliver);
          if (listeners?.size === 0) this.watchers.delete(dagId);
        }
      };
    });
  }

  onApplicationShutdown(): void {
    this.changes$.complete();
  }

  // ---- what MirrorSync tells the mirror ------------------------------------------------------

  /** The explicit DAGs and those discovered, whether loaded or not. */
  entryIds(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Whether the DAG still has to be read whole (never read, or its last whole read failed). */
  needsLoad(dagId: string): boolean {
    const entry = this.entries.get(dagId);
    return (
      entry !== undefined && (entry.runs === null || entry.error !== null) && !entry.loading && !(entry.error instanceof DagNotFoundError)
    );
  }

  /** Whether the DAG has been read whole and is not being read again now (reconciliation may take it). */
  isLoaded(dagId: string): boolean {
    const entry = this.entries.get(dagId);
    return entry !== undefined && entry.runs !== null && !entry.loading;
  }

  /** Whether a whole read of the DAG is in flight. */
  isReading(dagId: string): boolean {
    return this.entries.get(dagId)?.loading === true;
  }

  /** A whole read of the DAG starts: changes that come until it ends are kept for after it. */
  beginRead(dagId: string): void {
    const entry = this.entries.get(dagId);
    if (entry !== undefined) entry.loading = true;
  }

  /**
   * The DAGs Airflow lists now, with their attributes: the selected ones join (to be read whole),
   * the ones no longer selected leave; explicit DAGs stay, and one Airflow does not know says so.
   * @param complete whether `dags` is Airflow's whole list (a DAG missing from it is gone)
   */
  setDags(dags: readonly DagAttributes[], selected: (dag: DagAttributes) => boolean, complete: boolean): void {
    const listed = new Set(dags.map((dag) => dag.dagId));
    const shared = new SharedValues();
    for (const dag of dags) {
      let entry = this.entries.get(dag.dagId);
      if (entry === undefined) {
        if (!selected(dag)) continue;
        entry = newEntry(dag.dagId, false);
        this.entries.set(dag.dagId, entry);
        this.sorted = null;
      } else if (!entry.explicit && !selected(dag)) {
        this.remove(entry);
        continue;
      }
      entry.attributes = keepAttributes(entry.attributes, dag, shared);
      if (entry.error instanceof DagNotFoundError) {
        entry.error = null;
        entry.runs = null;
      }
      this.settle(entry);
    }
    if (!complete) return;
    for (const entry of [...this.entries.values()]) {
      if (listed.has(entry.dagId)) continue;
      if (entry.explicit) this.fail(entry, new DagNotFoundError(entry.dagId));
      else this.remove(entry);
    }
  }

  /** One DAG's attributes, or that Airflow does not know it (explicit DAGs, read one by one). */
  setDag(dagId: string, dag: DagAttributes | DagNotFoundError): void {
    const entry = this.entries.get(dagId);
    if (entry === undefined) return;
    if (dag instanceof DagNotFoundError) {
      this.fail(entry, dag);
      return;
    }
    entry.attributes = keepAttributes(entry.attributes, dag, new SharedValues());
    if (entry.error instanceof DagNotFoundError) {
      entry.error = null;
      entry.runs = null;
    }
    this.settle(entry);
  }

  /** A DAG read whole (first load, a new DAG, reconciliation): its newest runs replace what was kept. */
  async setRuns(dagId: string, runs: DagRun[]): Promise<void> {
    const entry = this.entries.get(dagId);
    if (entry === undefined) return;
    entry.runs = runs
      .map((run) => keep(run, dagId))
      .sort(newestFirst)
      .slice(0, RUNS_KEPT);
    entry.error = null;
    entry.failingSince = null;
    entry.loading = false;
    // Read whole, so nothing older is trusted: the history is looked up again where the runs lack it
    // (the failed tasks of a run already read are kept: a finished run's tasks do not change).
    entry.known = { ...UNKNOWN_HISTORY, failedTasks: entry.known.failedTasks };
    // Changes the feed brought while the read was in flight may be newer than it: applied on top.
    const pending = entry.pending ?? [];
    entry.pending = null;
    for (const run of pending) this.applyNewest(run);
    // Still being read until its history is known: a reader meanwhile waits rather than seeing runs without it.
    entry.loading = true;
    const resolved = await this.history.resolve(dagId, entry.runs, entry.known);
    if (this.entries.get(dagId) !== entry || !entry.loading) return;
    entry.loading = false;
    entry.history = resolved.history;
    entry.known = resolved.known;
    entry.dirty = false;
    // Changes during the lookup: applied now, their history resolved at the next sync.
    const later = entry.pending ?? [];
    entry.pending = null;
    for (const run of later) this.applyNewest(run);
    this.settle(entry);
    for (const waiter of entry.loaded ?? []) waiter();
    entry.loaded = null;
  }

  /** A DAG's whole read failed: Airflow does not know it, or the read met a fault (tried again next sync). */
  failRead(dagId: string, error: AirflowError): void {
    const entry = this.entries.get(dagId);
    if (entry === undefined) return;
    this.fail(entry, error);
  }

  /**
   * A run created or changed since the last sync, from the changes feed: kept when it is among
   * the DAG's newest, and remembered as its last success or last finished run when it is newer.
   */
  applyRun(changed: DagRun): void {
    if (!this.entries.has(changed.dagId)) return;
    // The feed keeps each DAG's past too: no read of its own after the first.
    this.pastRuns.apply(changed);
    this.applyNewest(changed);
  }

  /** A changed run among the newest runs kept (the feed's, or one held back while the DAG was read whole). */
  private applyNewest(changed: DagRun): void {
    const entry = this.entries.get(changed.dagId);
    if (entry === undefined) return;
    if (entry.loading) {
      (entry.pending ??= []).push(keep(changed, entry.dagId));
      return;
    }
    if (entry.runs === null) return;
    const run = keep(changed, entry.dagId);
    // A new array, never one changed in place: snapshots made before share the old one.
    const at = entry.runs.findIndex((kept) => kept.runId === run.runId);
    if (at >= 0) {
      if (sameRun(entry.runs[at], run)) return;
      entry.runs = entry.runs.map((kept, i) => (i === at ? run : kept)).sort(newestFirst);
    } else if (entry.runs.length < RUNS_KEPT || runOrder(run) > runOrder(entry.runs[entry.runs.length - 1])) {
      entry.runs = [...entry.runs, run].sort(newestFirst).slice(0, RUNS_KEPT);
    }
    entry.known = {
      ...entry.known,
      lastSuccess: newer(entry.known.lastSuccess, run, 'success'),
      lastFinished: newerFinished(entry.known.lastFinished, run),
    };
    entry.dirty = true;
  }

  /** The end of a sync that read every change: the DAGs that changed are resolved and announced. */
  async completeSync(at: Date, nextAt: number): Promise<void> {
    const recovered = this.sync.error !== null;
    this.sync = { at: at.toISOString(), nextAt, error: null, failingSince: null };
    this.pastRuns.prune(Date.now());
    for (const entry of [...this.entries.values()]) {
      const changed = entry.dirty;
      if (changed && entry.runs !== null) {
        const resolved = await this.history.resolve(entry.dagId, entry.runs, entry.known);
        entry.history = resolved.history;
        entry.known = resolved.known;
        entry.dirty = false;
      }
      entry.snapshot = null;
      // Staleness moves with time alone: a DAG with MAX_SUCCESS_AGE is judged again at every sync; overdue and
      // running long flip at a time known in advance.
      const flipped = Date.now() > entry.flipsAt;
      if (recovered || changed || flipped || maxSuccessAgeOf(this.config.maxSuccessAge, entry.dagId) !== null) this.settle(entry);
    }
  }

  /** A sync that failed: every DAG shows the failure, with what was last seen of it. */
  failSync(error: AirflowError, at: Date, nextAt: number): void {
    if (this.sync.error === null) {
      // What each DAG showed at the last sync that worked is what it shows as last seen.
      for (const entry of this.entries.values()) {
        entry.snapshot = null;
        if (entry.runs !== null && entry.error === null) entry.lastGood = this.snapshotOf(entry);
      }
    }
    const since = this.sync.error !== null ? this.sync.failingSince : at.toISOString();
    this.sync = { at: at.toISOString(), nextAt, error, failingSince: since };
    for (const entry of this.entries.values()) {
      this.settle(entry);
      // Readers waiting for a first read get the failure now rather than after the outage.
      for (const waiter of entry.loaded ?? []) waiter();
      entry.loaded = null;
    }
  }

  /**
   * What Airflow's health endpoint says of its scheduler and DAG processor (null: it could not be read):
   * every DAG shows it, so every DAG is settled when what it shows changes.
   */
  setHealth(health: AirflowHealth | null): void {
    this.health = health;
    const shown = JSON.stringify(healthShown(health));
    if (shown === this.healthShown) return;
    this.healthShown = shown;
    for (const entry of this.entries.values()) this.settle(entry);
  }

  /** Airflow's import errors, every file's (null: they could not be read): each DAG shows its file's. */
  setImportErrors(errors: readonly ImportErrorInfo[] | null): void {
    const shown = JSON.stringify(errors ?? []);
    if (shown === this.importErrorsShown) return;
    this.importErrorsShown = shown;
    this.importErrors = new ImportErrorIndex(errors ?? []);
    for (const entry of this.entries.values()) this.settle(entry);
  }

  /** Whether the last sync failed (whole reads then wait for one that works). */
  isSyncFailing(): boolean {
    return this.sync.error !== null;
  }

  /** Waits until the DAG has been read whole (or failed), asking for it now. */
  private firstRead(entry: Entry, urgent: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      (entry.loaded ??= []).push(resolve);
      this.loadNow(entry.dagId, urgent);
    });
  }

  private fail(entry: Entry, error: AirflowError): void {
    if (entry.error === null) {
      entry.failingSince = new Date().toISOString();
      // What it showed at the last sync that worked is what it shows as last seen.
      if (this.sync.error === null && entry.runs !== null && entry.history !== null) entry.lastGood = this.snapshotOf(entry);
    }
    entry.error = error;
    entry.errorAt = Date.now();
    entry.loading = false;
    entry.pending = null;
    if (error instanceof DagNotFoundError) {
      entry.runs = null;
      // Gone from Airflow: so is its past (read again should it come back).
      this.pastRuns.forget(entry.dagId);
    }
    this.settle(entry);
    for (const waiter of entry.loaded ?? []) waiter();
    entry.loaded = null;
  }

  /** A DAG that left the watched set: announced once more, as unknown, then forgotten. */
  private remove(entry: Entry): void {
    this.entries.delete(entry.dagId);
    this.history.forget(entry.dagId);
    this.pastRuns.forget(entry.dagId);
    this.sorted = null;
    for (const waiter of entry.loaded ?? []) waiter();
    entry.snapshot = null;
    entry.error = new DagNotFoundError(entry.dagId);
    entry.revision += 1;
    this.announce(this.snapshotOf(entry));
  }

  private announce(snapshot: DagSnapshot): void {
    this.changes$.next(snapshot);
    for (const deliver of this.watchers.get(snapshot.dagId) ?? []) deliver(snapshot);
  }

  /** Counts the DAG's revision up and announces it when what it shows changed. */
  private settle(entry: Entry): void {
    entry.snapshot = null;
    const shown = this.shownOf(entry);
    if (sameShown(shown, entry.shown)) return;
    entry.shown = shown;
    // Not read yet and nothing failed: there is nothing to show, and nothing to announce.
    if (shown === null) return;
    entry.revision += 1;
    const snapshot = this.snapshotOf(entry);
    // Read again: the last good snapshot is taken anew when a failure begins.
    if (snapshot.error === null) entry.lastGood = null;
    this.announce(snapshot);
  }

  /** Everything a reader shows of the DAG, apart from when it was read; null when there is nothing to show yet. */
  private shownOf(entry: Entry): Shown | null {
    const error = this.sync.error ?? entry.error;
    if (error === null && entry.runs === null) return null;
    if (error !== null || entry.runs === null) {
      const known = entry.lastGood?.history;
      entry.flipsAt = Infinity;
      return {
        error: error?.reason ?? null,
        runs: null,
        history: null,
        stale: known == null ? null : this.staleAt(entry.dagId, known),
        attributes: entry.attributes,
        health: null,
        importError: null,
        overdue: false,
        runningLong: false,
      };
    }
    const history = entry.history;
    const [overdue, runningLong] = this.timeShown(entry, entry.runs);
    return {
      error: null,
      runs: entry.runs,
      history,
      stale: history === null ? null : this.staleAt(entry.dagId, history),
      attributes: entry.attributes,
      health: this.healthShown,
      importError: this.importErrors.of(entry.attributes),
      overdue,
      runningLong,
    };
  }

  /** Whether the DAG is overdue and its run long now, and (in `flipsAt`) when either changes next with time alone. */
  private timeShown(entry: Entry, runs: readonly DagRun[]): [boolean, boolean] {
    const now = Date.now();
    const overdue = overdueAfter(this.config.overdueGrace, entry.dagId, entry.attributes, runs);
    const long = runningLongAfter(this.config.runningLongFactor, entry.dagId, runs)?.after ?? null;
    entry.flipsAt = Math.min(...[overdue, long].filter((at): at is number => at !== null && at >= now), Infinity);
    return [overdue !== null && now > overdue, long !== null && now > long];
  }

  private staleAt(dagId: string, history: DagHistory): boolean | null {
    return staleAt(this.config.maxSuccessAge, dagId, history, Date.now());
  }

  private snapshotOf(entry: Entry): DagSnapshot {
    if (entry.snapshot !== null) return entry.snapshot;
    const { dagId, revision, attributes } = entry;
    const sync = this.sync;
    const error = sync.error ?? entry.error;
    let snapshot: DagSnapshot;
    if (error !== null || entry.runs === null || entry.history === null) {
      snapshot = {
        dagId,
        revision,
        runs: null,
        error: error ?? new DagNotFoundError(dagId),
        status: null,
        history: null,
        attributes,
        importError: this.importErrors.of(attributes),
        health: this.health,
        fetchedAt: sync.at,
        expiresAt: sync.nextAt,
        lastKnown: error instanceof DagNotFoundError ? null : entry.lastGood,
        failingSince: sync.error !== null ? sync.failingSince : entry.failingSince,
      };
    } else {
      const history = entry.history;
      snapshot = {
        dagId,
        revision,
        runs: entry.runs,
        error: null,
        status: { dagId, run: entry.runs[0] ?? null, fetchedAt: sync.at, history, stale: this.staleAt(dagId, history) },
        history,
        attributes,
        importError: this.importErrors.of(attributes),
        health: this.health,
        fetchedAt: sync.at,
        expiresAt: sync.nextAt,
        lastKnown: null,
        failingSince: null,
      };
    }
    entry.snapshot = snapshot;
    return snapshot;
  }
}

function newEntry(dagId: string, explicit: boolean): Entry {
  return {
    dagId,
    explicit,
    attributes: null,
    runs: null,
    known: UNKNOWN_HISTORY,
    history: null,
    error: null,
    dirty: false,
    revision: 0,
    shown: null,
    snapshot: null,
    flipsAt: Infinity,
    lastGood: null,
    failingSince: null,
    errorAt: 0,
    loaded: null,
    loading: false,
    pending: null,
  };
}

/** What a reader shows of Airflow's health: which component is down, and since its last heartbeat. */
function healthShown(health: AirflowHealth | null): unknown {
  if (health === null) return null;
  const down = (component: AirflowHealth['scheduler'] | null) => (component?.healthy === false ? component.latestHeartbeat : null);
  return [health.scheduler.healthy === false, down(health.scheduler), health.dagProcessor?.healthy === false, down(health.dagProcessor)];
}

/**
 * The DAG's last run in `state` once `run` has changed: `run` when it is in that state and newer;
 * unknown when `run` was that one and has left the state (cleared and re-run), so it is looked up.
 */
function newer(known: DagRun | null | undefined, run: DagRun, state: string): DagRun | null | undefined {
  if (run.state === state) return known != null && runOrder(known) > runOrder(run) ? known : run;
  return known?.runId === run.runId ? undefined : known;
}

function newerFinished(known: DagRun | null | undefined, run: DagRun): DagRun | null | undefined {
  const finished = run.state === 'success' || run.state === 'failed';
  if (finished) return known != null && runOrder(known) > runOrder(run) && known.runId !== run.runId ? known : run;
  return known?.runId === run.runId ? undefined : known;
}

/**
 * What a revision shows of a DAG, compared field by field with the next one: references to what
 * the entry holds anyway (its runs, history and attributes are replaced, never changed in place),
 * rather than a string that repeats them (1.5 kB per DAG).
 */
interface Shown {
  /** The failure shown (a reason), or null when the runs are. */
  readonly error: string | null;
  readonly runs: readonly DagRun[] | null;
  readonly history: DagHistory | null;
  readonly stale: boolean | null;
  readonly attributes: DagAttributes | null;
  /** Airflow's health as every DAG shows it (the store's one string: compared, never copied). */
  readonly health: string | null;
  readonly importError: ImportErrorInfo | null;
  readonly overdue: boolean;
  readonly runningLong: boolean;
}

function sameShown(a: Shown | null, b: Shown | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.error === b.error &&
    a.stale === b.stale &&
    a.health === b.health &&
    a.overdue === b.overdue &&
    a.runningLong === b.runningLong &&
    a.importError?.filename === b.importError?.filename &&
    a.importError?.message === b.importError?.message &&
    sameRuns(a.runs, b.runs) &&
    sameHistory(a.history, b.history) &&
    sameAttributes(a.attributes, b.attributes)
  );
}

/** The runs' fields a reader shows: id, state, start, end, note. */
function sameRuns(a: readonly DagRun[] | null, b: readonly DagRun[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  return a.every((run, i) => sameShownRun(run, b[i]));
}

/** Last finished (id, state), last success (id) and the failed tasks (id, state). */
function sameHistory(a: DagHistory | null, b: DagHistory | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.lastFinished?.runId === b.lastFinished?.runId &&
    a.lastFinished?.state === b.lastFinished?.state &&
    a.lastSuccess?.runId === b.lastSuccess?.runId &&
    a.failedTasks.length === b.failedTasks.length &&
    a.failedTasks.every((task, i) => task.taskId === b.failedTasks[i].taskId && task.state === b.failedTasks[i].state)
  );
}

/** Every attribute: the verdicts read the schedule, file and bundle too (overdue, import errors). */
function sameAttributes(a: DagAttributes | null, b: DagAttributes | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.isPaused === b.isPaused &&
    a.hasImportErrors === b.hasImportErrors &&
    a.nextRunAfter === b.nextRunAfter &&
    a.schedule === b.schedule &&
    a.fileloc === b.fileloc &&
    a.bundleName === b.bundleName &&
    a.isStale === b.isStale &&
    sameStrings(a.tags, b.tags) &&
    sameStrings(a.owners, b.owners)
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/**
 * The attributes to hold for a DAG: those held already when Airflow says the same (the DAG list,
 * read every minute, then leaves no garbage behind), else Airflow's, with what DAGs share held once.
 */
function keepAttributes(held: DagAttributes | null, dag: DagAttributes, shared: SharedValues): DagAttributes {
  if (held !== null && sameAttributes(held, dag)) return held;
  return {
    ...dag,
    nextRunAfter: shared.text(dag.nextRunAfter),
    tags: shared.list(dag.tags),
    owners: shared.list(dag.owners),
    schedule: shared.text(dag.schedule),
    bundleName: shared.text(dag.bundleName),
  };
}

/** Within one read of the DAG list: one copy of each tag list, owner list and string that several DAGs have. */
class SharedValues {
  private readonly lists = new Map<string, readonly string[]>();
  private readonly texts = new Map<string, string>();

  list(values: readonly string[]): readonly string[] {
    const key = values.join('\0');
    let list = this.lists.get(key);
    if (list === undefined) this.lists.set(key, (list = Object.freeze([...values])));
    return list;
  }

  text(value: string | null): string | null {
    if (value === null) return null;
    let text = this.texts.get(value);
    if (text === undefined) this.texts.set(value, (text = value));
    return text;
  }
}
