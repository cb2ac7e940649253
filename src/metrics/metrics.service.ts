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

  /** `airflow_dag_not_success`, per DAG: its verdict's reason (null: a success), written at each scrape as the states are. */
  private readonly verdicts = new Map<string, string | null>();

  /** The reliability gauges (issue 20), per DAG and window: written at each scrape as the states are. */
  private readonly reliability = new Map<string, ReadonlyMap<string, ReliabilityValues>>();

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

  private readonly notifications = new Counter({
    name: 'airflow_status_notifications_total',
    help: 'Webhook notifications by outcome: sent (a 2xx), failed (refused, or given up after NOTIFY_GIVE_UP_MS), dropped (the queue was full)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly notificationRetries = new Counter({
    name: 'airflow_status_notification_retries_total',
    help: 'Attempts to deliver a notification that failed (timeout, connection error, 5xx, 429) and were tried again',
    registers: [this.registry],
  });

  private readonly notificationQueue = new Gauge({
    name: 'airflow_status_notification_queue_depth',
    help: 'Notifications queued or in flight, every webhook together (at most NOTIFY_QUEUE_SIZE)',
    registers: [this.registry],
  });

  private readonly notificationLatency = new Histogram({
    name: 'airflow_status_notification_latency_seconds',
    help: 'From the mirror seeing a change to a receiver accepting its notification, retries included',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
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

  /** The DAG's verdict: one series, its reason (null: a success) as a label. */
  recordDagVerdict(dagId: string, reason: string | null): void {
    this.verdicts.set(dagId, reason);
  }

  /** The DAG's reliability figures, per window (`7d`, `30d`): a null value leaves its series out. */
  recordReliability(dagId: string, byWindow: ReadonlyMap<string, ReliabilityValues>): void {
    this.reliability.set(dagId, byWindow);
  }

  /** A DAG that is no longer watched leaves the gauges. */
  forgetDag(dagId: string): void {
    this.dagStates.delete(dagId);
    this.verdicts.delete(dagId);
    this.reliability.delete(dagId);
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

  /** A notification delivered (with the seconds since its change was seen), given up on, or dropped. */
  recordNotification(outcome: 'sent' | 'failed' | 'dropped', seconds?: number): void {
    this.notifications.inc({ outcome });
    if (seconds !== undefined) this.notificationLatency.observe(seconds);
  }

  recordNotificationRetry(): void {
    this.notificationRetries.inc();
  }

  setNotificationQueueDepth(depth: number): void {
    this.notificationQueue.set(depth);
  }

  /**
   * The registry's metrics, then those kept apart from it (HTTP, Airflow calls, DAG states and verdicts):
   * families are separated by a blank line, and their order means nothing to Prometheus.
   */
  async metrics(): Promise<string> {
    return `${await this.registry.metrics()}\n${this.http.text()}\n\n${this.airflow.text()}\n\n${this.dagStateText()}\n${this.verdictText()}\n${this.reliabilityText()}`;
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

  /** `airflow_dag_not_success` in Prometheus's text format. */
  private verdictText(): string {
    const lines = [`# HELP ${DAG_VERDICT} ${DAG_VERDICT_HELP}`, `# TYPE ${DAG_VERDICT} gauge`];
    for (const [dagId, reason] of this.verdicts)
      lines.push(`${DAG_VERDICT}{dag_id="${escapeLabel(dagId)}",reason="${escapeLabel(reason ?? 'none')}"} ${reason === null ? 0 : 1}`);
    return `${lines.join('\n')}\n`;
  }

  /** The reliability gauges in Prometheus's text format, each with its HELP and TYPE once. */
  private reliabilityText(): string {
    const lines: string[] = [];
    for (const [key, [name, help]] of Object.entries(RELIABILITY_GAUGES) as [
      keyof typeof RELIABILITY_GAUGES,
      readonly [string, string],
    ][]) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [dagId, byWindow] of this.reliability)
        for (const [window, values] of byWindow) {
          const value = values[key];
          if (value != null) lines.push(`${name}{dag_id="${escapeLabel(dagId)}",window="${escapeLabel(window)}"} ${value}`);
        }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The reliability gauges: labels dag_id and window only, so at most DAGs × windows series each. */
const RELIABILITY_GAUGES = {
  success_ratio: ['airflow_dag_success_ratio', 'Successful finished runs / finished runs of the DAG over the window (backfills left out)'],
  on_time_ratio: [
    'airflow_dag_on_time_ratio',
    'Scheduled runs started within OVERDUE_GRACE of their due time and succeeded / scheduled runs due (missed ones included)',
  ],
  duration_median_seconds: ['airflow_dag_duration_median_seconds', 'Median duration of the successful runs over the window'],
  duration_p95_seconds: [
    'airflow_dag_duration_p95_seconds',
    "95th percentile (nearest rank) of the successful runs' durations over the window",
  ],
  recovery_max_seconds: [
    'airflow_dag_recovery_max_seconds',
    'Longest time from a failure to the next success, among outages that ended in the window',
  ],
  failures: ['airflow_dag_failed_runs', 'Failed runs over the window'],
  success_budget_left: [
    'airflow_dag_success_budget_left',
    "Share of the success objective's error budget left over its window (below 0: overspent)",
  ],
  on_time_budget_left: [
    'airflow_dag_on_time_budget_left',
    "Share of the on-time objective's error budget left over its window (below 0: overspent)",
  ],
} as const;

/** One DAG's reliability figures over one window, as the gauges show them (null: no series). */
export type ReliabilityValues = Readonly<Partial<Record<keyof typeof RELIABILITY_GAUGES, number | null>>>;

const DAG_STATE = 'airflow_dag_latest_run_state';
const DAG_VERDICT = 'airflow_dag_not_success';
const DAG_VERDICT_HELP =
  "1 while a watched DAG's verdict is not a success, with its reason (overdue, paused, import_error, failed, ...); 0 with reason none on success. One series per DAG";
const DAG_STATE_HELP = "1 for the current state of each allowed DAG's latest run, 0 for the others";
