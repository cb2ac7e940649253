import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by route and status (probes and /metrics excluded)',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request (probes and /metrics excluded)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });

  private readonly airflowCalls = new Counter({
    name: 'airflow_calls_total',
    help: 'Calls made to Airflow, by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly airflowDuration = new Histogram({
    name: 'airflow_call_duration_seconds',
    help: 'Time Airflow took to answer, by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });

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

  private readonly dagState = new Gauge({
    name: 'airflow_dag_latest_run_state',
    help: "1 for the current state of each allowed DAG's latest run, 0 for the others",
    labelNames: ['dag_id', 'state'] as const,
    registers: [this.registry],
  });

  /** A state outside KNOWN_STATES a DAG's gauge carries, to remove it with the DAG. */
  private readonly otherStates = new Map<string, string>();

  private readonly dagVerdict = new Gauge({
    name: 'airflow_dag_not_success',
    help: "1 while a watched DAG's verdict is not a success, with its reason (overdue, paused, import_error, failed, ...); 0 with reason none on success. One series per DAG",
    labelNames: ['dag_id', 'reason'] as const,
    registers: [this.registry],
  });

  /** The reason each DAG's verdict series carries now, to replace it when it changes. */
  private readonly verdictReasons = new Map<string, string>();

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

  /**
   * The HTTP series bound to their labels, per method, route and status: unbound, prom-client
   * validates and hashes the labels on every call, a tenth of the hot path's cost. Bounded:
   * routes are patterns (or `unmatched`), and Node's parser knows a fixed set of methods.
   */
  private readonly httpSeries = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<string> }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  recordHttp(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.httpSeries.get(key);
    if (series === undefined) {
      const labels = { method, route, status: String(status) };
      series = { requests: this.httpRequests.labels(labels), duration: this.httpDuration.labels(labels) };
      this.httpSeries.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
  }

  recordAirflowCall(endpoint: string, outcome: string, seconds: number): void {
    this.airflowCalls.inc({ endpoint, outcome });
    this.airflowDuration.observe({ endpoint, outcome }, seconds);
  }

  recordTokenRenewal(): void {
    this.tokenRenewals.inc();
  }

  recordCacheLookup(hit: boolean): void {
    this.cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
  }

  /** Marks `state` (null: no run) as the one current state of the DAG's latest run; undefined: not known yet. */
  recordDagState(dagId: string, state: string | null | undefined): void {
    const current = state === undefined ? undefined : (state ?? 'none');
    const states = current === undefined ? KNOWN_STATES : new Set([...KNOWN_STATES, current]);
    for (const known of states) this.dagState.set({ dag_id: dagId, state: known }, known === current ? 1 : 0);
    if (current !== undefined && !KNOWN_STATES.has(current)) this.otherStates.set(dagId, current);
  }

  /** The DAG's verdict: one series, its reason (null: a success) as a label, replaced when the reason changes. */
  recordDagVerdict(dagId: string, reason: string | null): void {
    const label = reason ?? 'none';
    const previous = this.verdictReasons.get(dagId);
    if (previous !== undefined && previous !== label) this.dagVerdict.remove({ dag_id: dagId, reason: previous });
    this.verdictReasons.set(dagId, label);
    this.dagVerdict.set({ dag_id: dagId, reason: label }, reason === null ? 0 : 1);
  }

  /** A DAG that is no longer watched leaves the gauges. */
  forgetDag(dagId: string): void {
    for (const state of [...KNOWN_STATES, this.otherStates.get(dagId)])
      if (state !== undefined) this.dagState.remove({ dag_id: dagId, state });
    this.otherStates.delete(dagId);
    const reason = this.verdictReasons.get(dagId);
    if (reason !== undefined) this.dagVerdict.remove({ dag_id: dagId, reason });
    this.verdictReasons.delete(dagId);
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

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
