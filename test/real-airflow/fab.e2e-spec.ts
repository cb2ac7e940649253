import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startServiceApp, type ServiceEnv } from '../support/service-app.js';
import { AirflowRest } from '../../scripts/airflow/airflow-rest.mjs';
import { airflowSh, FAB_AIRFLOW } from './local-airflow.js';

const DAG = 'Airflow_Lab2';
let app: INestApplication | undefined;

async function serve(env: ServiceEnv = {}) {
  await app?.close();
  app = await startServiceApp({ AIRFLOW_WEBSERVER: FAB_AIRFLOW.url, TARGET_DAG_ID: DAG, STATUS_CACHE_TTL_MS: '0', ...env });
  return request(app.getHttpServer());
}

// Airflow 2 has no auth managers: its webserver is FAB, which the other suites already meet (npm run compat).
const describeFab = process.env.AIRFLOW_TEST_MAJOR === '2' ? describe.skip : describe;

/** The seed's setup: the FAB auth manager with the basic-auth API backend configured. */
describeFab('against the real Airflow 3 with the FAB auth manager', () => {
  let runId: string;

  beforeAll(async () => {
    await airflowSh('up', FAB_AIRFLOW);
    const airflow = new AirflowRest(FAB_AIRFLOW.url);
    runId = (await airflow.trigger(DAG, { trigger_flask: false })).dag_run_id;
    await airflow.waitForRun(DAG, runId, ['success', 'failed']);
  }, 400_000);

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  afterAll(async () => {
    await airflowSh('down', FAB_AIRFLOW);
  }, 120_000);

  it('logs in through FAB with a JWT by itself and reports the run', async () => {
    const http = await serve();
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(status.body).toMatchObject({ run_id: runId, state: 'success' });
    await http.get('/').expect(302).expect('Location', '/success');
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.airflow).toMatchObject({ api_version: 'v2', auth: 'jwt' });
  });

  it('answers the documented error for a wrong password', async () => {
    const http = await serve({ AIRFLOW_PASSWORD: 'Wrong-Fab-Password-7' });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
    expect(res.body.reason).toBe('airflow_auth_refused');
    expect(JSON.stringify(res.body)).not.toContain('Wrong-Fab-Password-7');
  });

  it('says the credentials were refused when forced to HTTP basic: FAB 3.10 on Airflow 3.3 accepts only JWTs on /api/v2', async () => {
    const http = await serve({ AIRFLOW_AUTH: 'basic' });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
    expect(res.body.reason).toBe('airflow_auth_refused');
  });
});
