/**
 * Webhook notifications against the real local Airflow (issue 18): a failing run of Airflow_Lab2
 * gives one `failed` notification and a later success one `recovered`, each verified with the
 * reference Standard Webhooks library, read with the CloudEvents SDK, and each within two syncs
 * of the mirror after Airflow has the run finished (counted in syncs, not in seconds: a loaded
 * machine slows the syncs and the test alike).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { AirflowRest, waitFor } from '../../scripts/airflow/airflow-rest.mjs';
import { startServiceApp } from '../support/service-app.js';
import { cloudEventOf, verified, WebhookReceiver, type Delivery } from '../support/webhook-receiver.js';
import { SIMPLE_AIRFLOW } from './local-airflow.js';

const DAG = 'Airflow_Lab2';
const SECRET = `whsec_${Buffer.alloc(32, 21).toString('base64')}`;
const airflow = new AirflowRest(SIMPLE_AIRFLOW.url);
let receiver: WebhookReceiver;
let app: INestApplication;
/** The mirror's syncs when each delivery came (by its webhook-id), read as it came. */
const syncsAt = new Map<string, Promise<number>>();

async function syncs(): Promise<number> {
  const metric = app.get(MetricsService).registry.getSingleMetric('airflow_status_mirror_syncs_total');
  const { values } = await metric!.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Waits until the service's verdict on the DAG has `reason` (null: a success). */
async function verdictIs(reason: string | null): Promise<void> {
  await waitFor(`${DAG} to be ${reason ?? 'a success'}`, 120_000, async () => {
    const { body } = await request(app.getHttpServer()).get('/api/dags').expect(200);
    const dag = (body as { dags: Array<{ dag_id: string; reason: string | null }> }).dags.find((d) => d.dag_id === DAG);
    return dag?.reason === reason ? true : null;
  });
}

/** Triggers a run, waits until Airflow has it finished, and returns it with the syncs made by then. */
async function runToEnd(fail: boolean): Promise<{ runId: string; syncs: number }> {
  const { dag_run_id: runId } = await airflow.trigger(DAG, { trigger_flask: false, ...(fail ? { fail: true } : {}) });
  const run = await airflow.waitForRun(DAG, runId, ['success', 'failed'], 150_000);
  expect(run.state).toBe(fail ? 'failed' : 'success');
  return { runId, syncs: await syncs() };
}

async function deliveryOf(type: string): Promise<Delivery> {
  return waitFor(`the ${type} notification`, 60_000, () =>
    Promise.resolve(receiver.accepted('/hook').find((d) => cloudEventOf(d).type === `airflow-status-api.dag.${type}`) ?? null),
  );
}

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  receiver.fateOf = (delivery) => {
    syncsAt.set(delivery.id, syncs());
    return { status: 204 };
  };
  // A success first, so that the DAG starts as one whatever the other suites left.
  const { dag_run_id: first } = await airflow.trigger(DAG, { trigger_flask: false });
  await airflow.waitForRun(DAG, first, ['success', 'failed'], 150_000);
  // The default sync period (STATUS_CACHE_TTL_MS=2000).
  app = await startServiceApp({
    AIRFLOW_WEBSERVER: SIMPLE_AIRFLOW.url,
    TARGET_DAG_ID: DAG,
    NOTIFY_WEBHOOKS: `${receiver.url}/hook`,
    NOTIFY_SECRETS: SECRET,
  });
  await verdictIs(null);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await receiver?.stop();
});

describe('notifications against the real Airflow', () => {
  it('sends one failed for a failing run, then one recovered for a success, each verified and within two syncs', async () => {
    const failed = await runToEnd(true);
    const failure = await deliveryOf('failed');
    expect(verified(failure, SECRET)).toMatchObject({ type: 'airflow-status-api.dag.failed' });
    expect(cloudEventOf(failure).data).toMatchObject({ dag_id: DAG, run_id: failed.runId, reason: 'failed' });
    expect((await syncsAt.get(failure.id)!) - failed.syncs).toBeLessThanOrEqual(2);

    const succeeded = await runToEnd(false);
    const recovery = await deliveryOf('recovered');
    expect(verified(recovery, SECRET)).toMatchObject({ type: 'airflow-status-api.dag.recovered' });
    expect(cloudEventOf(recovery).data).toMatchObject({ dag_id: DAG, run_id: succeeded.runId, outcome: 'success' });
    expect((await syncsAt.get(recovery.id)!) - succeeded.syncs).toBeLessThanOrEqual(2);

    // One of each: nothing for the run in progress between, nothing twice.
    expect(receiver.deliveries.map((d) => cloudEventOf(d).type.replace('airflow-status-api.dag.', ''))).toEqual(['failed', 'recovered']);
  });
});
