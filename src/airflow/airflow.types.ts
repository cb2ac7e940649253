/** The Airflow REST API generation a server speaks: Airflow 3 (v2) or Airflow 2 (v1). */
export type AirflowApiVersion = 'v2' | 'v1';

/** How requests authenticate, once worked out. */
export type AirflowAuthScheme = 'jwt' | 'basic' | 'none';

/** A DAG run, reduced to the fields this service uses, the same for both API versions. */
export interface DagRun {
  dagId: string;
  runId: string;
  /** Airflow's run state: queued, running, success, failed (others may come). */
  state: string;
  /** Null for a manual Airflow 3 run triggered without a logical date. */
  logicalDate: string | null;
  /** When the run was due to start; Airflow 3 only (null on Airflow 2). */
  runAfter: string | null;
  startDate: string | null;
  endDate: string | null;
  note: string | null;
  runType: string | null;
  /** When the run was due on Airflow 2 (`data_interval_end`), where it has no `run_after`; absent elsewhere. */
  dataIntervalEnd?: string | null;
}

/** A DAG's attributes as Airflow's DAG list (or one DAG's details) gives them, the same for both API versions. */
export interface DagAttributes {
  dagId: string;
  isPaused: boolean | null;
  /** Whether the DAG's file currently fails to import. */
  hasImportErrors: boolean;
  /** When Airflow will create the next scheduled run (v2 `next_dagrun_run_after`, v1 `next_dagrun_create_after`); null when none is due. */
  nextRunAfter: string | null;
  tags: readonly string[];
  owners: readonly string[];
  /** Airflow's short description of the schedule (v2 `timetable_summary`, v1 `schedule_interval`'s value), for people. */
  schedule: string | null;
  /** The DAG's file, relative to the DAGs folder when Airflow says so. */
  fileloc: string | null;
  /** The DAG bundle its file belongs to (Airflow 3); null on Airflow 2. */
  bundleName: string | null;
  /**
   * Airflow no longer finds the DAG in its files (v2 `is_stale`, v1 not `is_active`): its file is gone,
   * or, on Airflow 3, fails to import (then `hasImportErrors` is true too).
   */
  isStale: boolean;
}

/** A DAG file Airflow cannot import, as its import errors list it. */
export interface ImportErrorInfo {
  /** As Airflow names the file: relative to its bundle on Airflow 3 (a DAG's `relative_fileloc`), absolute on Airflow 2 (`fileloc`). */
  filename: string;
  /** Its DAG bundle (Airflow 3); null on Airflow 2. */
  bundleName: string | null;
  /** The first line of the error (a traceback's exception), scrubbed and cut short: fit for an answer. */
  message: string;
}

/** How one Airflow component that runs DAGs is, by its heartbeat, as Airflow's health endpoint says. */
export interface ComponentHealth {
  /** False when its last heartbeat is too old ("unhealthy"); null when Airflow does not say. */
  healthy: boolean | null;
  latestHeartbeat: string | null;
}

/** What Airflow's health endpoint says of the components without which nothing runs. */
export interface AirflowHealth {
  scheduler: ComponentHealth;
  /** Null where Airflow reports none (Airflow 2 without a standalone DAG processor). */
  dagProcessor: ComponentHealth | null;
}

/** One page of a paged read, and what Airflow's clock said when it answered. */
export interface AirflowPage<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  next: AirflowPageToken | null;
  /** Airflow's clock at the answer (its `Date` header, epoch ms), or null when it sent none. */
  serverTime: number | null;
}

/** Where a paged read goes on: Airflow 3.3's keyset cursor, or an offset on older servers. */
export type AirflowPageToken = { cursor: string } | { offset: number };

/** What the session has worked out about the server, for readiness details. */
export interface AirflowConnectionInfo {
  baseUrl: string;
  apiVersion: AirflowApiVersion | null;
  authScheme: AirflowAuthScheme | null;
}

/** A task instance of a run, reduced to what names it. */
export interface TaskInstance {
  taskId: string;
  /** Airflow's task instance state (failed, upstream_failed, success, …); null when it has none yet. */
  state: string | null;
  /** -1 for a task that is not mapped. */
  mapIndex: number;
}
