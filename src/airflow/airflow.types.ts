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
}

/** What the service needs to know about a DAG. */
export interface DagInfo {
  dagId: string;
  isPaused: boolean | null;
}

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
