import { describe, expect, it } from '@jest/globals';
import type { DagStatusService } from '../dag-status/dag-status.service.js';
import type { HttpReplay } from '../http/http.replay.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { OverviewReplay } from './overview.replay.js';
import { OverviewService } from './overview.service.js';

/** Only what the source reads of a snapshot: its identity and when it expires. */
const snapshot = (dagId: string, expiresAt = 10_000) => ({ dagId, expiresAt }) as DagSnapshot;

function overviewsOf(snapshots: Record<string, DagSnapshot | undefined>) {
  const store = {
    allowedDagIds: Object.freeze(Object.keys(snapshots)),
    current: (dagId: string) => snapshots[dagId],
  };
  const overviews = new OverviewService({} as DagStatusService, store as unknown as MirrorStore);
  return { overviews, store, snapshots };
}

describe('OverviewService.source', () => {
  it('is the same object while the watched set and every snapshot stay, whatever the clock until they expire', () => {
    const { overviews } = overviewsOf({ a: snapshot('a'), b: snapshot('b') });
    const first = overviews.source(1_000);
    expect(first?.snapshots.map((s) => s.dagId)).toEqual(['a', 'b']);
    expect(overviews.source(9_999)).toBe(first);
  });

  it('is a new one when one DAG has a new snapshot, or the watched set changes', () => {
    const { overviews, store, snapshots } = overviewsOf({ a: snapshot('a'), b: snapshot('b') });
    const first = overviews.source(1_000);
    snapshots.b = snapshot('b');
    const second = overviews.source(1_000);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    store.allowedDagIds = Object.freeze(['a']);
    expect(overviews.source(1_000)).not.toBe(second);
  });

  it('is none while a route would wait: a DAG not read yet, a mirror due to sync, no DAG', () => {
    expect(overviewsOf({ a: snapshot('a'), b: undefined }).overviews.source(1_000)).toBeUndefined();
    const { overviews } = overviewsOf({ a: snapshot('a', 5_000), b: snapshot('b', 3_000) });
    expect(overviews.source(2_999)).toBeDefined();
    expect(overviews.source(3_000)).toBeUndefined();
    expect(overviewsOf({}).overviews.source(1_000)).toBeUndefined();
  });
});

describe('OverviewReplay', () => {
  const replayOf = (snapshots: Record<string, DagSnapshot | undefined>) =>
    new OverviewReplay(overviewsOf(snapshots).overviews, {} as MetricsService, {} as HttpReplay);

  it('answers /api/dags and any query of it from the overviews’ source', () => {
    const replay = replayOf({ a: snapshot('a', Infinity) });
    const source = replay.sourceOf('/api/dags');
    expect(source).toBeDefined();
    expect(replay.sourceOf('/api/dags?outcome=failure&limit=1')).toBe(source);
  });

  it.each(['/api/dags/', '/api/dagsx', '/API/DAGS', '/api/dags/a/status', '/dags', '/'])('is not the source of %s', (url) => {
    expect(replayOf({ a: snapshot('a', Infinity) }).sourceOf(url)).toBeUndefined();
  });
});
