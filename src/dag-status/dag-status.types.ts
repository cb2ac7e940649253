import { AIRFLOW_FAILURE_REASONS, type AirflowFailureReason } from '../airflow/airflow.errors.js';
import type { DagRun } from '../airflow/airflow.types.js';
import type { DagHistory } from '../mirror/mirror.types.js';

/**
 * What keeps a DAG from running although its runs look fine, in order of precedence (only a failed run and
 * Airflow unreadable come first); last, `budget_burn`: an objective's budget burning fast, only where the
 * verdict would otherwise be a success.
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

/** One list for the type and the API's documentation. */
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

/** The seed's success/failure verdict and everything behind it. */
export interface StatusVerdict {
  outcome: 'success' | 'failure';
  reason: NotSuccessReason | null;
  /** One sentence for a person. */
  explanation: string;
  dagId: string;
  run: DagRun | null;
  /** The run (or the DAG) in the Airflow UI. */
  airflowUrl: string;
  fetchedAt: string;
  history: DagHistory;
  stale: boolean | null;
  /** Set while Airflow cannot be read: `run`, `history` and `fetchedAt` are then the last state seen. */
  airflowError: { reason: AirflowFailureReason; message: string; since: string } | null;
}

/** The domain model the overview, pages, badges and events each make their own representation of. */
export interface DagOverview extends StatusVerdict {
  /** At most 10, newest first; while Airflow cannot be read, the last seen. */
  recentRuns: readonly DagRun[];
  /** [] until Airflow's DAG list has been read. */
  tags: readonly string[];
}
