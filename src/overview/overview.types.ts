import type { DagOverview, NotSuccessReason } from '../dag-status/dag-status.types.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';

export const OUTCOMES = ['success', 'failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Airflow's DAG run states, and `none` for a DAG without a run. */
export const RUN_STATE_FILTERS = ['success', 'failed', 'running', 'queued', 'none'] as const;
export type RunStateFilter = (typeof RUN_STATE_FILTERS)[number];

export const OVERVIEW_LIMIT_MAX = 1000;
/** `?q=` is a piece of a DAG id: no longer than one. */
export const OVERVIEW_TEXT_MAX = 250;

/** After the DAG `after`, which stood at `at` in the whole ordered list. */
export interface OverviewCursor {
  after: string;
  at: number;
}

/** An entry matches when it is in each non-empty filter; `text` is a case-insensitive piece of the id. */
export interface OverviewQuery {
  limit: number | null;
  cursor: OverviewCursor | null;
  outcomes: readonly Outcome[];
  states: readonly RunStateFilter[];
  reasons: readonly NotSuccessReason[];
  text: string;
  tags: readonly string[];
}

export const EVERY_DAG: OverviewQuery = { limit: null, cursor: null, outcomes: [], states: [], reasons: [], text: '', tags: [] };

/** Over every DAG, whatever the query. */
export interface OverviewCounts {
  all: number;
  outcome: Record<Outcome, number>;
  /** Every RUN_STATE_FILTERS key, and any other state Airflow reported. */
  state: Record<string, number>;
  reason: Record<NotSuccessReason, number>;
}

export interface OverviewSelection {
  dags: DagOverview[];
  /** On every page. */
  total: number;
  /** Null on the last page. */
  next: string | null;
  counts: OverviewCounts;
}

/** What every overview is made of at one moment: the watched DAGs, in order, and each one's snapshot. */
export interface OverviewSource {
  readonly dagIds: readonly string[];
  readonly snapshots: readonly DagSnapshot[];
  /** Epoch ms of the mirror's next sync: from then on a route waits for it. */
  readonly expiresAt: number;
}
