import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startServiceApp, type ServiceEnv } from '../support/service-app.js';
import { AirflowRest, waitFor } from '../../scripts/airflow/airflow-rest.mjs';
import { airflowSh, SIMPLE_AIRFLOW } from './local-airflow.js';

const DAG = 'Airflow_Lab2';
const airflow = new AirflowRest(SIMPLE_AIRFLOW.url);
let app: INestApplication | undefined;

async function serve(env: ServiceEnv = {}) {
  await app?.close();
  // TTL 0: each request reads Airflow, so the test sees a state as soon as Airflow has it.
  app = await startServiceApp({ AIRFLOW_WEBSERVER: SIMPLE_AIRFLOW.url, TARGET_DAG_ID: DAG, STATUS_CACHE_TTL_MS: '0', ...env });
  return request(app.getHttpServer());
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('against the real Airflow 3 (simple auth manager, JWT)', () => {
  let succeeded: string;
  let failed: string;
  // Airflow 2 (npm run compat) has /api/v1 with HTTP basic, and gives every manual run a logical date.
  let v1 = false;
  const noLogicalDate = () => (v1 ? expect.any(String) : null);

  beforeAll(async () => {
    v1 = (await airflow.apiVersion()) === 'v1';
    // A manual run with no logical date that succeeds, then one that fails; neither triggers the launcher DAG.
    succeeded = (await airflow.trigger(DAG, { trigger_flask: false })).dag_run_id;
    await airflow.waitForRun(DAG, succeeded, ['success', 'failed']);
    failed = (await airflow.trigger(DAG, { trigger_flask: false, fail: true })).dag_run_id;
  }, 240_000);

  it('lists a run that succeeded, manual and without a logical date', async () => {
    const run = await airflow.getRun(DAG, succeeded);
    expect(run).toMatchObject({ state: 'success', logical_date: noLogicalDate() });
    const http = await serve();
    const runs = await http.get(`/api/dags/${DAG}/runs?limit=5`).expect(200);
    const ours = runs.body.runs.find((r: { run_id: string }) => r.run_id === succeeded);
    expect(ours).toMatchObject({ state: 'success', logical_date: noLogicalDate(), run_type: 'manual' });
  });

  it('reports the failed run as the latest, on /, /failure, /status and /runs', async () => {
    await airflow.waitForRun(DAG, failed, ['failed', 'success']);
    const http = await serve();
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(status.body).toMatchObject({ dag_id: DAG, run_id: failed, state: 'failed', logical_date: noLogicalDate() });
    await http.get('/').expect(302).expect('Location', '/failure');
    const verdict = await http.get('/failure').set('Accept', 'application/json').expect(200);
    expect(verdict.body).toMatchObject({ outcome: 'failure', reason: 'failed', run_id: failed });
    const page = await http.get('/failure').expect(200);
    expect(page.text).toContain('The latest run failed.');
    const runs = await http.get(`/api/dags/${DAG}/runs?limit=2`).expect(200);
    expect(runs.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([failed, succeeded]);
  }, 180_000);

  it('names the failed task (train) with a link to its log, on /status, /api/dags, /failure and the badge', async () => {
    await airflow.waitForRun(DAG, failed, ['failed', 'success']);
    const http = await serve();
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    const logUrl = `${SIMPLE_AIRFLOW.url}/dags/${DAG}/runs/${encodeURIComponent(failed)}/tasks/train`;
    expect(status.body).toMatchObject({ run_id: failed, last_finished: { run_id: failed, state: 'failed' }, stale: null });
    expect(status.body.failed_tasks).toContainEqual({ task_id: 'train', state: 'failed', log_url: logUrl });
    // Everything after train could not run.
    for (const task of status.body.failed_tasks.filter((t: { task_id: string }) => t.task_id !== 'train')) {
      expect(task.state).toBe('upstream_failed');
    }
    // The earlier success is outside the page of one run: found by its own query.
    expect(Date.parse(status.body.last_success_at)).not.toBeNaN();
    // The Airflow UI answers the log link (its single-page app serves every route).
    expect((await fetch(logUrl)).status).toBe(200);

    const overview = await http.get('/api/dags').expect(200);
    expect(overview.body.dags[0]).toMatchObject({ dag_id: DAG, state: 'failed', reason: 'failed', airflow_error: null });
    expect(overview.body.dags[0].failed_tasks).toContainEqual({ task_id: 'train', state: 'failed', log_url: logUrl });
    const page = await http.get('/failure').expect(200);
    expect(page.text).toContain('>train</a> (failed)');
    expect((await http.get(`/api/dags/${DAG}/badge.json`).expect(200)).body).toMatchObject({ message: 'failed', color: 'red' });
  }, 180_000);

  it('reports success once a newer run succeeds', async () => {
    const runId = (await airflow.trigger(DAG, { trigger_flask: false })).dag_run_id;
    const http = await serve();
    // While it is queued or running, the verdict is a failure that says so.
    const during = await http.get('/success').set('Accept', 'application/json').expect(200);
    if (during.body.run_id === runId && during.body.state !== 'success') {
      expect(['queued', 'running']).toContain(during.body.reason);
    }
    await airflow.waitForRun(DAG, runId, ['success']);
    await http.get('/').expect(302).expect('Location', '/success');
    const page = await http.get('/success').expect(200);
    expect(page.text).toContain(runId);
    expect(page.text).toContain('✔ Success');
  }, 180_000);

  it('is ready, and says which API and auth it worked out', async () => {
    const http = await serve();
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.airflow).toMatchObject({ status: 'up', api_version: v1 ? 'v1' : 'v2', auth: v1 ? 'basic' : 'jwt', dag_id: DAG });
  });

  it('answers 503 saying the credentials were refused for a wrong password, never echoing it', async () => {
    const http = await serve({ AIRFLOW_PASSWORD: 'Not-The-Password-42' });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
    expect(res.body).toMatchObject({ reason: 'airflow_auth_refused' });
    expect(res.body.message).toContain('refused the credentials of user "airflow"');
    expect(JSON.stringify(res.body)).not.toContain('Not-The-Password-42');
    const ready = await http.get('/health/ready').expect(503);
    expect(ready.body.error.airflow.reason).toBe('airflow_auth_refused');
  });

  it('answers 404 for a DAG Airflow does not know', async () => {
    const http = await serve({ ALLOWED_DAG_IDS: `${DAG},No_Such_DAG` });
    const res = await http.get('/api/dags/No_Such_DAG/status').expect(404);
    expect(res.body.reason).toBe('dag_not_found');
  });
});

describe('readiness follows Airflow going down and coming back', () => {
  afterAll(async () => {
    await airflowSh('up', SIMPLE_AIRFLOW); // whatever happened, leave Airflow up for the next suite
  }, 300_000);

  it('turns 503 while Airflow is down and 200 again once it is back, liveness staying 200', async () => {
    const http = await serve();
    await http.get('/health/ready').expect(200);
    await airflowSh('down', SIMPLE_AIRFLOW);
    const down = await http.get('/health/ready').expect(503);
    expect(down.body.error.airflow.reason).toBe('airflow_unreachable');
    await http.get('/health/live').expect(200);
    await http.get('/').expect(302).expect('Location', '/failure');
    await airflowSh('up', SIMPLE_AIRFLOW);
    await waitFor('readiness to turn 200', 60_000, async () => ((await http.get('/health/ready')).status === 200 ? true : null));
  }, 300_000);
});
