import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startServiceApp } from '../support/service-app.js';
import { AirflowRest } from '../../scripts/airflow/airflow-rest.mjs';
import { SIMPLE_AIRFLOW } from './local-airflow.js';

/** dags/entrainement_modele.py: Airflow takes any letters in a DAG id (Python's Unicode \w), so the service must. */
const DAG = 'entraînement_modèle';
/** entra%C3%AEnement_mod%C3%A8le, as a browser sends it. */
const IN_URL = encodeURIComponent(DAG);
const airflow = new AirflowRest(SIMPLE_AIRFLOW.url);
let app: INestApplication | undefined;

afterAll(async () => {
  await app?.close();
});

describe('against the real Airflow, a DAG whose id is not ASCII (entraînement_modèle)', () => {
  let runId: string;

  beforeAll(async () => {
    // Its one task finishes at once; the scheduler's pick-up on a loaded 2-core machine is what takes time.
    runId = (await airflow.trigger(DAG)).dag_run_id;
    await airflow.waitForRun(DAG, runId, ['success', 'failed'], 240_000);
    // TTL 0: every request reads Airflow, under the id as Airflow's REST API wants it.
    app = await startServiceApp({ AIRFLOW_WEBSERVER: SIMPLE_AIRFLOW.url, TARGET_DAG_ID: DAG, STATUS_CACHE_TTL_MS: '0' });
  }, 300_000);

  it('reports its run on /api/dags/{dagId}/status and /runs', async () => {
    const http = request(app!.getHttpServer());
    const status = await http.get(`/api/dags/${IN_URL}/status`).expect(200);
    expect(status.body).toMatchObject({ dag_id: DAG, run_id: runId, state: 'success', failed_tasks: [] });
    const runs = await http.get(`/api/dags/${IN_URL}/runs?limit=1`).expect(200);
    expect(runs.body).toMatchObject({ dag_id: DAG, runs: [{ run_id: runId, state: 'success' }] });
  });

  it('labels its badges with it', async () => {
    const http = request(app!.getHttpServer());
    const json = await http.get(`/api/dags/${IN_URL}/badge.json`).expect(200);
    expect(json.body).toEqual({ schemaVersion: 1, label: DAG, message: 'success', color: 'brightgreen', isError: false });
    const svg = await http
      .get(`/api/dags/${IN_URL}/badge.svg`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    expect(svg.body).toContain(`<title>${DAG}: success</title>`);
  });

  it('is the target of the status page and readiness, with a link Airflow answers', async () => {
    const http = request(app!.getHttpServer());
    await http.get('/').expect(302).expect('Location', '/success');
    const page = await http.get('/success').expect(200);
    expect(page.text).toContain(`<th scope="row">DAG</th><td>${DAG}</td>`);
    expect(page.text).toContain(runId);
    expect(page.text).toContain('✔ Success');
    const verdict = await http.get('/success').set('Accept', 'application/json').expect(200);
    expect(verdict.body).toMatchObject({ dag_id: DAG, outcome: 'success', run_id: runId });
    // The Airflow UI link carries the id encoded, and Airflow's UI answers it.
    expect(verdict.body.airflow_url).toContain(`/dags/${IN_URL}`);
    expect((await fetch(verdict.body.airflow_url as string)).status).toBe(200);
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.airflow).toMatchObject({ status: 'up', dag_id: DAG });
    const metrics = await http.get('/metrics').expect(200);
    expect(metrics.text).toContain(`airflow_dag_latest_run_state{dag_id="${DAG}",state="success"} 1`);
  });
});
