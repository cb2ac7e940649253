/** The fake Airflow's public types (fake-airflow.ts re-exports them), apart so its modules share them without a cycle. */

export type FakeApiVersion = 'v2' | 'v1';
/**
 * The credentials accepted. Real Airflow 3 accepts only 'jwt' on /api/v2 ('basic' there stands for FAB's
 * basic-auth backend); on v1 every mode but 'none' and 'session' means HTTP basic, as on Airflow 2.
 * 'session' (v1 only): Airflow 2's default [api] auth_backends, session only, so HTTP basic is refused whatever the password.
 */
export type FakeAuthMode = 'jwt' | 'basic' | 'jwt+basic' | 'none' | 'session';
/**
 * What every request gets instead of its answer. 'echo' is a careless proxy (or server): a 400 whose `detail`
 * repeats the request, its Authorization header and body (the login's password) included.
 */
export type FakeFault = 'none' | 'hang' | 'garbage' | 'http500' | 'reset' | 'echo';
export type FakeAuthScheme = 'bearer' | 'basic' | 'none';

/**
 * A DAG run as Airflow 3's DAGRunResponse, plus its primary key `id` (the sort tie-breaker; not served) and
 * optionally `updated_at` (DagRun.updated_at: never served, as Airflow does not serve it either).
 */
export interface FakeDagRun {
  id: number;
  dag_run_id: string;
  dag_id: string;
  logical_date: string | null;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  data_interval_start: string | null;
  data_interval_end: string | null;
  run_after: string;
  last_scheduling_decision: string | null;
  /** Only the run types both API versions have. */
  run_type: 'scheduled' | 'manual' | 'backfill';
  state: 'queued' | 'running' | 'success' | 'failed';
  triggered_by: 'timetable' | 'rest_api' | 'backfill';
  triggering_user_name: string | null;
  conf: Record<string, unknown> | null;
  note: string | null;
  dag_versions: [];
  bundle_version: string | null;
  dag_display_name: string;
  partition_key: string | null;
  partition_date: string | null;
  /**
   * Set it to pin when Airflow last wrote the run (ISO time on Airflow's clock), whatever changes. Left out,
   * the fake stamps the run with Airflow's clock when it first appears and whenever a served field changes.
   */
  updated_at?: string;
}

/** A task instance of a run: the fake fills in the rest of Airflow's TaskInstanceResponse. */
export interface FakeTaskInstance {
  task_id: string;
  state: 'success' | 'failed' | 'upstream_failed' | 'running' | 'queued' | 'skipped' | null;
  map_index?: number;
}

/** What a test may set of a DAG (DagModel); each left out has the default noted. Served by both DAG routes. */
export interface FakeDagAttributes {
  /** false */
  is_paused?: boolean;
  /** false. v1 serves `is_active: !is_stale`. A stale DAG leaves the DAG list unless `exclude_stale=false` (v1: `only_active=false`). */
  is_stale?: boolean;
  /** false */
  has_import_errors?: boolean;
  /** [] (tag names; served as Airflow's tag objects) */
  tags?: string[];
  /** ['airflow'] */
  owners?: string[];
  /** null. The next run's run_after; v2 also serves it as its logical date and data interval, v1 as `next_dagrun_create_after` and `next_dagrun`. */
  next_dagrun_run_after?: string | null;
  /** null. The schedule, e.g. '0 0 * * *'; v1 serves it as `schedule_interval: {__type: 'CronExpression', value}`. */
  timetable_summary?: string | null;
  /** 'Never, external triggers only' */
  timetable_description?: string | null;
  /** null */
  description?: string | null;
}

/** A file Airflow cannot import, as a test sets it: served by `GET /api/{v}/importErrors`. */
export interface FakeImportError {
  /** As Airflow names it: on v2 a DAG's `relative_fileloc` (`<dag_id>.py` here), on v1 its `fileloc` (`/opt/airflow/dags/<dag_id>.py`). */
  filename: string;
  stack_trace: string;
  /** 'dags-folder' (v2 only, as the DAGs' `bundle_name`). */
  bundle_name?: string | null;
}

export interface FakeAirflowOptions {
  apiVersion: FakeApiVersion;
  auth: FakeAuthMode;
  /** username -> password, for the token endpoint and HTTP basic. */
  users: Record<string, string>;
  /** Lifetime of the JWTs it issues ([api_auth] jwt_expiration_time). */
  tokenTtlSeconds: number;
  /** Runs per DAG, served as runs of the key's DAG. A DAG with [] exists and has no run; one not in the map is unknown. */
  dags: Record<string, FakeDagRun[]>;
  /** Attributes of the DAGs of `dags` (a key not in `dags` is ignored); a DAG not in the map has the defaults. */
  dagAttributes: Record<string, FakeDagAttributes>;
  /** Task instances by run id (`dag_run_id`); a run not in the map has none. */
  tasks: Record<string, FakeTaskInstance[]>;
  /** The files that fail to import, in import_error_id order. */
  importErrors: FakeImportError[];
  /**
   * Components whose heartbeat is stale, each with its last heartbeat (ISO): the health endpoint says them
   * `unhealthy`, as Airflow does past `scheduler_health_check_threshold`. The others beat on Airflow's clock.
   */
  unhealthy: { scheduler?: string; dag_processor?: string };
  fault: FakeFault;
  /** Latency before every answer, faults included. */
  delayMs: number;
  /**
   * DAGs whose own requests (the DAG, its runs, their task instances) never answer, whatever else does. The
   * DAG list and the `~` run list still answer, with those DAGs and their runs in them.
   */
  hangDags: string[];
  /**
   * false emulates Airflow 3.0–3.2 on v2: no cursor pagination (`cursor` is ignored, as any unknown
   * parameter) and run lists carry only `dag_runs` and `total_entries`. true (default): Airflow 3.3.
   */
  cursorPagination: boolean;
  /**
   * false emulates Airflow 2.0–2.5 on v1: its spec has no updated_at_gte/_lte on the run list (added in 2.6),
   * so its strict parameter check refuses them (400). true (default): Airflow 2.10. Ignored on v2.
   */
  updatedAtFilter: boolean;
  /** Our clock (epoch ms): the test's side. Airflow's clock is `now() + clockSkewMs`. */
  now: () => number;
  /**
   * How far Airflow's clock is ahead of ours (negative: behind). Airflow's clock stamps everything Airflow
   * stamps: the `Date` header, runs' updated_at, the JWTs' iat/exp and their expiry check, health heartbeats.
   */
  clockSkewMs: number;
}

export interface FakeCall {
  /** As requested (not decoded): `/api/v2/dags/~/dagRuns`, `/api/v2/dags` (the DAG list), `/api/v2/dags/{id}`... */
  path: string;
  /** The last value of each parameter (see `params` for repeated ones). */
  query: Record<string, string>;
  /** Every parameter, repeated ones (`state`, `tags`, `order_by`) included. */
  params: URLSearchParams;
  /** null while unanswered, and for 'hang' and 'reset'. */
  status: number | null;
  authScheme: FakeAuthScheme;
}
