import { describe, expect, it } from '@jest/globals';
import { MirrorStore } from '../src/mirror/mirror.store.js';
import { FakeAirflow, type FakeDagRun } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';
import { until } from './support/service-process.js';

/** Each watched DAG's past over the longest reliability window (issue 20), read from the fake Airflow through the app. */
const DAG = 'Airflow_Lab2';
const HOUR = 3_600_000;
const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: DAG, STATUS_CACHE_TTL_MS: '200', RELIABILITY_WINDOWS: '1d,40d' });

/** An hourly run due `hoursAgo` hours ago, as Airflow 3 lists it. */
const hourly = (hoursAgo: number, state: FakeDagRun['state'] = 'success'): FakeDagRun => {
  const due = Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR;
  return FakeAirflow.run({ dag_id: DAG, state, run_after: new Date(due).toISOString(), logical_date: new Date(due - HOUR).toISOString() });
};

/** Reads of the DAG's past (the paged read of its runs due since the window's start). */
const pastReads = () => airflow.fake.calls.filter((c) => 'run_after_gte' in c.query && c.status !== null).length;

describe("the mirror keeps each DAG's past", () => {
  it('reads the 40-day window in pages once, keeps it from the changes feed, and looks up failed tasks in the background', async () => {
    // 250 runs in the window (three pages of 100), the newest failed; two older than the window.
    const runs = [
      hourly(40 * 24 + 5),
      hourly(40 * 24 + 1),
      ...Array.from({ length: 250 }, (_, i) => hourly(250 - i, i === 249 ? 'failed' : 'success')),
    ];
    const failedRun = runs.at(-1)!;
    const app = await airflow.start({ dags: { [DAG]: runs }, tasks: { [failedRun.dag_run_id]: [{ task_id: 'load', state: 'failed' }] } });
    const store = app.get(MirrorStore);
    await until('the past read whole', async () => (store.past(DAG)?.complete ? true : null), 30_000);
    const past = store.past(DAG)!;
    expect(past.runs).toHaveLength(250);
    expect(past.runs.map((run) => run.dueAt)).toEqual(runs.slice(2).map((run) => Date.parse(run.run_after)));
    expect(past.runs.at(-1)).toMatchObject({ runId: failedRun.dag_run_id, state: 'failed', runType: 'scheduled' });
    expect(pastReads()).toBe(3);
    await until('the failed tasks', async () => store.pastFailedTasks(DAG, failedRun.dag_run_id), 30_000);
    expect(store.pastFailedTasks(DAG, failedRun.dag_run_id)).toEqual([expect.objectContaining({ taskId: 'load', state: 'failed' })]);

    // Cleared and re-run: the same run, its latest state, from the changes feed alone.
    airflow.fake.setScenario({ dags: { [DAG]: [...runs.slice(0, -1), { ...failedRun, state: 'success' }, hourly(0, 'running')] } });
    await until('the re-run and the new run', async () => (store.past(DAG)!.runs.at(-1)?.state === 'running' ? true : null), 30_000);
    const after = store.past(DAG)!;
    expect(after.runs).toHaveLength(251);
    expect(after.runs.at(-2)).toMatchObject({ runId: failedRun.dag_run_id, state: 'success' });
    expect(after.revision).toBeGreaterThan(past.revision);
    expect(pastReads()).toBe(3);
    expect(store.past('not_watched')).toBeNull();
  });
});
