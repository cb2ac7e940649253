/**
 * Silent failures become verdicts (issue 18), on the real local Airflow with the status_probe_* DAGs
 * (dags/status_probes.py, dags/status_probe_import.py; they exist only in the Airflow the suites' global
 * setup starts, or, for this suite, in one it found up): a paused DAG, a DAG file with a syntax error, a run that sleeps past its usual duration,
 * a scheduled run that cannot start (Airflow 3), and the scheduler stopped, which every watched DAG then
 * says, ahead of being overdue. Each waits on the service's answer, never on a fixed time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AirflowRest, waitFor } from '../../scripts/airflow/airflow-rest.mjs';
import { startServiceApp } from '../support/service-app.js';
import { airflowSh, PROBE_FOLDER, restartDagParser, SIMPLE_AIRFLOW } from './local-airflow.js';

const airflow = new AirflowRest(SIMPLE_AIRFLOW.url);
const CODE = join(PROBE_FOLDER, 'status_probe_import.py');
const GOOD_CODE = `
from datetime import datetime

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG

with DAG(dag_id="status_probe_import", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["status-probe"]) as status_probe_import:
    pass
`;
/** The same code with an unclosed parenthesis: Python cannot even compile it. */
const BROKEN_CODE = GOOD_CODE.replace('catchup=False, tags=["status-probe"])', 'catchup=False, tags=["status-probe"]');

let app: INestApplication | undefined;
let api: 'v1' | 'v2';
/** The runs this suite leaves running, marked finished at the end whatever happened. */
const running: Array<[string, string]> = [];
let schedulerStopped = false;
/** Whether this suite started the DAG parser again with the probe DAGs (an Airflow found up without them). */
let parserRestarted = false;

interface Entry {
  dag_id: string;
  reason: string | null;
  explanation: string;
  state: string | null;
}

async function entries(): Promise<Entry[]> {
  const { body } = await request(app!.getHttpServer()).get('/api/dags').expect(200);
  return (body as { dags: Entry[] }).dags;
}

/** Waits until the service gives each DAG of `expected` its reason (null: a success); resolves to every entry. */
async function reasons(expected: Record<string, string | null>, timeoutMs = 240_000): Promise<Entry[]> {
  let last: Entry[] = [];
  try {
    return await waitFor(`the verdicts ${JSON.stringify(expected)}`, timeoutMs, async () => {
      last = await entries();
      return Object.entries(expected).every(([dagId, reason]) => last.find((e) => e.dag_id === dagId)?.reason === reason) ? last : null;
    });
  } catch (caught) {
    throw new Error(`${(caught as Error).message}; last seen: ${JSON.stringify(last.map((e) => [e.dag_id, e.reason, e.explanation]))}`, {
      cause: caught,
    });
  }
}

const explanationOf = (all: Entry[], dagId: string) => all.find((e) => e.dag_id === dagId)?.explanation ?? '';

/** Runs the quick runs that make status_probe_long's usual duration, at once (max_active_runs 3), to their end. */
async function usualRuns(): Promise<void> {
  const runs = await Promise.all([0, 1, 2].map(() => airflow.trigger('status_probe_long', { sleep: 0 })));
  for (const run of runs)
    expect((await airflow.waitForRun('status_probe_long', run.dag_run_id, ['success', 'failed'], 240_000)).state).toBe('success');
}

beforeAll(async () => {
  api = await airflow.apiVersion();
  mkdirSync(PROBE_FOLDER, { recursive: true });
  writeFileSync(CODE, GOOD_CODE);
  // The probe DAGs are there when the suites' global setup started this Airflow (AIRFLOW_STATUS_PROBE_DAGS); one it
  // found up (the demo's) has none until its DAG parser starts again with them, and gets it back as it was after.
  const probes = async (timeoutMs: number) =>
    waitFor('the status_probe_* DAGs', timeoutMs, async () => {
      const ids = ['status_probe_long', 'status_probe_paused', 'status_probe_scheduled', 'status_probe_import'];
      // Parsed now: a DAG whose file no longer defines it stays in Airflow, stale (v2) or inactive (v1).
      const live = (dag: { is_stale?: boolean; is_active?: boolean }) => dag.is_stale !== true && dag.is_active !== false;
      const dags = await Promise.all(
        ids.map((id) => airflow.request<{ is_stale?: boolean; is_active?: boolean }>('GET', `/dags/${id}`).catch(() => null)),
      );
      return dags.every((dag) => dag !== null && live(dag)) ? true : null;
    });
  await probes(60_000).catch(async () => {
    await restartDagParser(api, true);
    parserRestarted = true;
    await probes(180_000);
  });
  // Where every suite may have left Airflow_Lab2: a success, so that it shows the scheduler down later.
  const lab = await airflow.trigger('Airflow_Lab2', { trigger_flask: false });
  await Promise.all([airflow.waitForRun('Airflow_Lab2', lab.dag_run_id, ['success', 'failed'], 240_000), usualRuns()]);
  app = await startServiceApp({
    AIRFLOW_WEBSERVER: SIMPLE_AIRFLOW.url,
    TARGET_DAG_ID: 'Airflow_Lab2',
    WATCH_DAGS: 'id:status_probe_*',
    // Airflow's health and import errors are read on the DAG list's period: a few seconds here, not a minute.
    DAG_LIST_PERIOD_MS: '3000',
    OVERDUE_GRACE: '1m',
    RUNNING_LONG_FACTOR: '1.5',
  });
  await reasons({ status_probe_long: null, Airflow_Lab2: null });
  // Two clocks start now: a run far slower than the usual ones, and a scheduled DAG whose runs hold its only slot.
  const slow = await airflow.trigger('status_probe_long', { sleep: 900 });
  running.push(['status_probe_long', slow.dag_run_id]);
  await airflow.request('PATCH', '/dags/status_probe_scheduled', { is_paused: false });
}, 600_000);

afterAll(async () => {
  // Whatever happened: the scheduler back, the scheduled probe paused, the code mended, nothing left running.
  if (schedulerStopped) await airflowSh('up', SIMPLE_AIRFLOW);
  await airflow.request('PATCH', '/dags/status_probe_scheduled', { is_paused: true }).catch(() => undefined);
  writeFileSync(CODE, GOOD_CODE);
  const { dag_runs: scheduled } = await airflow
    .request<{ dag_runs: Array<{ dag_run_id: string; state: string }> }>('GET', '/dags/status_probe_scheduled/dagRuns?limit=100')
    .catch(() => ({ dag_runs: [] }));
  for (const run of scheduled)
    if (run.state === 'running' || run.state === 'queued') running.push(['status_probe_scheduled', run.dag_run_id]);
  for (const [dagId, runId] of running) await airflow.setRunState(dagId, runId, 'failed').catch(() => undefined);
  if (parserRestarted) await restartDagParser(api, false);
  await app?.close();
}, 300_000);

describe('silent failures against the real Airflow', () => {
  it('says a paused DAG is paused, on /api/dags and its badge', async () => {
    const all = await reasons({ status_probe_paused: 'paused' });
    expect(explanationOf(all, 'status_probe_paused')).toBe('The DAG is paused in Airflow: nothing runs until it is unpaused.');
    const badge = await request(app!.getHttpServer()).get('/api/dags/status_probe_paused/badge.json').expect(200);
    expect(badge.body).toMatchObject({ message: 'paused', color: 'lightgrey' });
  });

  it('says a DAG file with a syntax error fails to import, naming the file and the error, and lets it go once mended', async () => {
    await reasons({ status_probe_import: 'no_run' });
    writeFileSync(CODE, BROKEN_CODE);
    const all = await reasons({ status_probe_import: 'import_error' });
    expect(explanationOf(all, 'status_probe_import')).toMatch(
      /^The DAG's file \S*status_probe_import\.py fails to import: SyntaxError: .+\.$/,
    );
    writeFileSync(CODE, GOOD_CODE);
    await reasons({ status_probe_import: 'no_run' });
  });

  it('says a run that sleeps past its usual duration is running long', async () => {
    const all = await reasons({ status_probe_long: 'running_long' });
    expect(explanationOf(all, 'status_probe_long')).toMatch(
      /^The latest run, started .+ UTC, has gone on longer than .+, far beyond this DAG's usual .+: it may be stuck\.$/,
    );
    const [, runId] = running.find(([dagId]) => dagId === 'status_probe_long')!;
    // Stopped as an operator would; a success, so that the DAG shows the scheduler down below.
    await airflow.setRunState('status_probe_long', runId, 'success');
    await reasons({ status_probe_long: null });
  });

  it('says a scheduled run that cannot start (its one slot held by a run that sleeps) is overdue (Airflow 3)', async () => {
    // Airflow 2 clears a DAG's next run time while max_active_runs is reached: nothing is due there.
    if (api === 'v1') return;
    const all = await reasons({ status_probe_scheduled: 'overdue' });
    expect(explanationOf(all, 'status_probe_scheduled')).toMatch(
      /^The scheduled run due .+ UTC has not started within 1 min \(OVERDUE_GRACE\)\.$/,
    );
  });

  it('says on every watched DAG that nothing runs while the scheduler is stopped, a paused DAG still paused', async () => {
    await airflowSh('stop', SIMPLE_AIRFLOW, 'scheduler');
    schedulerStopped = true;
    // Airflow calls the scheduler unhealthy once its heartbeat is older than [scheduler] scheduler_health_check_threshold (30 s).
    const all = await reasons({
      status_probe_scheduled: 'airflow_scheduler_down',
      status_probe_long: 'airflow_scheduler_down',
      status_probe_import: 'airflow_scheduler_down',
      Airflow_Lab2: 'airflow_scheduler_down',
      status_probe_paused: 'paused',
    });
    expect(explanationOf(all, 'Airflow_Lab2')).toMatch(
      /^Airflow's scheduler has sent no heartbeat since .+ UTC: nothing is scheduled or run until it is back\.$/,
    );
    await request(app!.getHttpServer()).get('/').expect(302).expect('Location', '/failure');
    const badge = await request(app!.getHttpServer()).get('/api/dags/Airflow_Lab2/badge.json').expect(200);
    expect(badge.body).toMatchObject({ message: 'scheduler down' });

    await airflowSh('up', SIMPLE_AIRFLOW);
    schedulerStopped = false;
    await reasons({ Airflow_Lab2: null });
  });
});
