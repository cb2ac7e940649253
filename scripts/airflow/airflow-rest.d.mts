// Types of airflow-rest.mjs, for the TypeScript tests that import it.

/** The fields of Airflow's DAGRunResponse the scripts and tests read. */
export interface RunInfo {
  dag_run_id: string;
  state: string;
  logical_date: string | null;
  run_after: string;
}

export declare class AirflowRest {
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  constructor(baseUrl: string, username?: string, password?: string);
  /** The API the server has: 'v2' (Airflow 3) or 'v1' (Airflow 2). */
  apiVersion(): Promise<'v1' | 'v2'>;
  /** Triggers a manual run with no logical date, as the Airflow UI does (Airflow 2 always gives one: now). */
  trigger(dagId: string, conf?: Record<string, unknown>): Promise<RunInfo>;
  getRun(dagId: string, runId: string): Promise<RunInfo>;
  /** Marks a run failed or successful, as an operator does in the UI (Airflow stops its running tasks). */
  setRunState(dagId: string, runId: string, state: 'failed' | 'success'): Promise<void>;
  taskState(dagId: string, runId: string, taskId: string): Promise<string | null>;
  /** The messages a task instance's current try has logged so far (the whole log, one string per line). */
  taskLog(dagId: string, runId: string, taskId: string): Promise<string[]>;
  /** Polls until the run reaches one of `states`, failing with what it waited for. */
  waitForRun(dagId: string, runId: string, states: string[], timeoutMs?: number): Promise<RunInfo>;
  waitForTask(dagId: string, runId: string, taskId: string, states: string[], timeoutMs?: number): Promise<string>;
  /** Polls until a line of the task's log matches `pattern`; resolves to that line. */
  waitForTaskLog(dagId: string, runId: string, taskId: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** One call to a path under the API (`/dags/...`), logged in once (a JWT on Airflow 3, HTTP basic on Airflow 2). */
  request<T = unknown>(method: string, path: string, body?: unknown, accept?: string): Promise<T>;
}

/** Polls `probe` until it returns a value other than null, or fails after `timeoutMs` naming what it waited for. */
export declare function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>, intervalMs?: number): Promise<T>;
