import type { AirflowError } from '../airflow/airflow.errors.js';
import type { DagAttributes, DagRun } from '../airflow/airflow.types.js';
import { maxSuccessAgeOf, type MaxSuccessAge } from '../config/dag-status.config.js';

/** A task of a finished run that failed, or could not run because an upstream task failed. */
export interface FailedTask {
  taskId: string;
  state: string;
  /** Its log in the Airflow UI. */
  logUrl: string;
}

/** What the mirror knows of a DAG beyond its latest run. */
export interface DagHistory {
  /** The newest run in a final state (success or failed). */
  lastFinished: DagRun | null;
  /** The newest successful run. */
  lastSuccess: DagRun | null;
  /** When `lastFinished` failed: its failed tasks (empty while they could not be read). */
  failedTasks: readonly FailedTask[];
}

/** The latest run of a DAG as the mirror last saw it. */
export interface DagStatus {
  dagId: string;
  run: DagRun | null;
  /** When Airflow was last read for it (ISO 8601): the last sync that succeeded. */
  fetchedAt: string;
  /** Absent where only the latest run is known. */
  history?: DagHistory;
  /** Whether the last success is older than MAX_SUCCESS_AGE, at `fetchedAt`; null without a limit. */
  stale?: boolean | null;
}

/**
 * What the service knows about one DAG at one revision of the mirror: its newest runs, or the
 * failure met reading Airflow. Immutable; a change makes a new one with a higher revision.
 */
export interface DagSnapshot {
  readonly dagId: string;
  /**
   * Counts up whenever anything shown of the DAG changes (runs, history, staleness, attributes,
   * the failure met): the one notion of change for events, pages, metrics and caches.
   */
  readonly revision: number;
  /** The newest runs, newest first; null when Airflow could not be read. */
  readonly runs: readonly DagRun[] | null;
  readonly error: AirflowError | null;
  /** The latest run, when Airflow could be read. */
  readonly status: DagStatus | null;
  /** Last finished run, last success and failed tasks, when Airflow could be read. */
  readonly history: DagHistory | null;
  /** Paused, import errors, next run, tags, owners: from Airflow's DAG list, null until read. */
  readonly attributes: DagAttributes | null;
  /** When Airflow was last read for the DAG (ISO 8601): the last sync, successful or not. */
  readonly fetchedAt: string;
  /** Epoch ms until which the snapshot answers for Airflow: the next sync. */
  readonly expiresAt: number;
  /** While Airflow cannot be read: the last successful snapshot of this DAG, if there was one. */
  readonly lastKnown: DagSnapshot | null;
  /** While Airflow cannot be read: when this outage began. */
  readonly failingSince: string | null;
}

/** Run states that end a run: the newest run in one of them is the DAG's "last finished". */
export const FINAL_STATES = ['success', 'failed'] as const;

export function isFinished(run: DagRun): boolean {
  return (FINAL_STATES as readonly string[]).includes(run.state);
}

/**
 * When a successful run ended, as ISO 8601: its end, else its start, else when it was due (Airflow
 * may lack an end date for a run marked success by hand). The one rule for "last success at".
 */
export function successEnd(run: DagRun | null): string | null {
  return run === null ? null : (run.endDate ?? run.startDate ?? run.runAfter ?? run.logicalDate);
}

/** {@link successEnd} as epoch ms, or null. */
export function successTime(run: DagRun | null): number | null {
  const time = Date.parse(successEnd(run) ?? '');
  return Number.isNaN(time) ? null : time;
}

/**
 * Whether the DAG's last success is older than its MAX_SUCCESS_AGE at `now` (no success at all
 * is older than any limit); null when the DAG has no limit.
 */
export function staleAt(limits: MaxSuccessAge, dagId: string, history: DagHistory, now: number): boolean | null {
  const limit = maxSuccessAgeOf(limits, dagId);
  if (limit === null) return null;
  const ended = successTime(history.lastSuccess);
  return ended === null || now - ended > limit;
}
