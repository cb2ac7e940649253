import type { AirflowFailureReason } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';

/** The latest run of a DAG as last read from Airflow. */
export interface DagStatus {
  dagId: string;
  run: DagRun | null;
  /** When Airflow was asked (ISO 8601); cached answers keep the time of the real read. */
  fetchedAt: string;
}

/** Why the target DAG is not a success, in a word a program can switch on. */
export type NotSuccessReason = 'no_run' | 'queued' | 'running' | 'failed' | 'other_state' | AirflowFailureReason;

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
}
