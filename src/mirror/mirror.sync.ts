import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  AirflowBadResponseError,
  AirflowError,
  AirflowOverloadedError,
  AirflowTimeoutError,
  AirflowUnreachableError,
  DagNotFoundError,
} from '../airflow/airflow.errors.js';
import { AirflowRepository } from '../airflow/airflow.repository.js';
import type { AirflowHealth, AirflowPageToken, DagAttributes, DagRun, ImportErrorInfo } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import { selects, type MirrorConfig } from '../config/mirror.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MirrorHistory } from './mirror.history.js';
import { MirrorPast } from './mirror.past.js';
import { MirrorStore } from './mirror.store.js';

/**
 * How far back each sync reads before the last one began, on Airflow's clock: its `Date` header has
 * 1 s resolution, and a run's `updated_at` is set before its transaction commits.
 */
export const SYNC_OVERLAP_MS = 5000;
/** The longest a failing or slow Airflow pushes the next background sync away. */
const MAX_BACKOFF_MS = 60_000;
/** The background period when STATUS_CACHE_TTL_MS is 0 (every read then syncs first). */
const UNCACHED_PERIOD_MS = 1000;
const TICK = 'mirror-sync';
/**
 * Reconciliation reads every DAG whole once in this long at least (one DAG per sync at most):
 * a deleted run leaves within ten minutes with few DAGs, within DAGs × period with thousands.
 */
const RECONCILE_CYCLE_MS = 600_000;
/** How long a stopping service waits for the past's reads in flight. */
const SHUTDOWN_WAIT_MS = 2000;
/** Whole reads answered this many times in a row as fast as alone before one more goes at once. */
const STEADY_READS = 20;

/**
 * Keeps the MirrorStore current at a cost that does not grow with the number of DAGs. Every
 * STATUS_CACHE_TTL_MS one sync reads, across every DAG at once, only the runs created or changed
 * since the previous one (`~/dagRuns?updated_at_gte=`, paged, on Airflow's clock with an overlap).
 * Every DAG_LIST_PERIOD_MS it reads the DAG list (which DAGs are watched, paused, import errors,
 * next run). DAGs are read whole only when they join (the first load, a new DAG), and one per sync
 * for reconciliation, which catches what a changes feed cannot show: a deleted run. Whole reads are
 * paced by Airflow's latency (see `readWhole`); a failing or slow Airflow spaces syncs out instead
 * of adding calls.
 */
@Injectable()
export class MirrorSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MirrorSync.name);
  private readonly config: MirrorConfig;
  private readonly periodMs: number;
  private readonly ttlMs: number;
  private readonly concurrency: number;
  private readonly explicitIds: readonly string[];
  /** Airflow's clock (epoch ms) when the last sync's read of changes began; null before the first. */
  private watermark: number | null = null;
  private nextDagList = 0;
  private flight: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;
  /** DAGs to read whole, in order; the first ones are those a reader waits for. */
  private readonly queue: string[] = [];
  private loadsInFlight = 0;
  /** Reads' slots held after their read, so that Airflow is not kept busy with them back to back. */
  private resting = 0;
  /** Whole reads at once in turn: one, more while Airflow answers them as fast as alone (at most AIRFLOW_MAX_CONCURRENCY). */
  private loadLimit = 1;
  /** The fastest a whole read has been answered lately (ms), the measure of "as fast as alone"; and reads in a row near it. */
  private floorMs = Infinity;
  private steadyReads = 0;
  /** DAGs a reader waits for alone: read first, beside the paced reads, within AIRFLOW_MAX_CONCURRENCY. */
  private readonly urgent = new Set<string>();
  /** DAGs whose whole read failed, and when to try again (doubling per failure, a minute at most). */
  private readonly retries = new Map<string, { at: number; failures: number }>();
  /** DAGs a reader waits for, read whatever their state. */
  private readonly forced = new Set<string>();
  private firstLoad: { started: number; dags: number; peak: number } | null = null;
  private reconcileCursor = 0;
  /** When the next DAG is read whole again; the first load reads them all, so not before one cycle. */
  private nextReconcile = Date.now() + RECONCILE_CYCLE_MS;
  private warnedNoDate = false;
  /** Airflow's health or import errors, while they cannot be read. */
  private readonly auxiliaryFailing = new Set<'health' | 'import errors'>();
  /** DAGs whose past (MirrorPast) has pages to read, in order; a DAG being read goes first until it is whole. */
  private readonly pastQueue: string[] = [];
  private pastInFlight = 0;
  /** The past's reads in flight (pages and failed tasks), awaited at shutdown. */
  private readonly pastReads = new Set<Promise<void>>();
  /** The read of the past under way: since when, how many pages, DAGs and calls at once at most. */
  private pastLoad: { started: number; pages: number; dags: Set<string>; peak: number } | null = null;
  /** Failed tasks of past runs: one lookup at a time, none before `tasksAt` after a failure. */
  private tasksReading = false;
  private tasksAt = 0;
  private tasksFailures = 0;
  /** The lookups of failed tasks after the past's first read: logged once none is left (the bench waits for it). */
  private tasksLoad: { started: number; runs: number } | null = null;

  constructor(
    private readonly store: MirrorStore,
    private readonly history: MirrorHistory,
    private readonly airflow: AirflowRepository,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
    config: ConfigService<AllConfig, true>,
    private readonly past: MirrorPast,
  ) {
    this.config = config.getOrThrow('mirror', { infer: true });
    this.ttlMs = config.getOrThrow('dagStatus', { infer: true }).cacheTtlMs;
    this.periodMs = this.ttlMs > 0 ? this.ttlMs : UNCACHED_PERIOD_MS;
    this.concurrency = config.getOrThrow('airflow', { infer: true }).maxConcurrency;
    this.explicitIds = config.getOrThrow('dagStatus', { infer: true }).allowedDagIds;
  }

  onApplicationBootstrap(): void {
    this.store.drive({
      now: () => this.syncNow(),
      running: () => this.flight !== null,
      load: (dagId, urgent) => this.loadFirst(dagId, urgent),
    });
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('timeout', TICK)) this.scheduler.deleteTimeout(TICK);
    // The past's background reads in flight end before the service does (none reaches Airflow after it), within a bound.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)));
    await Promise.race([Promise.allSettled(this.pastReads), bound]);
    clearTimeout(timer);
  }

  /** One sync, shared by every caller while it runs; never rejects. */
  syncNow(): Promise<void> {
    this.flight ??= this.sync().finally(() => {
      this.flight = null;
    });
    return this.flight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.scheduler.doesExist('timeout', TICK)) this.scheduler.deleteTimeout(TICK);
    const timer = setTimeout(() => {
      this.scheduler.deleteTimeout(TICK);
      void this.tick();
    }, delayMs);
    timer.unref();
    this.scheduler.addTimeout(TICK, timer);
  }

  /** The background loop: a sync, reconciliation of one DAG, the next tick (later when failing or slow). */
  private async tick(): Promise<void> {
    const started = Date.now();
    await this.syncNow();
    if (this.failures === 0 && started >= this.nextReconcile) {
      this.reconcileOne();
      this.nextReconcile = started + Math.max(this.periodMs, RECONCILE_CYCLE_MS / Math.max(1, this.store.allowedDagIds.length));
    }
    const tookMs = Date.now() - started;
    // Fewer calls, not more: failures back off exponentially, and a slow sync keeps Airflow at most half busy with us.
    const backoff = this.failures === 0 ? this.periodMs : Math.min(MAX_BACKOFF_MS, this.periodMs * 2 ** this.failures);
    this.schedule(Math.max(backoff, 2 * tookMs) - tookMs);
  }

  private async sync(): Promise<void> {
    const started = new Date();
    const timer = performance.now();
    try {
      if (this.watermark === null) this.watermark = (await this.clock()) - SYNC_OVERLAP_MS;
      if (started.getTime() >= this.nextDagList) {
        // Import errors before the DAG list: a DAG flagged with one finds its file's error already there.
        await this.readAirflowState();
        await this.readDagList();
        this.nextDagList = started.getTime() + this.config.dagListPeriodMs;
      }
      const pages = await this.readChanges();
      await this.store.completeSync(started, Date.now() + this.ttlMs);
      this.metrics.recordMirrorSync('ok', (performance.now() - timer) / 1000, pages);
      this.failures = 0;
    } catch (caught) {
      if (!(caught instanceof AirflowError)) {
        // A bug: said loudly, and the next sync tries again rather than the loop dying.
        this.logger.error(
          `Mirror sync failed unexpectedly: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}`,
        );
        return;
      }
      // Said once by the Airflow boundary, which logs the link's changes of state ("Airflow became unavailable").
      this.failures += 1;
      this.metrics.recordMirrorSync(caught.reason, (performance.now() - timer) / 1000, 0);
      this.store.failSync(caught, started, Date.now() + this.ttlMs);
    }
    this.pump(true);
  }

  /** Airflow's clock now, from an empty read of changes (nothing changes in the future). */
  private async clock(): Promise<number> {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const page = await this.airflow.listRunsChanged(future, null);
    return this.serverTime(page.serverTime);
  }

  private serverTime(time: number | null): number {
    if (time !== null) return time;
    if (!this.warnedNoDate) {
      this.warnedNoDate = true;
      this.logger.warn("Airflow's answers carry no Date header: the mirror's watermark follows this host's clock");
    }
    return Date.now();
  }

  /**
   * Every run changed since the watermark (less the overlap), all pages, into the store; the
   * watermark moves to Airflow's clock at the first page. Airflow's clock going back (a restart on
   * another host) is noticed and read from again.
   * @returns the pages read
   */
  private async readChanges(): Promise<number> {
    let since = (this.watermark ?? 0) - SYNC_OVERLAP_MS;
    let page: AirflowPageToken | null = null;
    let pages = 0;
    let clockAtStart: number | null = null;
    const changed: DagRun[] = [];
    for (;;) {
      const answer = await this.airflow.listRunsChanged(new Date(since).toISOString(), page);
      pages += 1;
      if (clockAtStart === null) {
        clockAtStart = this.serverTime(answer.serverTime);
        if (clockAtStart < since) {
          this.logger.warn("Airflow's clock went back; reading changes again from its new time");
          since = clockAtStart - SYNC_OVERLAP_MS;
          continue;
        }
      }
      changed.push(...answer.items);
      if (answer.next === null) break;
      page = answer.next;
    }
    // Applied once every page is read: a sync that fails halfway shows nothing half-read.
    for (const run of changed) this.store.applyRun(run);
    this.watermark = clockAtStart;
    return pages;
  }

  /** Which DAGs are watched, and their attributes: the whole list with WATCH_DAGS, else each listed DAG. */
  private async readDagList(): Promise<void> {
    const selector = this.config.selector;
    if (selector === null) {
      // Each listed DAG on its own, beside the syncs (a DAG that hangs holds up neither them nor the others); a
      // DAG Airflow does not know is also found by its whole read.
      void this.pool(this.explicitIds, this.concurrency, async (dagId) => {
        try {
          this.store.setDag(dagId, await this.airflow.getDag(dagId, true));
        } catch (caught) {
          if (caught instanceof DagNotFoundError) this.store.setDag(dagId, caught);
          else if (!(caught instanceof AirflowError)) throw caught;
        }
      }).catch((caught: unknown) => this.logger.error(`Reading the DAGs' attributes failed unexpectedly: ${String(caught)}`));
      return;
    }
    const dags: DagAttributes[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await this.airflow.listDags(offset);
      dags.push(...page.items);
      offset = page.next !== null && 'offset' in page.next ? page.next.offset : null;
    }
    const before = new Set(this.store.entryIds());
    // A stale DAG is gone from its files, unless its file fails to import (Airflow 3 makes those stale too): that one stays, broken.
    const present = dags.filter((dag) => !dag.isStale || dag.hasImportErrors);
    this.store.setDags(present, (dag) => selects(selector, dag), true);
    const joined = [...this.store.entryIds()].filter((dagId) => !before.has(dagId));
    if (joined.length > 0 && before.size > this.explicitIds.length) this.logger.log(`${joined.length} DAG(s) joined the watched set`);
  }

  /**
   * Airflow's own state beside the DAG list, one call each on its period: the health of its scheduler and
   * DAG processor, and its import errors (every page; a handful of files at most, usually one page). Neither is
   * needed to judge a run: one Airflow refuses or answers oddly is unknown (no `airflow_scheduler_down`, import
   * errors without their file's error), said once in the log, and the sync goes on. An Airflow that cannot be
   * reached fails the sync, as its next call would.
   */
  private async readAirflowState(): Promise<void> {
    let health: AirflowHealth | null = null;
    try {
      health = await this.airflow.health();
      this.auxiliaryRead('health', null);
    } catch (caught) {
      if (!isEndpointFault(caught)) throw caught;
      this.auxiliaryRead('health', caught);
    }
    this.store.setHealth(health);
    let errors: ImportErrorInfo[] | null = [];
    try {
      for (let offset: number | null = 0; offset !== null;) {
        const page = await this.airflow.listImportErrors(offset);
        errors.push(...page.items);
        offset = page.next !== null && 'offset' in page.next ? page.next.offset : null;
      }
      this.auxiliaryRead('import errors', null);
    } catch (caught) {
      if (!isEndpointFault(caught)) throw caught;
      this.auxiliaryRead('import errors', caught);
      errors = null;
    }
    this.store.setImportErrors(errors);
  }

  /** Says once when one of Airflow's health or import errors cannot be read, and once when it can again. */
  private auxiliaryRead(what: 'health' | 'import errors', error: AirflowError | null): void {
    const failing = this.auxiliaryFailing.has(what);
    if (error !== null && !failing) {
      this.auxiliaryFailing.add(what);
      this.logger.warn(`Could not read Airflow's ${what} (${error.message}); verdicts go on without them until they can be read`);
    } else if (error === null && failing) {
      this.auxiliaryFailing.delete(what);
      this.logger.log(`Airflow's ${what} can be read again`);
    }
  }

  /**
   * Runs the queued whole reads, a few at a time; after a sync (`rescan`) first queues every DAG
   * still to be read. Only a sync rescans: a read that ends just starts the next, so a first load
   * of N DAGs costs N steps, not N².
   */
  private pump(rescan = false): void {
    if (this.stopped || this.store.isSyncFailing()) return;
    if (rescan) {
      const now = Date.now();
      const queued = new Set(this.queue);
      for (const dagId of this.store.entryIds()) {
        if (this.store.needsLoad(dagId) && (this.retries.get(dagId)?.at ?? 0) <= now && !queued.has(dagId)) this.queue.push(dagId);
      }
    }
    if (this.firstLoad === null && this.queue.length > 0) this.firstLoad = { started: performance.now(), dags: this.queue.length, peak: 0 };
    while (this.queue.length > 0) {
      const urgent = this.urgent.has(this.queue[0]);
      if (urgent ? this.loadsInFlight >= this.concurrency : this.loadsInFlight + this.resting >= this.loadLimit) break;
      const dagId = this.queue.shift()!;
      this.urgent.delete(dagId);
      // A DAG being read already is not read twice; its readers wait for that read.
      if (this.store.isReading(dagId) || (!this.forced.delete(dagId) && !this.store.needsLoad(dagId))) continue;
      void this.readWhole(dagId);
    }
    // The first load is every DAG's newest runs: done when no whole read is in flight (the past's pages go on).
    const wholeInFlight = this.loadsInFlight - this.pastInFlight - (this.tasksReading ? 1 : 0);
    if (wholeInFlight === 0 && this.queue.length === 0 && this.firstLoad !== null && this.firstLoad.dags > 0) {
      const seconds = (performance.now() - this.firstLoad.started) / 1000;
      this.logger.log(
        `Mirror loaded ${this.firstLoad.dags} DAG(s) in ${seconds.toFixed(1)} s (at most ${this.firstLoad.peak} reads at once)`,
      );
      this.metrics.recordMirrorLoad(seconds, this.firstLoad.dags);
      this.firstLoad.dags = 0;
    }
    // Every DAG's newest runs first; then, in the slots they leave, the past and its failed tasks.
    if (this.queue.length === 0) this.pumpPast(rescan);
  }

  /**
   * A reader waits for this DAG: it is read whatever its backoff, even when Airflow did not know it
   * last time; first when the reader waits for it alone (`urgent`), else in its turn.
   */
  private loadFirst(dagId: string, urgent: boolean): void {
    // Being read already: its reader waits for that read, not for a second one.
    if (this.store.isReading(dagId)) return;
    this.retries.delete(dagId);
    this.forced.add(dagId);
    const at = this.queue.indexOf(dagId);
    if (urgent) {
      if (at >= 0) this.queue.splice(at, 1);
      this.queue.unshift(dagId);
      this.urgent.add(dagId);
    } else if (at < 0) this.queue.push(dagId);
    this.pump();
  }

  /**
   * One DAG read whole into the store (first load, a new DAG, reconciliation). Its slot then rests
   * as long as the read took: as with the syncs, Airflow is at most half busy with us, and its
   * other clients are answered within about twice their usual time meanwhile (BENCHMARKS.md,
   * "Watching a whole Airflow").
   */
  private async readWhole(dagId: string): Promise<void> {
    this.loadsInFlight += 1;
    if (this.firstLoad !== null) this.firstLoad.peak = Math.max(this.firstLoad.peak, this.loadsInFlight);
    this.store.beginRead(dagId);
    const started = Date.now();
    const alone = this.loadsInFlight === 1;
    let tookMs = 0;
    try {
      await this.store.setRuns(dagId, await this.history.newestRuns(dagId));
      tookMs = Date.now() - started;
      this.retries.delete(dagId);
      // A reader that asked for this DAG while it was being read has it now: not read again after its rest.
      this.forced.delete(dagId);
      this.urgent.delete(dagId);
      const queued = this.queue.indexOf(dagId);
      if (queued >= 0) this.queue.splice(queued, 1);
      this.paceBy(tookMs, alone && this.loadsInFlight === 1);
    } catch (caught) {
      // Slow: fewer at once. A DAG that fails is tried again later, not at every sync.
      if (caught instanceof AirflowTimeoutError) {
        this.loadLimit = Math.max(1, Math.floor(this.loadLimit / 2));
        this.steadyReads = 0;
      }
      const failures = (this.retries.get(dagId)?.failures ?? 0) + 1;
      this.retries.set(dagId, { at: Date.now() + Math.min(MAX_BACKOFF_MS, this.periodMs * 2 ** failures), failures });
      if (caught instanceof AirflowError) this.store.failRead(dagId, caught);
      else {
        // A bug: said loudly; the DAG shows an error and is read again at the next sync, and the process lives on.
        this.logger.error(
          `Reading ${dagId} failed unexpectedly: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}`,
        );
        this.store.failRead(dagId, new AirflowBadResponseError(`Reading ${dagId} failed unexpectedly`));
      }
    } finally {
      this.loadsInFlight -= 1;
      this.release(tookMs);
    }
  }

  /** A read's slot rests as long as the read took (Airflow at most half busy with us), then the next read goes. */
  private release(tookMs: number): void {
    if (tookMs > 0 && !this.stopped) {
      this.resting += 1;
      setTimeout(() => {
        this.resting -= 1;
        this.pump();
      }, tookMs).unref();
    } else this.pump();
  }

  /**
   * Reads the past of the DAGs read whole (issue 20), a page at a time in the whole reads' slots, each DAG
   * to its end before the next; then the failed tasks of their newest failed runs, one at a time. After a
   * sync (`rescan`) first queues every DAG whose past has pages to read (new, or a page that failed).
   */
  private pumpPast(rescan: boolean): void {
    const now = Date.now();
    if (rescan) {
      const queued = new Set(this.pastQueue);
      for (const dagId of this.store.entryIds()) {
        if (!queued.has(dagId) && this.store.isLoaded(dagId) && this.past.needsRead(dagId, now)) this.pastQueue.push(dagId);
      }
    }
    while (this.loadsInFlight + this.resting < this.loadLimit) {
      const dagId = this.pastQueue.shift();
      if (dagId !== undefined) {
        if (this.store.isAllowed(dagId) && this.past.needsRead(dagId, now)) this.track(this.readPastPage(dagId));
        continue;
      }
      const failed = this.tasksReading || now < this.tasksAt ? null : this.past.nextFailedRun();
      if (failed === null) {
        if (!this.tasksReading && now >= this.tasksAt) this.endTasksLoad();
        break;
      }
      // The last finished run's were read for the DAG's history: once per run.
      const known = this.store.failedTasksKnown(failed.dagId, failed.runId);
      if (known !== null) this.past.setFailedTasks(failed.dagId, failed.runId, known);
      else this.track(this.readPastTasks(failed.dagId, failed.runId));
    }
    const load = this.pastLoad;
    if (load !== null && this.pastInFlight === 0 && this.pastQueue.length === 0) {
      this.pastLoad = null;
      const { runs, bytes } = this.past.size();
      const seconds = ((performance.now() - load.started) / 1000).toFixed(1);
      const days = Math.round(this.past.windowMs / 86_400_000);
      this.logger.log(
        `Mirror read the past ${days} d of ${load.dags.size} DAG(s) in ${seconds} s (${load.pages} pages, at most ${load.peak} reads at once; ${runs} runs held in ${(bytes / 2 ** 20).toFixed(1)} MB)`,
      );
      this.tasksLoad = { started: performance.now(), runs: 0 };
      this.pumpPast(false);
    }
  }

  /** Once the failed tasks of the past's failed runs are all known: a one-time cost after the first read, logged. */
  private endTasksLoad(): void {
    const load = this.tasksLoad;
    if (load === null || this.pastLoad !== null || this.pastQueue.length > 0) return;
    this.tasksLoad = null;
    const seconds = ((performance.now() - load.started) / 1000).toFixed(1);
    this.logger.log(`Mirror read the failed tasks of ${load.runs} failed past run(s) in ${seconds} s`);
  }

  private track(read: Promise<void>): void {
    this.pastReads.add(read);
    void read.finally(() => this.pastReads.delete(read));
  }

  /** One page of a DAG's past, newest first; a page that fails is read again later, after a backoff. */
  private async readPastPage(dagId: string): Promise<void> {
    this.loadsInFlight += 1;
    this.pastInFlight += 1;
    const load = (this.pastLoad ??= { started: performance.now(), pages: 0, dags: new Set(), peak: 0 });
    load.peak = Math.max(load.peak, this.loadsInFlight);
    const page = this.past.beginPage(dagId, Date.now());
    const started = Date.now();
    let tookMs = 0;
    try {
      const answer = await this.history.pastPage(dagId, page.since, page.offset);
      tookMs = Date.now() - started;
      load.pages += 1;
      load.dags.add(dagId);
      const next = answer.next !== null && 'offset' in answer.next ? answer.next.offset : null;
      if (this.past.setPage(dagId, answer.items, next)) this.pastQueue.unshift(dagId);
    } catch (caught) {
      if (caught instanceof AirflowTimeoutError) {
        this.loadLimit = Math.max(1, Math.floor(this.loadLimit / 2));
        this.steadyReads = 0;
      }
      const failures = this.past.failuresOf(dagId) + 1;
      this.past.failPage(dagId, Date.now() + Math.min(MAX_BACKOFF_MS, this.periodMs * 2 ** failures));
      if (!(caught instanceof AirflowError)) {
        this.logger.error(
          `Reading the past of ${dagId} failed unexpectedly: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}`,
        );
      }
    } finally {
      this.loadsInFlight -= 1;
      this.pastInFlight -= 1;
      this.release(tookMs);
    }
  }

  /** The failed tasks of one failed past run, in the background; after a failure, none for a backoff. */
  private async readPastTasks(dagId: string, runId: string): Promise<void> {
    this.loadsInFlight += 1;
    this.tasksReading = true;
    const started = Date.now();
    let tookMs = 0;
    try {
      const tasks = await this.history.failedTasks(dagId, runId);
      tookMs = Date.now() - started;
      this.tasksFailures = 0;
      if (this.tasksLoad !== null) this.tasksLoad.runs += 1;
      this.past.setFailedTasks(dagId, runId, tasks);
    } catch (caught) {
      // A run Airflow no longer knows has none to show; anything else is asked again later.
      if (caught instanceof DagNotFoundError) this.past.setFailedTasks(dagId, runId, []);
      else {
        this.tasksFailures += 1;
        this.tasksAt = Date.now() + Math.min(MAX_BACKOFF_MS, this.periodMs * 2 ** this.tasksFailures);
        if (!(caught instanceof AirflowError)) {
          this.logger.error(
            `Reading failed tasks of ${dagId} failed unexpectedly: ${caught instanceof Error ? caught.message : String(caught)}`,
          );
        }
      }
    } finally {
      this.loadsInFlight -= 1;
      this.tasksReading = false;
      this.release(tookMs);
    }
  }

  /**
   * More whole reads at once only while Airflow answers them as fast as one alone (an api-server
   * with spare workers), fewer as soon as they queue there: a delay-based rule, since Airflow
   * slows down long before it fails.
   */
  private paceBy(tookMs: number, alone: boolean): void {
    // The floor follows the lowest latency, and creeps up when Airflow is lastingly slower, as measured
    // by reads that had it to themselves: our own reads queueing there must not raise it.
    if (tookMs < this.floorMs) this.floorMs = tookMs;
    else if (alone) this.floorMs += (tookMs - this.floorMs) / 32;
    if (tookMs > 2 * this.floorMs + 10) {
      this.loadLimit = Math.max(1, this.loadLimit - 1);
      this.steadyReads = 0;
    } else if (tookMs <= 1.25 * this.floorMs + 5 && ++this.steadyReads >= STEADY_READS) {
      this.loadLimit = Math.min(this.concurrency, this.loadLimit + 1);
      this.steadyReads = 0;
    }
  }

  /** Reads one more DAG whole, in turn, when nothing else is being read: deleted runs leave the mirror. */
  private reconcileOne(): void {
    if (this.loadsInFlight > 0 || this.queue.length > 0) return;
    const ids = this.store.allowedDagIds;
    for (let tried = 0; tried < ids.length; tried++) {
      const dagId = ids[this.reconcileCursor++ % ids.length];
      if (this.store.isLoaded(dagId)) {
        void this.readWhole(dagId);
        return;
      }
    }
  }

  /** Runs `work` over `items`, at most `limit` at a time; the first failure is thrown once all settle. */
  private async pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const failures: unknown[] = [];
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++];
        try {
          await work(item);
        } catch (caught) {
          failures.push(caught);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    if (failures.length > 0) throw failures[0];
  }
}

/** A failure of one endpoint (refused, an odd answer) rather than of the link to Airflow (unreachable, timed out, overloaded). */
function isEndpointFault(caught: unknown): caught is AirflowError {
  return (
    caught instanceof AirflowError &&
    !(caught instanceof AirflowUnreachableError || caught instanceof AirflowTimeoutError || caught instanceof AirflowOverloadedError)
  );
}
