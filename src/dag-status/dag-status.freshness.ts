import type { DagRun } from '../airflow/airflow.types.js';
import { maxSuccessAgeOf, type MaxSuccessAge } from '../config/dag-status.config.js';
import type { DagHistory } from './dag-status.types.js';

/** When a successful run ended (its start, or when it was due, if Airflow has no end date for it). */
export function successTime(run: DagRun | null): number | null {
  if (run === null) return null;
  const time = Date.parse(run.endDate ?? run.startDate ?? run.runAfter ?? run.logicalDate ?? '');
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
