import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Subscription } from 'rxjs';
import { MetricsService, type ReliabilityValues } from '../metrics/metrics.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import { windowName } from './reliability.dto.js';
import type { Reliability } from './reliability.types.js';
import { FIGURES_REUSE_MS, ReliabilityService } from './reliability.service.js';

/** The name of the gauges' refresh in SchedulerRegistry. */
export const RELIABILITY_REFRESH = 'reliability-gauges';
/**
 * DAGs refreshed per turn of the event loop. In one synchronous pass over thousands of DAGs, every
 * past the figures read (held by WeakRef until the job ends) lived through the pass and was promoted:
 * the heap grew by ~8 kB per watched DAG.
 */
const SWEEP_CHUNK = 100;

/** The gauges' values of a DAG's figures, per window (the objectives' budgets on their own windows). */
function gaugeValues(figures: Reliability): Map<string, ReliabilityValues> {
  const byWindow = new Map<string, Record<string, number | null>>();
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  for (const window of figures.windows) {
    byWindow.set(windowName(window.windowMs), {
      success_ratio: window.successRatio,
      on_time_ratio: window.onTime.ratio,
      duration_median_seconds: seconds(window.duration.medianMs),
      duration_p95_seconds: seconds(window.duration.p95Ms),
      recovery_max_seconds: seconds(window.recovery.maxMs),
      failures: window.failures.count,
    });
  }
  for (const objective of figures.objectives) {
    const name = windowName(objective.windowMs);
    const values = byWindow.get(name) ?? {};
    values[`${objective.metric}_budget_left`] = objective.budgetLeft;
    byWindow.set(name, values);
  }
  return byWindow;
}

/**
 * Keeps the reliability gauges on each watched DAG's figures, written on each change of the DAG (a run
 * that ends, moves or appears changes its past); between changes they keep the last figures.
 */
@Injectable()
export class ReliabilityGauge implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReliabilityGauge.name);
  private subscription: Subscription | null = null;
  private running = false;
  private sweeping = false;
  /** DAGs whose figures failed, so that a failure is logged when it starts, not at each refresh. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly store: MirrorStore,
    private readonly metrics: MetricsService,
    private readonly reliability: ReliabilityService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onModuleInit(): void {
    this.running = true;
    this.subscription = this.store.changes.subscribe((snapshot) => this.record(snapshot.dagId));
    // Windows slide and the first load reads the past page by page without a change of the DAG: a refresh as often as figures are reused.
    const timer = setInterval(() => this.sweep(), FIGURES_REUSE_MS);
    timer.unref();
    this.scheduler.addInterval(RELIABILITY_REFRESH, timer);
  }

  /** Every watched DAG, SWEEP_CHUNK at a time; a sweep still going when the next is due lets it go. */
  private sweep(): void {
    if (this.sweeping) return;
    this.sweeping = true;
    const dagIds = [...this.store.allowedDagIds];
    let next = 0;
    const step = (): void => {
      if (!this.running) {
        this.sweeping = false;
        return;
      }
      for (const end = Math.min(next + SWEEP_CHUNK, dagIds.length); next < end; next++) this.record(dagIds[next]);
      if (next < dagIds.length) setImmediate(step).unref();
      else this.sweeping = false;
    };
    step();
  }

  onModuleDestroy(): void {
    this.running = false;
    this.subscription?.unsubscribe();
    if (this.scheduler.doesExist('interval', RELIABILITY_REFRESH)) this.scheduler.deleteInterval(RELIABILITY_REFRESH);
  }

  /** Never throws: it runs in the mirror's change feed and in a timer. */
  private record(dagId: string): void {
    // DagStatusGauge forgets a DAG that left the watched set, these series with it.
    if (!this.store.isAllowed(dagId)) return;
    try {
      const figures = this.reliability.peek(dagId);
      if (figures !== null) this.metrics.recordReliability(dagId, gaugeValues(figures));
      this.failing.delete(dagId);
    } catch (error) {
      if (!this.failing.has(dagId)) this.logger.error(`The reliability figures of ${dagId} failed: ${String(error)}`);
      this.failing.add(dagId);
    }
  }
}
