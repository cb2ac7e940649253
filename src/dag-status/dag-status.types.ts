import { AIRFLOW_FAILURE_REASONS, type AirflowFailureReason } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';
import type { DagHistory } from '../mirror/mirror.types.js';

/**
 * What keeps a DAG from running although its runs look fine (issue 18), in order of precedence: a
 * file that does not import, a pause, Airflow's scheduler or DAG processor down, a run far longer than
 * usual, a scheduled run that did not start. Only a failed run and Airflow being unreadable come first.
 * Last, `budget_burn` (issue 20): an objective's error budget burning fast, only where the verdict
 * would otherwise be a success.
 */
export const CONDITION_REASONS = [
  'import_error',
  'paused',
  'airflow_scheduler_down',
  'airflow_dag_processor_down',
  'running_long',
  'overdue',
  'budget_burn',
] as const;
export type ConditionReason = (typeof CONDITION_REASONS)[number];

/** Why a DAG is not a success, in a word a program can switch on: one list for the type and the API's documentation. */
export const NOT_SUCCESS_REASONS = [
  'no_run',
  'queued',
  'running',
  'failed',
  'other_state',
  'stale',
  ...CONDITION_REASONS,
  ...AIRFLOW_FAILURE_REASONS,
] as const;
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

/**
 * Everything about one watched DAG: its verdict, its last runs and its tags. What the overview, the
 * pages, the badges and the events are made from; each makes its own representation of it.
 */
export interface DagOverview extends StatusVerdict {
  /** The last runs, newest first (at most 10); while Airflow cannot be read, the last seen. */
  recentRuns: readonly DagRun[];
  /** The DAG's Airflow tags ([] until Airflow's DAG list has been read). */
  tags: readonly string[];
}
