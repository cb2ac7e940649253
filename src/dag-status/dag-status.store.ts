import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import etag from 'etag';
import { Observable, Subject } from 'rxjs';
import { AirflowError, DagNotFoundError } from '../airflow/airflow.errors.js';
import { AirflowRepository } from '../airflow/airflow.repository.js';
import type { DagRun } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import type { DagStatusConfig } from '../config/dag-status.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DagStatusDto } from './dag-status.dto.js';
import { staleAt } from './dag-status.freshness.js';
import type { DagHistory, DagStatus, FailedTask } from './dag-status.types.js';

/**
 * How many runs one read asks Airflow for. A read grows to the next size when a
 * client asks for more runs than the current one holds, and never shrinks, so a
 * DAG costs one read per TTL whatever mix of `limit`s clients send: 1 for the
 * status alone, 10 for the default run list, 100 (Airflow's page, our maximum).
 */
const PAGE_SIZES = [1, 10, 100] as const;

/** Run states that end a run: the newest run in one of them is the DAG's "last finished". */
const FINAL_STATES = ['success', 'failed'] as const;
/** Task states that name what broke a failed run. */
const FAILED_TASK_STATES = ['failed', 'upstream_failed'] as const;
/**
 * How many finished runs the extra read asks for when the page holds none: enough that the
 * newest success is nearly always among them, so one extra read per TTL is the rule.
 */
const FINISHED_PAGE = 10;

/** The status route's answer, made once per read rather than once per request. */
export interface StatusRepresentation {
  readonly body: string;
  /** Its Content-Length. */
  readonly length: string;
  /** The weak ETag Express would send for `body` (its default `etag fn`). */
  readonly etag: string;
}

/**
 * What the service knows about one DAG after one read of Airflow: its newest
 * runs, or the failure that read met. Immutable; a new read makes a new one.
 */
export interface DagSnapshot {
  readonly dagId: string;
  /** The newest runs, newest first (at most `pageSize`); null when the read failed. */
  readonly runs: readonly DagRun[] | null;
  readonly error: AirflowError | null;
  /** The latest run, when the read succeeded. */
  readonly status: DagStatus | null;
  /** The status route's body and ETag, when the read succeeded. */
  readonly json: StatusRepresentation | null;
  /** How many runs the read asked for. */
  readonly pageSize: number;
  /** When Airflow was asked (ISO 8601). */
  readonly fetchedAt: string;
  /** Epoch ms until which the snapshot answers for Airflow. */
  readonly expiresAt: number;
  /** Last finished run, last success and failed tasks, when the read succeeded. */
  readonly history: DagHistory | null;
  /** When the read failed: the last successful snapshot of this DAG, if there was one. */
  readonly lastKnown: DagSnapshot | null;
  /** When the read failed: when the first failed read of this outage was made. */
  readonly failingSince: string | null;
}

interface Load {
  readonly pageSize: number;
  readonly promise: Promise<DagSnapshot>;
}

interface Entry {
  snapshot: DagSnapshot | null;
  load: Load | null;
  pageSize: number;
  /** How many watchers keep this DAG refreshed. */
  watchers: number;
  /** What the last emitted change was about, to emit only real changes. */
  changeKey: string | null;
  /** The last successful snapshot, kept through an outage to show what was last seen. */
  lastGood: DagSnapshot | null;
  /** The failed tasks of the DAG's latest failed run, read once: a finished run does not change. */
  failedTasks: { runId: string; tasks: readonly FailedTask[] } | null;
  /** The newest success once looked up on its own (undefined: never; null: none), reused while no newer one appears. */
  lastSuccess: DagRun | null | undefined;
}

/**
 * The one place that reads DAG runs from Airflow and remembers them: per
 * allowed DAG, the latest snapshot, loaded through one shared read, reused for
 * STATUS_CACHE_TTL_MS (failures too, so an outage is not multiplied by client
 * load), readable synchronously, refreshed on the TTL while anything watches
 * the DAG, and announcing a DAG only when something shown of it changes (its
 * runs, last success, failed tasks, staleness, or the failure met).
 * Every reader — the JSON routes, the pages, the hot path, the metrics gauge —
 * goes through it.
 */
@Injectable()
export class DagStatusStore implements OnApplicationShutdown {
  private readonly config: DagStatusConfig;
  private readonly entries = new Map<string, Entry>();
  private readonly changes$ = new Subject<DagSnapshot>();
  private stopped = false;

  constructor(
    private readonly airflow: AirflowRepository,
    private readonly metrics: MetricsService,
    private readonly scheduler: SchedulerRegistry,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('dagStatus', { infer: true });
  }

  get ttlMs(): number {
    return this.config.cacheTtlMs;
  }

  /** The DAGs the service may read, in the order of ALLOWED_DAG_IDS. */
  get allowedDagIds(): readonly string[] {
    return this.config.allowedDagIds;
  }

  /** Whether the service may read `dagId` at all (ALLOWED_DAG_IDS). */
  isAllowed(dagId: string): boolean {
    return this.config.allowedDagIds.includes(dagId);
  }

  /**
   * The DAG's fresh snapshot holding at least `runs` runs, reading Airflow when
   * there is none: concurrent callers share one read. Counted as a cache
   * lookup (hit when no new read was needed).
   * @throws DagNotFoundError for a DAG outside ALLOWED_DAG_IDS (Airflow is not asked)
   */
  read(dagId: string, runs = 1): Promise<DagSnapshot> {
    if (!this.isAllowed(dagId)) return Promise.reject(new DagNotFoundError(dagId));
    const entry = this.entryOf(dagId);
    const snapshot = this.fresh(entry, runs);
    if (snapshot !== undefined) {
      this.metrics.recordCacheLookup(true);
      return Promise.resolve(snapshot);
    }
    if (entry.load !== null && entry.load.pageSize >= runs) {
      this.metrics.recordCacheLookup(true);
      return entry.load.promise;
    }
    this.metrics.recordCacheLookup(false);
    return this.startLoad(dagId, entry, runs).promise;
  }

  /**
   * The DAG's fresh, successful snapshot, synchronously, or undefined when a
   * read would be needed (nothing read yet, expired, failed, or not allowed).
   * Never reads Airflow and records nothing.
   */
  peek(dagId: string): DagSnapshot | undefined {
    const snapshot = this.entries.get(dagId)?.snapshot;
    return snapshot != null && snapshot.error === null && Date.now() < snapshot.expiresAt ? snapshot : undefined;
  }

  /** Every change of any DAG's state or latest run, as the store learns of it; reads nothing by itself. */
  get changes(): Observable<DagSnapshot> {
    return this.changes$.asObservable();
  }

  /**
   * The DAGs' snapshots as they change, starting with their current ones (holding at least `runs` runs).
   * While subscribed, the store re-reads each of them on the TTL (one read per
   * DAG per TTL, however many watchers); the last unsubscribe stops that.
   * @throws DagNotFoundError at once for a DAG outside ALLOWED_DAG_IDS
   */
  watch(dagIds: readonly string[], runs = 1): Observable<DagSnapshot> {
    const unknown = dagIds.find((dagId) => !this.isAllowed(dagId));
    if (unknown !== undefined) throw new DagNotFoundError(unknown);
    return new Observable<DagSnapshot>((subscriber) => {
      const wanted = new Set(dagIds);
      const delivered = new Set<string>();
      const deliver = (snapshot: DagSnapshot): void => {
        delivered.add(snapshot.dagId);
        subscriber.next(snapshot);
      };
      const subscription = this.changes$.subscribe((snapshot) => {
        if (wanted.has(snapshot.dagId)) deliver(snapshot);
      });
      for (const dagId of wanted) {
        const entry = this.entryOf(dagId);
        entry.watchers += 1;
        const current = this.fresh(entry, runs);
        if (current !== undefined) {
          deliver(current);
        } else {
          // The read may bring no change to announce; this watcher still needs its first snapshot.
          const load = entry.load !== null && entry.load.pageSize >= runs ? entry.load : this.startLoad(dagId, entry, runs);
          load.promise.then(
            (snapshot) => {
              if (!delivered.has(dagId) && !subscriber.closed) deliver(snapshot);
            },
            () => undefined,
          );
        }
        this.scheduleRefresh(dagId, entry);
      }
      return () => {
        subscription.unsubscribe();
        for (const dagId of wanted) {
          const entry = this.entries.get(dagId);
          if (entry === undefined) continue;
          entry.watchers -= 1;
          if (entry.watchers === 0) this.cancelRefresh(dagId);
        }
      };
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const dagId of this.entries.keys()) this.cancelRefresh(dagId);
    this.changes$.complete();
  }

  private entryOf(dagId: string): Entry {
    // The service holds Airflow credentials: it must not become a way to read every DAG,
    // nor tell which DAGs exist, so a DAG outside the list is answered like an unknown one.
    if (!this.isAllowed(dagId)) throw new DagNotFoundError(dagId);
    let entry = this.entries.get(dagId);
    if (entry === undefined) {
      entry = {
        snapshot: null,
        load: null,
        pageSize: PAGE_SIZES[0],
        watchers: 0,
        changeKey: null,
        lastGood: null,
        failedTasks: null,
        lastSuccess: undefined,
      };
      this.entries.set(dagId, entry);
    }
    return entry;
  }

  /** The entry's snapshot when it is fresh and answers for `runs` runs. */
  private fresh(entry: Entry, runs: number): DagSnapshot | undefined {
    const snapshot = entry.snapshot;
    if (snapshot === null || Date.now() >= snapshot.expiresAt) return undefined;
    // A failure answers for any size; a page that came back short holds every run there is.
    if (snapshot.runs === null || snapshot.pageSize >= runs || snapshot.runs.length < snapshot.pageSize) return snapshot;
    return undefined;
  }

  private startLoad(dagId: string, entry: Entry, runs: number): Load {
    if (runs > entry.pageSize) entry.pageSize = PAGE_SIZES.find((size) => size >= runs) ?? PAGE_SIZES[PAGE_SIZES.length - 1];
    const pageSize = entry.pageSize;
    const load: Load = { pageSize, promise: this.loadSnapshot(dagId, entry, pageSize) };
    entry.load = load;
    load.promise.then(
      (snapshot) => {
        // A later, larger read may have started meanwhile: the newest read is the one kept.
        if (entry.load !== load) return;
        entry.load = null;
        entry.snapshot = snapshot;
        if (snapshot.error === null) entry.lastGood = snapshot;
        this.announce(entry, snapshot);
        this.scheduleRefresh(dagId, entry);
      },
      () => {
        // A bug, not an Airflow failure: its readers get the error; the next read tries again.
        if (entry.load === load) entry.load = null;
      },
    );
    return load;
  }

  /** One read of Airflow; never rejects (a failure is a snapshot too), except for a bug. */
  private async loadSnapshot(dagId: string, entry: Entry, pageSize: number): Promise<DagSnapshot> {
    let runs: DagRun[] | null = null;
    let history: DagHistory | null = null;
    let error: AirflowError | null = null;
    try {
      runs = await this.airflow.listRuns(dagId, pageSize);
      history = await this.historyOf(dagId, entry, runs, pageSize);
    } catch (caught) {
      if (!(caught instanceof AirflowError)) throw caught;
      error = caught;
    }
    const fetchedAt = new Date().toISOString();
    const expiresAt = Date.now() + this.config.cacheTtlMs;
    if (error !== null || runs === null || history === null) {
      // The page may have been read before the failure: a snapshot is either all read or failed.
      const previous = entry.snapshot;
      const failingSince = previous?.error != null ? (previous.failingSince ?? previous.fetchedAt) : fetchedAt;
      return {
        dagId,
        runs: null,
        error,
        status: null,
        json: null,
        pageSize,
        fetchedAt,
        expiresAt,
        history: null,
        lastKnown: entry.lastGood,
        failingSince,
      };
    }
    const status: DagStatus = {
      dagId,
      run: runs[0] ?? null,
      fetchedAt,
      history,
      stale: staleAt(this.config.maxSuccessAge, dagId, history, Date.now()),
    };
    const body = JSON.stringify(DagStatusDto.from(status));
    const bytes = Buffer.from(body, 'utf8');
    const json: StatusRepresentation = { body, length: String(bytes.length), etag: etag(bytes, { weak: true }) };
    return { dagId, runs, error, status, json, pageSize, fetchedAt, expiresAt, history, lastKnown: null, failingSince: null };
  }

  /**
   * The last finished run, the last success and the failed tasks, from the page when it holds
   * them. Otherwise one more read (two at most per DAG per TTL, in practice), and the failed
   * tasks once per failed run.
   */
  private async historyOf(dagId: string, entry: Entry, runs: readonly DagRun[], pageSize: number): Promise<DagHistory> {
    let lastFinished = runs.find(isFinished) ?? null;
    let lastSuccess = runs.find((run) => run.state === 'success') ?? null;
    // A page that came back short holds every run there is: nothing older to look for.
    if (lastSuccess === null && runs.length >= pageSize) {
      if (lastFinished === null) {
        const finished = await this.airflow.listRuns(dagId, FINISHED_PAGE, FINAL_STATES);
        lastFinished = finished[0] ?? null;
        lastSuccess = finished.find((run) => run.state === 'success') ?? null;
        if (lastSuccess === null && finished.length >= FINISHED_PAGE) lastSuccess = await this.lookUpLastSuccess(dagId, entry, false);
      } else {
        lastSuccess = await this.lookUpLastSuccess(dagId, entry, true);
      }
    }
    if (lastSuccess !== null) entry.lastSuccess = lastSuccess;
    return { lastFinished, lastSuccess, failedTasks: await this.failedTasksOf(dagId, entry, lastFinished) };
  }

  /**
   * The newest success, by a read of its own; when `always` is false, the one found before is
   * reused (only a run among the newest finished ones could be a newer success).
   */
  private async lookUpLastSuccess(dagId: string, entry: Entry, always: boolean): Promise<DagRun | null> {
    if (!always && entry.lastSuccess !== undefined) return entry.lastSuccess;
    const [found] = await this.airflow.listRuns(dagId, 1, ['success']);
    entry.lastSuccess = found ?? null;
    return entry.lastSuccess;
  }

  /** The failed tasks of `run` when it failed: read once per run, the DAG's latest failed run kept. */
  private async failedTasksOf(dagId: string, entry: Entry, run: DagRun | null): Promise<readonly FailedTask[]> {
    if (run?.state !== 'failed') return [];
    if (entry.failedTasks?.runId === run.runId) return entry.failedTasks.tasks;
    let instances;
    try {
      instances = await this.airflow.listTaskInstances(dagId, run.runId, FAILED_TASK_STATES);
    } catch (caught) {
      // The run itself was read: without its tasks the answer is still worth giving; they are asked again next read.
      if (caught instanceof AirflowError) return [];
      throw caught;
    }
    const seen = new Set<string>();
    const tasks: FailedTask[] = [];
    for (const instance of instances) {
      // A mapped task fails once per index; one line per task names it, its first failed index is linked.
      if (instance.state === null || seen.has(instance.taskId)) continue;
      seen.add(instance.taskId);
      tasks.push({
        taskId: instance.taskId,
        state: instance.state,
        logUrl: this.airflow.taskLogUrl(dagId, run.runId, instance.taskId, instance.mapIndex),
      });
    }
    entry.failedTasks = { runId: run.runId, tasks };
    return tasks;
  }

  /** Emits the snapshot when anything a reader shows of the DAG differs from the last one emitted. */
  private announce(entry: Entry, snapshot: DagSnapshot): void {
    const key = this.changeKeyOf(snapshot);
    if (key === entry.changeKey) return;
    entry.changeKey = key;
    this.changes$.next(snapshot);
  }

  /**
   * What the pages, the overview and the streams show of a snapshot, apart from when it was read:
   * its runs, last finished run, last success, failed tasks and staleness (judged at the read, so a
   * watched DAG crossing MAX_SUCCESS_AGE is announced by the next refresh), or the failure met.
   */
  private changeKeyOf(snapshot: DagSnapshot): string {
    if (snapshot.error !== null) {
      const known = snapshot.lastKnown?.history;
      const stale = known === undefined || known === null ? null : staleAt(this.config.maxSuccessAge, snapshot.dagId, known, Date.now());
      return JSON.stringify(['error', snapshot.error.reason, stale]);
    }
    const history = snapshot.history;
    return JSON.stringify([
      (snapshot.runs ?? []).map((run) => [run.runId, run.state, run.startDate, run.endDate]),
      history?.lastFinished?.runId ?? null,
      history?.lastFinished?.state ?? null,
      history?.lastSuccess?.runId ?? null,
      (history?.failedTasks ?? []).map((task) => [task.taskId, task.state]),
      snapshot.status?.stale ?? null,
    ]);
  }

  private scheduleRefresh(dagId: string, entry: Entry): void {
    if (this.stopped || entry.watchers === 0 || entry.load !== null || entry.snapshot === null) return;
    this.cancelRefresh(dagId);
    const timer = setTimeout(
      () => {
        this.scheduler.deleteTimeout(refreshName(dagId));
        if (entry.watchers > 0 && entry.load === null) this.startLoad(dagId, entry, 1);
      },
      Math.max(0, entry.snapshot.expiresAt - Date.now()),
    );
    this.scheduler.addTimeout(refreshName(dagId), timer);
  }

  private cancelRefresh(dagId: string): void {
    const name = refreshName(dagId);
    if (this.scheduler.doesExist('timeout', name)) this.scheduler.deleteTimeout(name);
  }
}

/** Seconds a cache may keep an answer made from `snapshot`: as long as the store does, rounded up so that answers a moment apart agree. */
export function maxAgeOf(snapshot: DagSnapshot): number {
  return Math.max(0, Math.ceil((snapshot.expiresAt - Date.now()) / 1000));
}

/** `Cache-Control` for an answer made from `snapshot`. */
export function cacheControlFor(snapshot: DagSnapshot): string {
  return `max-age=${maxAgeOf(snapshot)}`;
}

function isFinished(run: DagRun): boolean {
  return (FINAL_STATES as readonly string[]).includes(run.state);
}

function refreshName(dagId: string): string {
  return `dag-status-refresh:${dagId}`;
}
