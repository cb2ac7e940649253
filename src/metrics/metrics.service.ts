import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { escapeLabel, TimedSeries } from './metrics.timed-series.js';

/** Run states Airflow reports, plus "none" for a DAG without a run. */
const KNOWN_STATES: ReadonlySet<string> = new Set(['none', 'queued', 'running', 'success', 'failed']);
/** Latency buckets (seconds) from a cached answer (sub-ms) to AIRFLOW_TIMEOUT_MS territory. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every Prometheus metric of the service, in a registry of its own (so that
 * several apps in one test process do not collide).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  /** `http_requests_total` and `http_request_duration_seconds`, by method, route and status. */
  private readonly http = new TimedSeries(
    { name: 'http_requests_total', help: 'HTTP requests served, by route and status (probes and /metrics excluded)' },
    { name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request (probes and /metrics excluded)' },
    ['method', 'route', 'status'],
    BUCKETS,
  );

  /** `airflow_calls_total` and `airflow_call_duration_seconds`, by endpoint and outcome. */
  private readonly airflow = new TimedSeries(
    { name: 'airflow_calls_total', help: 'Calls made to Airflow, by endpoint and outcome' },
    { name: 'airflow_call_duration_seconds', help: 'Time Airflow took to answer, by endpoint and outcome' },
    ['endpoint', 'outcome'],
    BUCKETS,
  );

  private readonly cacheLookups = new Counter({
    name: 'status_cache_lookups_total',
    help: 'DAG run reads served from the cache (hit) or sent to Airflow (miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly tokenRenewals = new Counter({
    name: 'airflow_token_renewals_total',
    help: 'JWTs obtained from Airflow /auth/token',
    registers: [this.registry],
  });

  /**
   * `airflow_dag_latest_run_state`, per DAG: its current state (null: not known yet) and the state
   * outside KNOWN_STATES it last had, if any (its series stays, at 0, until another replaces it).
   * Kept here and written out at each scrape rather than as prom-client series: at thousands of DAGs
   * six series per DAG cost ~4 MB of label objects and hash keys, and formatting them ~30 MB of
   * garbage per scrape (BENCHMARKS.md, "The mirror at scale").
   */
  private readonly dagStates = new Map<string, { current: string | null; other: string | null }>();

  private readonly mirrorSyncs = new Counter({
    name: 'airflow_status_mirror_syncs_total',
    help: "Syncs of the mirror (one read of what changed across every watched DAG), by outcome: ok or the failure's reason",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly mirrorSyncDuration = new Histogram({
    name: 'airflow_status_mirror_sync_duration_seconds',
    help: 'Time one sync of the mirror took, DAG list included when it was read',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly mirrorSyncPages = new Counter({
    name: 'airflow_status_mirror_change_pages_total',
    help: 'Pages of changed runs read by the syncs (one per sync while little changes)',
    registers: [this.registry],
  });

  private readonly mirrorFirstLoad = new Gauge({
    name: 'airflow_status_mirror_first_load_seconds',
    help: 'How long the first load of the mirror took (every watched DAG read whole)',
    registers: [this.registry],
  });

  private readonly mirrorDags = new Gauge({
    name: 'airflow_status_mirror_dags',
    help: 'DAGs in the mirror after its first load',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Bounded: routes are patterns (or `unmatched`), and Node's parser knows a fixed set of methods. */
  recordHttp(method: string, route: string, status: number, seconds: number): void {
    this.http.record([method, route, String(status)], seconds);
  }

  recordAirflowCall(endpoint: string, outcome: string, seconds: number): void {
    this.airflow.record([endpoint, outcome], seconds);
  }

  recordTokenRenewal(): void {
    this.tokenRenewals.inc();
  }

  recordCacheLookup(hit: boolean): void {
    this.cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
  }

  /** Marks `state` (null: no run) as the one current state of the DAG's latest run; undefined: not known yet. */
  recordDagState(dagId: string, state: string | null | undefined): void {
    const current = state === undefined ? null : (state ?? 'none');
    const other = current !== null && !KNOWN_STATES.has(current) ? current : (this.dagStates.get(dagId)?.other ?? null);
    this.dagStates.set(dagId, { current, other });
  }

  /** A DAG that is no longer watched leaves the gauge. */
  forgetDag(dagId: string): void {
    this.dagStates.delete(dagId);
  }

  recordMirrorSync(outcome: string, seconds: number, pages: number): void {
    this.mirrorSyncs.inc({ outcome });
    this.mirrorSyncDuration.observe(seconds);
    this.mirrorSyncPages.inc(pages);
  }

  recordMirrorLoad(seconds: number, dags: number): void {
    this.mirrorFirstLoad.set(seconds);
    this.mirrorDags.set(dags);
  }

  /**
   * The registry's metrics, then those kept apart from it (HTTP, Airflow calls, DAG states): families
   * are separated by a blank line, and their order means nothing to Prometheus.
   */
  async metrics(): Promise<string> {
    return `${await this.registry.metrics()}\n${this.http.text()}\n\n${this.airflow.text()}\n\n${this.dagStateText()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** `airflow_dag_latest_run_state` in Prometheus's text format, as prom-client would write the gauge. */
  private dagStateText(): string {
    const lines = [`# HELP ${DAG_STATE} ${DAG_STATE_HELP}`, `# TYPE ${DAG_STATE} gauge`];
    for (const [dagId, { current, other }] of this.dagStates) {
      const series = `${DAG_STATE}{dag_id="${escapeLabel(dagId)}",state="`;
      for (const state of KNOWN_STATES) lines.push(`${series}${state}"} ${state === current ? 1 : 0}`);
      if (other !== null) lines.push(`${series}${escapeLabel(other)}"} ${other === current ? 1 : 0}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

const DAG_STATE = 'airflow_dag_latest_run_state';
const DAG_STATE_HELP = "1 for the current state of each allowed DAG's latest run, 0 for the others";
