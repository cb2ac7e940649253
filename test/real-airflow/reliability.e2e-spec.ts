/**
 * Issue 20's figures against the real local Airflow: 20 runs of status_probe_reliability with known
 * outcomes (3 failed, 2 of them in a row) and lengths, made through Airflow's API, then the service's
 * figures checked to the run against what Airflow's own API says of those runs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AirflowRest, waitFor } from '../../scripts/airflow/airflow-rest.mjs';
import { startServiceApp } from '../support/service-app.js';
import { restartDagParser, SIMPLE_AIRFLOW } from './local-airflow.js';

const DAG = 'status_probe_reliability';
/** The runs, in trigger order: which fail, and how long each sleeps. */
const FAILING = new Set([4, 5, 12]);
const RUNS = Array.from({ length: 20 }, (_, i) => ({ fail: FAILING.has(i), sleep: i % 3 }));

const airflow = new AirflowRest(SIMPLE_AIRFLOW.url);
let app: INestApplication | undefined;
let parserRestarted = false;
let api: 'v1' | 'v2';

interface AirflowRun {
  dag_run_id: string;
  state: string;
  run_after?: string;
  logical_date: string | null;
  start_date: string | null;
  end_date: string | null;
}

/** The runs of the DAG as Airflow lists them. */
async function airflowRuns(): Promise<AirflowRun[]> {
  const order = api === 'v1' ? 'execution_date' : 'run_after';
  const { dag_runs: runs } = await airflow.request<{ dag_runs: AirflowRun[] }>('GET', `/dags/${DAG}/dagRuns?limit=100&order_by=${order}`);
  return runs;
}

const nearestRank = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];

beforeAll(async () => {
  api = await airflow.apiVersion();
  // The probe DAGs exist where the suites' global setup started Airflow; one found up (the demo's) gets them for a while.
  const present = (timeoutMs: number) =>
    waitFor(`the ${DAG} DAG`, timeoutMs, async () => {
      const dag = await airflow.request<{ is_stale?: boolean; is_active?: boolean }>('GET', `/dags/${DAG}`).catch(() => null);
      return dag !== null && dag.is_stale !== true && dag.is_active !== false ? true : null;
    });
  await present(90_000).catch(async () => {
    await restartDagParser(api, true);
    parserRestarted = true;
    await present(180_000);
  });
  // Exactly the 20 runs of this test: those an earlier run of it left go.
  for (const run of await airflowRuns())
    await airflow.request('DELETE', `/dags/${DAG}/dagRuns/${encodeURIComponent(run.dag_run_id)}`, undefined, 'text/plain');
  // One after another, so that their order (by run_after) is the trigger order; they run four at a time.
  const ids: string[] = [];
  for (const conf of RUNS) ids.push((await airflow.trigger(DAG, conf)).dag_run_id);
  for (const [i, id] of ids.entries()) {
    const run = await airflow.waitForRun(DAG, id, ['success', 'failed'], 300_000);
    expect(run.state).toBe(RUNS[i].fail ? 'failed' : 'success');
  }
  app = await startServiceApp({
    AIRFLOW_WEBSERVER: SIMPLE_AIRFLOW.url,
    TARGET_DAG_ID: 'Airflow_Lab2',
    ALLOWED_DAG_IDS: `Airflow_Lab2,${DAG}`,
  });
}, 900_000);

afterAll(async () => {
  if (parserRestarted) await restartDagParser(api, false);
  await app?.close();
}, 300_000);

describe('reliability figures against the real Airflow', () => {
  it('gives the success ratio, recovery, durations and failures of 20 known runs, to the run', async () => {
    const runs = (await airflowRuns()).filter((r) => r.state === 'success' || r.state === 'failed');
    expect(runs).toHaveLength(20);
    const ms = (iso: string | null) => Date.parse(iso!);
    // What Airflow itself says, by the documented rules: durations of successes, outages from a failure's end to the next success's end.
    const durations = runs
      .filter((r) => r.state === 'success')
      .map((r) => ms(r.end_date) - ms(r.start_date))
      .sort((a, b) => a - b);
    const outages: number[] = [];
    let failedAt: number | null = null;
    // In the order they ended: four run at a time, so a failure may end after the next success.
    for (const run of [...runs].sort((a, b) => ms(a.end_date) - ms(b.end_date))) {
      if (run.state === 'failed' && failedAt === null) failedAt = ms(run.end_date);
      if (run.state === 'success' && failedAt !== null) {
        outages.push(ms(run.end_date) - failedAt);
        failedAt = null;
      }
    }
    outages.sort((a, b) => a - b);
    // Runs 4 and 5 failed in a row, 12 alone: two outages, or three when 5 ended after 6.
    expect([2, 3]).toContain(outages.length);
    const failedIds = runs.filter((r) => r.state === 'failed').map((r) => r.dag_run_id);
    expect(failedIds).toHaveLength(3);

    const http = request(app!.getHttpServer());
    const week = await waitFor('the figures of the 20 runs, failed tasks looked up', 120_000, async () => {
      const res = await http.get(`/api/dags/${DAG}/reliability`);
      if (res.status !== 200) return null;
      const window = (res.body as { windows: Array<Record<string, unknown>> }).windows[0] as {
        complete: boolean;
        runs: { finished: number };
        failures: Array<{ failed_tasks: unknown[] | null }>;
      };
      return window.complete && window.runs.finished === 20 && window.failures.every((f) => f.failed_tasks !== null) ? window : null;
    });
    const seconds = (value: number) => Math.round(value / 1000);
    expect(week).toMatchObject({
      runs: { finished: 20, succeeded: 17, failed: 3, unfinished: 0, backfills: 0 },
      success_ratio: 0.85,
      // Manual runs are never on time or late: no scheduled run, no ratio.
      on_time: { ratio: null, on_time: 0, due: 0, missed: 0 },
      recovery: {
        count: outages.length,
        median_seconds: seconds(nearestRank(outages, 0.5)),
        max_seconds: seconds(outages.at(-1)!),
        failing_since: null,
      },
      duration: { count: 17, median_seconds: seconds(nearestRank(durations, 0.5)), p95_seconds: seconds(nearestRank(durations, 0.95)) },
      failure_count: 3,
    });
    const failures = (week as unknown as { failures: Array<{ run_id: string; failed_tasks: Array<{ task_id: string; state: string }> }> })
      .failures;
    expect(failures.map((f) => f.run_id)).toEqual([...failedIds].reverse());
    for (const failure of failures) expect(failure.failed_tasks.map((t) => [t.task_id, t.state])).toEqual([['step', 'failed']]);

    const badge = await http.get(`/api/dags/${DAG}/badge.json?metric=success_7d`).expect(200);
    expect(badge.body).toMatchObject({ message: '85.0 %' });
  });
});
