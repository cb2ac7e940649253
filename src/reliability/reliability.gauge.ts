import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { MetricsService, type ReliabilityValues } from '../metrics/metrics.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import { windowName } from './reliability.dto.js';
import type { Reliability } from './reliability.types.js';
import { ReliabilityService } from './reliability.service.js';

const REFRESH_MS = 60_000;
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
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly store: MirrorStore,
    private readonly metrics: MetricsService,
    private readonly reliability: ReliabilityService,
  ) {}

  onModuleInit(): void {
    this.subscription = this.store.changes.subscribe((snapshot) => this.record(snapshot.dagId));
    // Windows slide and the first load reads the past page by page without a change of the DAG: a refresh every minute, as long as figures are reused.
    this.timer = setInterval(() => this.sweep(), REFRESH_MS);
    this.timer.unref();
  }

  /** Every watched DAG, SWEEP_CHUNK at a time; a sweep still going when the next is due lets it go. */
  private sweep(): void {
    if (this.sweeping) return;
    this.sweeping = true;
    const dagIds = [...this.store.allowedDagIds];
    let next = 0;
    const step = (): void => {
      if (this.timer === null) {
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
    this.subscription?.unsubscribe();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private record(dagId: string): void {
    // DagStatusGauge forgets a DAG that left the watched set, these series with it.
    if (!this.store.isAllowed(dagId)) return;
    const figures = this.reliability.peek(dagId);
    if (figures !== null) this.metrics.recordReliability(dagId, gaugeValues(figures));
  }
}
