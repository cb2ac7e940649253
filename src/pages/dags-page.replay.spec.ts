import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { DagStatusService } from '../dag-status/dag-status.service.js';
import type { HttpReplay } from '../http/http.replay.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { MirrorStore } from '../mirror/mirror.store.js';
import type { DagSnapshot } from '../mirror/mirror.types.js';
import { OverviewService } from '../overview/overview.service.js';
import { DagsPageReplay } from './dags-page.replay.js';

/** Only what the source reads of a snapshot: its identity and when it expires. */
const snapshot = (dagId: string, expiresAt = 10_000) => ({ dagId, expiresAt }) as DagSnapshot;

function replayOf(snapshots: Record<string, DagSnapshot | undefined>) {
  const store = {
    allowedDagIds: Object.freeze(Object.keys(snapshots)),
    current: (dagId: string) => snapshots[dagId],
  };
  const overviews = new OverviewService({} as DagStatusService, store as unknown as MirrorStore);
  const replay = new DagsPageReplay(overviews, {} as MetricsService, {} as HttpReplay);
  return { replay, snapshots };
}

const at = (ms: number) => jest.spyOn(Date, 'now').mockReturnValue(ms);

afterEach(() => {
  jest.restoreAllMocks();
});

describe('DagsPageReplay', () => {
  it('gives the same source while the overviews’ source and the second stay', () => {
    const { replay } = replayOf({ a: snapshot('a'), b: snapshot('b') });
    at(1_000);
    const first = replay.sourceOf('/dags');
    at(1_999);
    expect(first).toBeDefined();
    expect(replay.sourceOf('/dags')).toBe(first);
    // The query is in the URL the recording is kept under: the same source serves every query.
    expect(replay.sourceOf('/dags?outcome=failure&limit=1')).toBe(first);
  });

  it('gives a new source at the next second, as the page shows ages to the second', () => {
    const { replay } = replayOf({ a: snapshot('a') });
    at(1_999);
    const first = replay.sourceOf('/dags');
    at(2_000);
    expect(replay.sourceOf('/dags')).not.toBe(first);
  });

  it('gives a new source when one DAG has a new snapshot, and none while one is not read', () => {
    const { replay, snapshots } = replayOf({ a: snapshot('a'), b: snapshot('b') });
    at(1_000);
    const first = replay.sourceOf('/dags');
    snapshots.b = snapshot('b');
    expect(replay.sourceOf('/dags')).not.toBe(first);
    snapshots.b = undefined;
    expect(replay.sourceOf('/dags')).toBeUndefined();
  });

  it.each(['/dags/', '/dagsx', '/DAGS', '/api/dags', '/dags/a/status', '/'])('is not the source of %s', (url) => {
    at(1_000);
    expect(replayOf({ a: snapshot('a') }).replay.sourceOf(url)).toBeUndefined();
  });
});
