import { describe, expect, it } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import { AirflowUnreachableError, DagNotFoundError } from '../airflow/airflow.errors.js';
import type { AirflowRepository } from '../airflow/airflow.repository.js';
import type { DagAttributes, DagRun } from '../airflow/airflow.types.js';
import type { AllConfig } from '../config/config.type.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { MirrorStore } from '../mirror/mirror.store.js';
import { isFinished, RUNS_KEPT, type FailedTask } from '../mirror/mirror.types.js';
import { EVERY_DAG_ENTRIES } from './feeds.entries.js';
import { FeedsService } from './feeds.service.js';
import { attributesOf } from '../airflow/airflow.fixtures.js';
import { dagStatusConfigOf } from '../config/config.fixtures.js';

const ORIGIN = 'tag:airflow-status-api,2026:airflow.internal:8080';

function run(dagId: string, runId: string, state: string, hour: number): DagRun {
  const due = Date.UTC(2026, 11, 1, hour);
  return {
    dagId,
    runId,
    state,
    logicalDate: null,
    runAfter: new Date(due).toISOString(),
    startDate: new Date(due + 1000).toISOString(),
    endDate: state === 'success' || state === 'failed' ? new Date(due + 61_000).toISOString() : null,
    note: null,
    runType: 'scheduled',
  };
}

/** Airflow as the mirror reads it: each DAG's runs (oldest first) and its failed tasks. */
class Airflow {
  constructor(readonly runs: Record<string, DagRun[]>) {}

  repository(): AirflowRepository {
    return {
      connectionInfo: () => ({ baseUrl: 'http://airflow.internal:8080/', apiVersion: 'v2', authScheme: 'jwt' }),
      uiUrl: (dagId: string, runId: string | null) => `http://airflow.internal:8080/dags/${dagId}${runId === null ? '' : `/runs/${runId}`}`,
    } as unknown as AirflowRepository;
  }

  /** The DAG's newest runs, newest first, as the mirror's sync reads them. */
  newest(dagId: string): DagRun[] {
    return [...(this.runs[dagId] ?? [])].reverse().slice(0, RUNS_KEPT);
  }

  /** The mirror's history lookups (private to the mirror), as Airflow would answer them here: all within the runs kept. */
  history(): ConstructorParameters<typeof MirrorStore>[0] {
    return {
      resolve: (dagId: string, runs: readonly DagRun[]) => {
        const lastFinished = runs.find(isFinished) ?? null;
        const lastSuccess = runs.find((r) => r.state === 'success') ?? null;
        const tasks: FailedTask[] =
          lastFinished?.state === 'failed'
            ? [
                {
                  taskId: 'train',
                  state: 'failed',
                  logUrl: `http://airflow.internal:8080/dags/${dagId}/runs/${lastFinished.runId}/tasks/train`,
                },
              ]
            : [];
        const failedTasks = lastFinished === null ? null : { runId: lastFinished.runId, tasks };
        return Promise.resolve({
          history: { lastFinished, lastSuccess, failedTasks: tasks },
          known: { lastFinished, lastSuccess, failedTasks },
        });
      },
      forget: () => undefined,
    } as unknown as ConstructorParameters<typeof MirrorStore>[0];
  }

  /**
   * A process of the service, as it starts: a new mirror loaded from Airflow by the calls its sync makes (the
   * DAG list, each DAG's newest runs), and the feeds on top.
   */
  async start(attributes: Record<string, Partial<DagAttributes>> = {}): Promise<{ store: MirrorStore; feeds: FeedsService }> {
    const dagIds = Object.keys(this.runs);
    const config = {
      getOrThrow: () => dagStatusConfigOf({ allowedDagIds: dagIds, cacheTtlMs: 60_000 }),
    } as unknown as ConfigService<AllConfig, true>;
    const metrics = { recordCacheLookup: () => undefined } as unknown as MetricsService;
    const repository = this.repository();
    const store = new MirrorStore(
      this.history(),
      metrics,
      config,
      // The feeds read no past: a mirror that keeps none.
      { apply: () => undefined, prune: () => undefined, forget: () => undefined } as unknown as ConstructorParameters<
        typeof MirrorStore
      >[3],
    );
    store.setDags(
      dagIds.map((dagId) => attributesOf(dagId, attributes[dagId])),
      () => true,
      true,
    );
    for (const dagId of dagIds) await store.setRuns(dagId, this.newest(dagId));
    return { store, feeds: new FeedsService(store, repository) };
  }
}

describe('FeedsService', () => {
  it('makes the same feed in a new process: a restart is a new mirror, the same ids and entries', async () => {
    const airflow = new Airflow({
      A: [run('A', 'a1', 'success', 1), run('A', 'a2', 'failed', 2), run('A', 'a3', 'success', 3), run('A', 'a4', 'failed', 4)],
      // More runs than the mirror keeps: the oldest held is not the first, and has no entry.
      B: Array.from({ length: RUNS_KEPT + 2 }, (_, i) => run('B', `b${i}`, i === 5 ? 'failed' : 'success', i)),
    });
    const first = await airflow.start({ B: { isPaused: true } });
    const restarted = await airflow.start({ B: { isPaused: true } });
    for (const dagId of ['A', 'B']) expect(await restarted.feeds.dagFeed(dagId)).toEqual(await first.feeds.dagFeed(dagId));
    expect(await restarted.feeds.everyDagFeed()).toEqual(await first.feeds.everyDagFeed());

    const a = await first.feeds.dagFeed('A');
    expect(a.entries.map((e) => e.id)).toEqual([
      `${ORIGIN}/dags/A/runs/a4/failed`,
      `${ORIGIN}/dags/A/runs/a3/recovered`,
      `${ORIGIN}/dags/A/runs/a2/failed`,
      `${ORIGIN}/dags/A/runs/a1/succeeded`,
    ]);
    expect(a.entries[0].failedTasks).toEqual([
      { taskId: 'train', state: 'failed', logUrl: 'http://airflow.internal:8080/dags/A/runs/a4/tasks/train' },
    ]);
    expect(a).toMatchObject({ id: `${ORIGIN}/dags/A`, self: '/api/dags/A/feed.atom', updated: a.entries[0].updated });
    expect((await first.feeds.dagFeed('B')).entries.map((e) => e.id)).toEqual([
      `${ORIGIN}/dags/B/runs/b11/paused`,
      `${ORIGIN}/dags/B/runs/b6/recovered`,
      `${ORIGIN}/dags/B/runs/b5/failed`,
    ]);
    expect((await first.feeds.everyDagFeed()).entries.map((e) => e.id.slice(ORIGIN.length))).toEqual([
      '/dags/B/runs/b11/paused',
      '/dags/B/runs/b6/recovered',
      '/dags/B/runs/b5/failed',
      '/dags/A/runs/a4/failed',
      '/dags/A/runs/a3/recovered',
      '/dags/A/runs/a2/failed',
      '/dags/A/runs/a1/succeeded',
    ]);
  });

  it('keeps a new run out of the older entries: they stay as they were, one entry joins on top', async () => {
    const airflow = new Airflow({ A: [run('A', 'a1', 'success', 1), run('A', 'a2', 'failed', 2)] });
    const before = (await (await airflow.start()).feeds.dagFeed('A')).entries.map((e) => e.id);
    airflow.runs.A.push(run('A', 'a3', 'failed', 3), run('A', 'a4', 'success', 4));
    const after = (await (await airflow.start()).feeds.dagFeed('A')).entries.map((e) => e.id);
    expect(after).toEqual([`${ORIGIN}/dags/A/runs/a4/recovered`, ...before]);
  });

  it('merges every DAG newest first, at most EVERY_DAG_ENTRIES', async () => {
    // 15 DAGs of 9 alternating runs: 9 entries each, 135 in all.
    const runs = Object.fromEntries(
      Array.from({ length: 15 }, (_, d) => [
        `d${d}`,
        Array.from({ length: 9 }, (_, k) => run(`d${d}`, `r${k}`, k % 2 ? 'failed' : 'success', k * 20 + d)),
      ]),
    );
    const feed = await (await new Airflow(runs).start()).feeds.everyDagFeed();
    expect(feed.entries).toHaveLength(EVERY_DAG_ENTRIES);
    const updated = feed.entries.map((e) => e.updated);
    expect(updated).toEqual([...updated].sort().reverse());
    expect(feed.entries[0].id).toBe(`${ORIGIN}/dags/d14/runs/r8/recovered`);
    expect(feed).toMatchObject({ id: `${ORIGIN}/dags`, self: '/api/dags/feed.atom', alternate: '/dags', updated: updated[0] });
  });

  it('answers a DAG that is not watched, or that Airflow does not know, with DagNotFoundError', async () => {
    const { store, feeds } = await new Airflow({ A: [run('A', 'a1', 'success', 1)] }).start();
    await expect(feeds.dagFeed('Secret')).rejects.toBeInstanceOf(DagNotFoundError);
    store.setDag('A', new DagNotFoundError('A'));
    await expect(feeds.dagFeed('A')).rejects.toBeInstanceOf(DagNotFoundError);
    expect((await feeds.everyDagFeed()).entries).toEqual([]);
  });

  it('derives from the last good read while Airflow cannot be read', async () => {
    const { store, feeds } = await new Airflow({ A: [run('A', 'a1', 'success', 1), run('A', 'a2', 'failed', 2)] }).start();
    const seen = await feeds.dagFeed('A');
    store.failSync(new AirflowUnreachableError('Airflow cannot be reached (ECONNREFUSED)'), new Date(), Date.now() + 60_000);
    expect(await feeds.dagFeed('A')).toEqual(seen);
    expect((await feeds.everyDagFeed()).entries).toEqual(seen.entries);
  });
});
