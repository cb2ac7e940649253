// The Airflow calls a service may make, by the mirror's design (issue #17): a bound per run, the same
// whatever the number of DAGs, that every row's calls are checked against.
import { settings } from './settings.mjs';

/** Per sync period (STATUS_CACHE_TTL_MS): the change feed's page, one reconciliation read, one readiness check. */
export const CALLS_PER_PERIOD = 3;

/** Sync periods a run of `ms` can hold: one per TTL, and the one under way when it began. */
const periodsIn = (ms) => Math.ceil(ms / settings.ttlMs) + 1;

/**
 * The calls at most over `ms` of a service's life: CALLS_PER_PERIOD per sync period, plus the DAG list
 * every DAG_LIST_PERIOD_MS (`listed` calls each: one GET /dags/{id} per DAG of ALLOWED_DAG_IDS), plus
 * one task-instance read per failed run that appeared (`failedRuns`). More pages of changes than one
 * per sync come on top (`extraPages`): none while at most 100 runs change per sync.
 * @param slices for alternating rows: the calls are counted only during `slices` slices of `ms` each
 */
export function callBudget(ms, { listed = 1, failedRuns = 0, extraPages = 0, slices = 1 } = {}) {
  return (
    slices * CALLS_PER_PERIOD * periodsIn(ms) + listed * (Math.ceil((slices * ms) / settings.dagListPeriodMs) + 1) + failedRuns + extraPages
  );
}
