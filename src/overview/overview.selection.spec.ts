import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { runOf } from '../airflow/airflow.fixtures.js';
import { overviewOf } from '../dag-status/dag-status.fixtures.js';
import type { DagOverview, NotSuccessReason } from '../dag-status/dag-status.types.js';
import { OverviewQueryPipe } from './overview-query.pipe.js';
import { decodeCursor, encodeCursor } from './overview.cursor.js';
import { selectOverviews } from './overview.selection.js';
import { EVERY_DAG, type OverviewQuery } from './overview.types.js';

/** The overview of `dagId` whose latest run is in `state` (null: none), judged by that run. */
function entry(dagId: string, state: string | null = 'success'): DagOverview {
  const reason = (state === 'success' ? null : state === null ? 'no_run' : state) as NotSuccessReason | null;
  return overviewOf({
    dagId,
    run: state === null ? null : runOf({ dagId, state }),
    outcome: reason === null ? 'success' : 'failure',
    reason,
  });
}

const page = (query: Partial<OverviewQuery>) => ({ ...EVERY_DAG, ...query });
const ids = (dags: DagOverview[]) => dags.map((d) => d.dagId);

describe('selectOverviews', () => {
  const all = ['a', 'b', 'c', 'd', 'e'].map((id) => entry(id));

  it('resumes after its anchor when DAGs come and go before it: none skipped, none repeated', () => {
    const first = selectOverviews(all, page({ limit: 2 }));
    expect(ids(first.dags)).toEqual(['a', 'b']);
    const cursor = decodeCursor(first.next!)!;
    // "a" leaves and "a0" arrives before the anchor: the next page still starts at "c".
    const changed = [entry('a0'), ...all.slice(1)];
    expect(ids(selectOverviews(changed, page({ limit: 2, cursor })).dags)).toEqual(['c', 'd']);
  });

  it('resumes where its anchor stood when the anchor itself has gone', () => {
    const cursor = decodeCursor(selectOverviews(all, page({ limit: 2 })).next!)!;
    const withoutAnchor = all.filter((o) => o.dagId !== 'b');
    expect(ids(selectOverviews(withoutAnchor, page({ limit: 2, cursor })).dags)).toEqual(['c', 'd']);
  });

  it('keeps the DAGs with any of the tags asked, exactly as Airflow lists them, and refuses an empty or huge tag', () => {
    const tagged = [
      { ...entry('sales'), tags: ['finance', 'daily'] },
      { ...entry('hr'), tags: ['people'] },
      { ...entry('ml'), tags: ['ML'] },
    ];
    expect(ids(selectOverviews(tagged, page({ tags: ['finance', 'ml'] })).dags)).toEqual(['sales']);
    expect(new OverviewQueryPipe().transform({ tag: ['finance', 'finance', 'people'] })?.tags).toEqual(['finance', 'people']);
    expect(() => new OverviewQueryPipe().transform({ tag: '' })).toThrow(BadRequestException);
    expect(() => new OverviewQueryPipe().transform({ tag: 'x'.repeat(251) })).toThrow(BadRequestException);
  });

  it('pages over the matching entries only, counting them all in total', () => {
    const mixed = [entry('a'), entry('b', 'failed'), entry('c'), entry('d', 'failed'), entry('e', 'failed')];
    const first = selectOverviews(mixed, page({ limit: 2, outcomes: ['failure'] }));
    expect(ids(first.dags)).toEqual(['b', 'd']);
    expect(first.total).toBe(3);
    const second = selectOverviews(mixed, page({ limit: 2, outcomes: ['failure'], cursor: decodeCursor(first.next!)! }));
    expect(ids(second.dags)).toEqual(['e']);
    expect(second).toMatchObject({ total: 3, next: null });
  });

  it('counts every DAG, whatever the filter, and a state Airflow may add under its own key', () => {
    const { counts } = selectOverviews([entry('a'), entry('b', null), entry('c', 'up_for_retry')], page({ text: 'zzz' }));
    expect(counts).toMatchObject({ all: 3, outcome: { success: 1, failure: 2 } });
    expect(counts.state).toEqual({ success: 1, failed: 0, running: 0, queued: 0, none: 1, up_for_retry: 1 });
  });
});

describe('cursor', () => {
  it('carries a DAG id of any characters, and every string of its form is one', () => {
    const cursor = { after: 'entraînement_modèle', at: 41 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor('7.A')).toEqual({ at: 7, after: '' });
    expect(decodeCursor('7')).toBeUndefined();
    expect(decodeCursor('x.abc')).toBeUndefined();
    expect(decodeCursor('1.a+b')).toBeUndefined();
  });
});

describe('OverviewQueryPipe', () => {
  const pipe = new OverviewQueryPipe();

  it('says "none" (the original answer) when no parameter of its own is there', () => {
    expect(pipe.transform({})).toBeUndefined();
    expect(pipe.transform({ other: '1' })).toBeUndefined();
  });

  it('reads each filter as a set, and an empty q as no text filter', () => {
    expect(pipe.transform({ state: ['failed', 'failed', 'none'], outcome: 'failure', q: '', limit: '1000' })).toEqual({
      ...EVERY_DAG,
      limit: 1000,
      outcomes: ['failure'],
      states: ['failed', 'none'],
    });
  });

  it.each<Record<string, unknown>>([
    { limit: '1.5' },
    { limit: ['1', '2'] },
    { state: { a: 'failed' } },
    { reason: ['stale', 'nope'] },
    { outcome: '' },
    { cursor: '' },
    { q: ['a'] },
  ])('refuses %j with a 400', (query) => {
    expect(() => pipe.transform(query)).toThrow(BadRequestException);
  });
});
