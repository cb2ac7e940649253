import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AirflowRepository } from '../airflow/airflow.repository.js';
import { AirflowUnreachableError, DagNotFoundError } from '../airflow/airflow.errors.js';
import type { DagRun, TaskInstance } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { cacheControlFor, DagStatusStore, type DagSnapshot } from './dag-status.store.js';

const TTL = 1000;
/** MAX_SUCCESS_AGE of DAG 'b': a minute, crossed within a test by advancing the clock. */
const STALE_AFTER = 60_000;

function run(state: string, runId = 'r1'): DagRun {
  return {
    dagId: 'a',
    runId,
    state,
    logicalDate: null,
    runAfter: '2026-01-01T00:00:00Z',
    startDate: null,
    endDate: null,
    note: null,
    runType: 'manual',
  };
}

/** Lets pending promise callbacks run (the store settles reads in callbacks). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('DagStatusStore', () => {
  let listRuns: jest.Mock<(dagId: string, limit: number, states?: readonly string[]) => Promise<DagRun[]>>;
  let listTaskInstances: jest.Mock<(dagId: string, runId: string, states: readonly string[]) => Promise<TaskInstance[]>>;
  /** The reads of a DAG's page of runs (not the extra look-ups of its last success). */
  const pageReads = () => listRuns.mock.calls.filter(([, , states]) => states === undefined);
  let lookups: jest.Mock<(hit: boolean) => void>;
  let scheduler: SchedulerRegistry;
  let store: DagStatusStore;

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    listRuns = jest.fn(async () => [run('success')]);
    listTaskInstances = jest.fn(async () => []);
    lookups = jest.fn();
    scheduler = new SchedulerRegistry();
    const config = {
      getOrThrow: () => ({
        targetDagId: 'a',
        allowedDagIds: ['a', 'b'],
        cacheTtlMs: TTL,
        // Only 'b' has a freshness limit, for the staleness test.
        maxSuccessAge: { defaultMs: null, perDag: { b: STALE_AFTER } },
        verdictBasis: 'latest',
      }),
    } as unknown as ConfigService<AllConfig, true>;
    const metrics = { recordCacheLookup: lookups } as unknown as MetricsService;
    store = new DagStatusStore(
      { listRuns, listTaskInstances, taskLogUrl: (d: string, r: string, t: string) => `ui/${d}/${r}/${t}` } as unknown as AirflowRepository,
      metrics,
      scheduler,
      config,
    );
  });

  afterEach(() => {
    store.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('shares one read between concurrent readers and reuses it for the TTL, failures included', async () => {
    const [first, second] = await Promise.all([store.read('a'), store.read('a')]);
    expect(first).toBe(second);
    expect(first.status?.run?.state).toBe('success');
    expect(lookups.mock.calls).toEqual([[false], [true]]);
    jest.advanceTimersByTime(TTL);
    listRuns.mockRejectedValue(new AirflowUnreachableError('down'));
    const failed = await store.read('a');
    expect(failed.error).toBeInstanceOf(AirflowUnreachableError);
    expect(await store.read('a')).toBe(failed);
    expect(listRuns).toHaveBeenCalledTimes(2);
  });

  it('reads one page per DAG whatever limit clients ask, growing it when a client asks for more', async () => {
    await store.read('a', 1);
    expect(listRuns).toHaveBeenLastCalledWith('a', 1);
    await store.read('a', 3);
    expect(listRuns).toHaveBeenLastCalledWith('a', 10);
    listRuns.mockResolvedValue(Array.from({ length: 10 }, (_, i) => run('success', `r${i}`)));
    jest.advanceTimersByTime(TTL);
    await store.read('a', 10);
    for (const limit of [1, 2, 5, 10]) await store.read('a', limit);
    await store.read('a', 11);
    expect(listRuns.mock.calls.map(([, limit]) => limit)).toEqual([1, 10, 10, 100]);
    jest.advanceTimersByTime(TTL);
    await store.read('a', 1);
    expect(listRuns).toHaveBeenLastCalledWith('a', 100);
  });

  it('answers any limit from a page that came back short: the DAG has no more runs', async () => {
    listRuns.mockResolvedValue([run('success')]);
    await store.read('a', 50);
    await store.read('a', 100);
    expect(listRuns).toHaveBeenCalledTimes(1);
  });

  it('keeps the newest read when a larger one overtakes a smaller one in flight', async () => {
    let finishSmall: (runs: DagRun[]) => void = () => undefined;
    listRuns.mockImplementationOnce(() => new Promise((resolve) => (finishSmall = resolve)));
    listRuns.mockResolvedValueOnce([run('failed', 'r2')]);
    const small = store.read('a', 1);
    const large = await store.read('a', 10);
    finishSmall([run('success', 'r1')]);
    await small;
    await settle();
    expect(store.peek('a')).toBe(large);
  });

  it('peeks synchronously at a fresh successful snapshot only, and records nothing', async () => {
    expect(store.peek('a')).toBeUndefined();
    const read = await store.read('a');
    lookups.mockClear();
    expect(store.peek('a')).toBe(read);
    expect(store.peek('b')).toBeUndefined();
    expect(store.peek('secret')).toBeUndefined();
    jest.advanceTimersByTime(TTL);
    expect(store.peek('a')).toBeUndefined();
    expect(lookups).not.toHaveBeenCalled();
  });

  it('derives the status body and its ETag once per read', async () => {
    const snapshot = await store.read('a');
    expect(JSON.parse(snapshot.json!.body)).toMatchObject({ dag_id: 'a', state: 'success', run_id: 'r1' });
    expect(snapshot.json!.length).toBe(String(Buffer.byteLength(snapshot.json!.body)));
    expect(snapshot.json!.etag).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/_-]+"$/);
  });

  it('tells caches how long the snapshot stays fresh', async () => {
    const snapshot = await store.read('a');
    expect(cacheControlFor(snapshot)).toBe('max-age=1');
    jest.advanceTimersByTime(TTL + 500);
    expect(cacheControlFor(snapshot)).toBe('max-age=0');
  });

  it('answers a DAG outside ALLOWED_DAG_IDS like an unknown one, without asking Airflow', async () => {
    await expect(store.read('secret')).rejects.toBeInstanceOf(DagNotFoundError);
    expect(() => store.watch(['a', 'secret'])).toThrow(DagNotFoundError);
    expect(listRuns).not.toHaveBeenCalled();
  });

  it('announces a DAG only when its state, latest run or failure changes, not at each read', async () => {
    const seen: DagSnapshot[] = [];
    store.changes.subscribe((snapshot) => seen.push(snapshot));
    const states = [run('running'), run('running'), run('success'), run('success', 'r2')];
    for (const next of states) {
      listRuns.mockResolvedValueOnce([next]);
      await store.read('a');
      jest.advanceTimersByTime(TTL);
    }
    listRuns.mockRejectedValueOnce(new AirflowUnreachableError('down'));
    await store.read('a');
    jest.advanceTimersByTime(TTL);
    listRuns.mockRejectedValueOnce(new AirflowUnreachableError('still down'));
    await store.read('a');
    await settle();
    expect(seen.map((s) => s.error?.reason ?? `${s.runs![0].runId}:${s.runs![0].state}`)).toEqual([
      'r1:running',
      'r1:success',
      'r2:success',
      'airflow_unreachable',
    ]);
  });

  it('announces what changes without a new run: failed tasks read later, a success growing stale', async () => {
    const seen: DagSnapshot[] = [];
    store.changes.subscribe((snapshot) => seen.push(snapshot));
    const failed = { ...run('failed', 'r2'), endDate: '2026-11-30T23:59:00Z' };
    const succeeded = { ...run('success', 'r1'), dagId: 'b', endDate: '2026-11-30T23:59:30Z' }; // 30 s before the clock
    listRuns.mockImplementation(async (dagId) => [dagId === 'a' ? failed : succeeded]);
    listTaskInstances.mockRejectedValueOnce(new AirflowUnreachableError('down'));
    listTaskInstances.mockResolvedValue([{ taskId: 'train', state: 'failed', mapIndex: -1 }]);
    const subscription = store.watch(['a', 'b']).subscribe();
    for (let i = 0; i < 4; i++) await settle(); // 'a' reads its runs, its last success, then its tasks
    const shown = (dagId: string) =>
      seen.filter((s) => s.dagId === dagId).map((s) => `${s.history!.failedTasks.map((t) => t.taskId).join()}:${s.status!.stale}`);
    expect([shown('a'), shown('b')]).toEqual([[':null'], [':false']]);
    await jest.advanceTimersByTimeAsync(TTL);
    expect([shown('a'), shown('b')]).toEqual([[':null', 'train:null'], [':false']]);
    // 'b' crosses its limit 30 s after its success ended: the first refresh after that announces it, once.
    await jest.advanceTimersByTimeAsync(STALE_AFTER);
    expect([shown('a'), shown('b')]).toEqual([
      [':null', 'train:null'],
      [':false', ':true'],
    ]);
    subscription.unsubscribe();
  });

  it('refreshes watched DAGs on the TTL, once per DAG however many watchers, and stops with the last one', async () => {
    const a1: DagSnapshot[] = [];
    const a2: DagSnapshot[] = [];
    const first = store.watch(['a']).subscribe((s) => a1.push(s));
    const second = store.watch(['a', 'b']).subscribe((s) => a2.push(s));
    await settle();
    expect(listRuns.mock.calls).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(a1.map((s) => s.dagId)).toEqual(['a']);
    expect(a2.map((s) => s.dagId)).toEqual(['a', 'b']);

    listRuns.mockResolvedValue([run('failed')]);
    await jest.advanceTimersByTimeAsync(TTL);
    expect(pageReads()).toHaveLength(4);
    expect(a1.map((s) => s.status?.run?.state)).toEqual(['success', 'failed']);
    await jest.advanceTimersByTimeAsync(TTL);
    expect(pageReads()).toHaveLength(6);
    expect(a1).toHaveLength(2); // nothing changed, nothing announced

    second.unsubscribe();
    await jest.advanceTimersByTimeAsync(TTL);
    expect(pageReads().slice(6)).toEqual([['a', 1]]);
    first.unsubscribe();
    await jest.advanceTimersByTimeAsync(5 * TTL);
    expect(pageReads()).toHaveLength(7);
    expect(scheduler.getTimeouts()).toHaveLength(0);
  });

  it('gives a new watcher the current snapshot even when its read brings no change', async () => {
    await store.read('a');
    jest.advanceTimersByTime(TTL);
    const seen: DagSnapshot[] = [];
    const subscription = store.watch(['a']).subscribe((s) => seen.push(s));
    await settle();
    expect(seen).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('drops its refreshes on shutdown', async () => {
    store.watch(['a']).subscribe();
    await settle();
    expect(scheduler.getTimeouts()).toHaveLength(1);
    store.onApplicationShutdown();
    expect(scheduler.getTimeouts()).toHaveLength(0);
  });

  describe('history: last finished, last success, failed tasks', () => {
    const ended = (state: string, runId: string): DagRun => ({ ...run(state, runId), endDate: `2026-11-30T00:00:0${runId.slice(1)}Z` });

    it('takes them from the page when it holds them: no extra read', async () => {
      listRuns.mockResolvedValue([run('running', 'r3'), ended('success', 'r2')]);
      const snapshot = await store.read('a', 10);
      expect(snapshot.history).toMatchObject({ lastFinished: { runId: 'r2' }, lastSuccess: { runId: 'r2' }, failedTasks: [] });
      expect(listRuns).toHaveBeenCalledTimes(1);
      expect(JSON.parse(snapshot.json!.body)).toMatchObject({
        state: 'running',
        last_finished: { run_id: 'r2', state: 'success', end_date: '2026-11-30T00:00:02Z' },
        last_success_at: '2026-11-30T00:00:02Z',
        failed_tasks: [],
        stale: null,
      });
    });

    it('looks the last success up with one more read when the full page has none', async () => {
      listRuns.mockImplementation(async (_dag, _limit, states) => (states ? [ended('success', 'r1')] : [ended('failed', 'r2')]));
      const snapshot = await store.read('a');
      expect(listRuns.mock.calls).toEqual([
        ['a', 1],
        ['a', 1, ['success']],
      ]);
      expect(snapshot.history).toMatchObject({ lastFinished: { runId: 'r2' }, lastSuccess: { runId: 'r1' } });
    });

    it('asks for the newest finished runs when the full page holds only runs in progress', async () => {
      listRuns.mockImplementation(async (_dag, _limit, states) =>
        states ? [ended('failed', 'r2'), ended('success', 'r1')] : [run('running', 'r3')],
      );
      const snapshot = await store.read('a');
      expect(listRuns.mock.calls).toEqual([
        ['a', 1],
        ['a', 10, ['success', 'failed']],
      ]);
      expect(snapshot.history).toMatchObject({ lastFinished: { runId: 'r2' }, lastSuccess: { runId: 'r1' } });
    });

    it('reads the failed tasks of a failed run once, and links their logs', async () => {
      listRuns.mockImplementation(async (_dag, _limit, states) => (states ? [] : [ended('failed', 'r2')]));
      listTaskInstances.mockResolvedValue([
        { taskId: 'train', state: 'failed', mapIndex: -1 },
        { taskId: 'evaluate', state: 'upstream_failed', mapIndex: -1 },
      ]);
      const first = await store.read('a');
      expect(first.history?.failedTasks).toEqual([
        { taskId: 'train', state: 'failed', logUrl: 'ui/a/r2/train' },
        { taskId: 'evaluate', state: 'upstream_failed', logUrl: 'ui/a/r2/evaluate' },
      ]);
      expect(listTaskInstances).toHaveBeenCalledWith('a', 'r2', ['failed', 'upstream_failed']);
      jest.advanceTimersByTime(TTL);
      expect((await store.read('a')).history?.failedTasks).toHaveLength(2);
      expect(listTaskInstances).toHaveBeenCalledTimes(1);
    });

    it('answers without failed tasks when they cannot be read, and asks again next time', async () => {
      listRuns.mockImplementation(async (_dag, _limit, states) => (states ? [] : [ended('failed', 'r2')]));
      listTaskInstances.mockRejectedValueOnce(new AirflowUnreachableError('down'));
      expect((await store.read('a')).history?.failedTasks).toEqual([]);
      jest.advanceTimersByTime(TTL);
      listTaskInstances.mockResolvedValue([{ taskId: 'train', state: 'failed', mapIndex: -1 }]);
      expect((await store.read('a')).history?.failedTasks).toHaveLength(1);
    });
  });

  it('keeps the last successful snapshot through an outage, and since when it lasts', async () => {
    const good = await store.read('a');
    jest.advanceTimersByTime(TTL);
    listRuns.mockRejectedValue(new AirflowUnreachableError('down'));
    const first = await store.read('a');
    expect(first).toMatchObject({ lastKnown: good, failingSince: first.fetchedAt });
    jest.advanceTimersByTime(TTL);
    const second = await store.read('a');
    expect(second).toMatchObject({ lastKnown: good, failingSince: first.fetchedAt });
    expect(second.fetchedAt).not.toBe(first.fetchedAt);
  });
});
