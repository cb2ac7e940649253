import { AIRFLOW_FAILURE_REASONS, type AirflowFailureReason } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';

/** A task of a finished run that failed, or could not run because an upstream task failed. */
export interface FailedTask {
  taskId: string;
  state: string;
  /** Its log in the Airflow UI. */
  logUrl: string;
}

/** What a read of Airflow tells beyond the latest run. */
export interface DagHistory {
  /** The newest run in a final state (success or failed). */
  lastFinished: DagRun | null;
  /** The newest successful run. */
  lastSuccess: DagRun | null;
  /** When `lastFinished` failed: its failed tasks (empty while they could not be read). */
  failedTasks: readonly FailedTask[];
}

/** The latest run of a DAG as last read from Airflow. */
export interface DagStatus {
  dagId: string;
  run: DagRun | null;
  /** When Airflow was asked (ISO 8601); cached answers keep the time of the real read. */
  fetchedAt: string;
  /** Absent where only the latest run is known. */
  history?: DagHistory;
  /** Whether the last success is older than MAX_SUCCESS_AGE, at `fetchedAt`; null without a limit. */
  stale?: boolean | null;
}

/** Why a DAG is not a success, in a word a program can switch on: one list for the type and the API's documentation. */
export const NOT_SUCCESS_REASONS = ['no_run', 'queued', 'running', 'failed', 'other_state', 'stale', ...AIRFLOW_FAILURE_REASONS] as const;
export type NotSuccessReason = (typeof NOT_SUCCESS_REASONS)[number];

/** What the status pages show: the seed's success/failure verdict and everything behind it. */
export interface StatusVerdict {
  outcome: 'success' | 'failure';
  /** Null on success. */
  reason: NotSuccessReason | null;
  /** One sentence for a person. */
  explanation: string;
  dagId: string;
  run: DagRun | null;
  /** Link to the run (or the DAG) in the Airflow UI. */
  airflowUrl: string;
  fetchedAt: string;
  history: DagHistory;
  stale: boolean | null;
  /** Set while Airflow cannot be read: `run`, `history` and `fetchedAt` are then the last state seen. */
  airflowError: { reason: AirflowFailureReason; message: string; since: string } | null;
}
