// The Airflow calls a service may make, by the mirror's design (issue #17): a bound per run, the same
// whatever the number of DAGs, that every row's calls are checked against; and the notification rows'
// bounds (issue #18).
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

/** Issue #18: from the service's read of a change to the receiver having its notification, p99. */
export const NOTIFY_P99_MS = 1000;

/**
 * A burst of 1,000 notifications to a slow receiver: RSS over the idle at most. What the queue holds is
 * a few MB (a notification is the DAG's overview and its body, a few kB); the rest is V8's young
 * generation (two 8 MB semi-spaces, src/config/node-flags.ts) filling between collections.
 */
export const NOTIFY_BURST_RSS_MB = 40;
