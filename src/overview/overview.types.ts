import type { DagOverview, NotSuccessReason } from '../dag-status/dag-status.types.js';

/** The verdicts an overview can hold. */
export const OUTCOMES = ['success', 'failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A latest run's state as `?state=` names it: Airflow's DAG run states, and `none` for a DAG without a run. */
export const RUN_STATE_FILTERS = ['success', 'failed', 'running', 'queued', 'none'] as const;
export type RunStateFilter = (typeof RUN_STATE_FILTERS)[number];

/** At most this many DAGs in one answer of a paged `/api/dags`. */
export const OVERVIEW_LIMIT_MAX = 1000;
/** `?q=` is a piece of a DAG id: no longer than one. */
export const OVERVIEW_TEXT_MAX = 250;

/** Where the next page starts: after the DAG `after`, which stood at `at` in the whole ordered list. */
export interface OverviewCursor {
  after: string;
  at: number;
}

/**
 * Which overviews to answer, from `/api/dags`' and `/dags`' query. Every filter is a set: an entry
 * matches when it is in each non-empty one (empty: any); `text` is a case-insensitive piece of the id.
 */
export interface OverviewQuery {
  /** At most this many DAGs; null: every one that matches. */
  limit: number | null;
  cursor: OverviewCursor | null;
  outcomes: readonly Outcome[];
  states: readonly RunStateFilter[];
  reasons: readonly NotSuccessReason[];
  text: string;
  /** Airflow tags: an entry matches when it has any of them. */
  tags: readonly string[];
}

/** No filter, no paging: every DAG. */
export const EVERY_DAG: OverviewQuery = { limit: null, cursor: null, outcomes: [], states: [], reasons: [], text: '', tags: [] };

/** How many DAGs of the whole set hold each verdict, state and reason. */
export interface OverviewCounts {
  all: number;
  outcome: Record<Outcome, number>;
  /** Every RUN_STATE_FILTERS key, and any other state Airflow reported. */
  state: Record<string, number>;
  reason: Record<NotSuccessReason, number>;
}

/** One page of the overviews that match a query. */
export interface OverviewSelection {
  dags: DagOverview[];
  /** How many DAGs match the query, on every page. */
  total: number;
  /** The cursor of the next page; null on the last. */
  next: string | null;
  /** Over every DAG, whatever the query. */
  counts: OverviewCounts;
}
