import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Subscription } from 'rxjs';
import type { AllConfig } from '../config/config.type.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DagNotFoundError } from '../airflow/airflow.errors.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import { DagStatusService } from './dag-status.service.js';

/**
 * Keeps the `airflow_dag_latest_run_state` gauge on each allowed DAG's latest state, and
 * `airflow_dag_not_success` on its verdict, from the store's changes.
 */
@Injectable()
export class DagStatusGauge implements OnModuleInit, OnModuleDestroy {
  private subscription: Subscription | null = null;

  constructor(
    private readonly store: MirrorStore,
    private readonly metrics: MetricsService,
    private readonly status: DagStatusService,
    private readonly config: ConfigService<AllConfig, true>,
  ) {}

  onModuleInit(): void {
    // Every listed DAG is on the gauge from the start, with no state at 1 until it is read.
    for (const dagId of this.config.getOrThrow('dagStatus', { infer: true }).allowedDagIds) this.metrics.recordDagState(dagId, undefined);
    this.subscription = this.store.changes.subscribe((snapshot) => {
      // A DAG that left the watched set leaves the gauge; a failed read says nothing about the DAG: its last known state stays.
      if (snapshot.error instanceof DagNotFoundError && !this.store.isAllowed(snapshot.dagId)) {
        this.metrics.forgetDag(snapshot.dagId);
        return;
      }
      if (snapshot.status !== null) this.metrics.recordDagState(snapshot.dagId, snapshot.status.run?.state ?? null);
      this.metrics.recordDagVerdict(snapshot.dagId, this.status.describe(snapshot).reason);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
