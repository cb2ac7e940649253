import { NOT_SUCCESS_REASONS, type DagOverview, type NotSuccessReason } from '../dag-status/dag-status.types.js';
import { encodeCursor } from './overview.cursor.js';
import {
  RUN_STATE_FILTERS,
  type OverviewCounts,
  type OverviewCursor,
  type OverviewQuery,
  type OverviewSelection,
} from './overview.types.js';

type Test = (overview: DagOverview) => boolean;

/** An entry's state as `?state=` names it. */
function stateFilterOf(overview: DagOverview): string {
  return overview.run?.state ?? 'none';
}

/** One test per filter given; an entry matches when it passes them all. */
function matcherOf(query: OverviewQuery): Test {
  const tests: Test[] = [];
  if (query.outcomes.length > 0) tests.push((o) => query.outcomes.includes(o.outcome));
  if (query.states.length > 0) {
    const states: readonly string[] = query.states;
    tests.push((o) => states.includes(stateFilterOf(o)));
  }
  if (query.reasons.length > 0) {
    const reasons: readonly (string | null)[] = query.reasons;
    tests.push((o) => reasons.includes(o.reason));
  }
  if (query.text !== '') {
    const text = query.text.toLowerCase();
    tests.push((o) => o.dagId.toLowerCase().includes(text));
  }
  if (query.tags.length > 0) tests.push((o) => o.tags.some((tag) => query.tags.includes(tag)));
  return (o) => tests.every((test) => test(o));
}

/** Where a page starts in the whole list: after its anchor, or where the anchor stood if it has gone since. */
function startOf(all: readonly DagOverview[], cursor: OverviewCursor | null): number {
  if (cursor === null) return 0;
  const anchor = all.findIndex((o) => o.dagId === cursor.after);
  return anchor >= 0 ? anchor + 1 : cursor.at;
}

/** How many DAGs hold each verdict, state and reason (every key present, zeros included). */
function countOverviews(all: readonly DagOverview[]): OverviewCounts {
  const counts: OverviewCounts = {
    all: all.length,
    outcome: { success: 0, failure: 0 },
    state: Object.fromEntries(RUN_STATE_FILTERS.map((state) => [state, 0])),
    reason: Object.fromEntries(NOT_SUCCESS_REASONS.map((reason) => [reason, 0])) as Record<NotSuccessReason, number>,
  };
  for (const o of all) {
    counts.outcome[o.outcome]++;
    const state = stateFilterOf(o);
    counts.state[state] = (counts.state[state] ?? 0) + 1;
    if (o.reason !== null) counts.reason[o.reason]++;
  }
  return counts;
}

/**
 * The page of `all` (every DAG, in order) that `query` asks for, in one pass over entries already
 * in memory. Pages are anchored on a DAG id rather than an offset, so that DAGs coming and going
 * before the anchor neither skip nor repeat an entry.
 */
export function selectOverviews(all: readonly DagOverview[], query: OverviewQuery): OverviewSelection {
  const matches = matcherOf(query);
  const start = startOf(all, query.cursor);
  const limit = query.limit ?? Infinity;
  const dags: DagOverview[] = [];
  let total = 0;
  let last = -1;
  let more = false;
  for (let i = 0; i < all.length; i++) {
    const o = all[i];
    if (!matches(o)) continue;
    total++;
    if (i < start) continue;
    if (dags.length < limit) {
      dags.push(o);
      last = i;
    } else {
      more = true;
    }
  }
  const next = more ? encodeCursor({ after: all[last].dagId, at: last }) : null;
  return { dags, total, next, counts: countOverviews(all) };
}
