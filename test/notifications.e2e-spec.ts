/**
 * Webhook notifications (issue 18) end to end: the whole app against the fake Airflow, whose runs
 * change, and a real local receiver that verifies signatures with the reference Standard Webhooks
 * library and reads events with the CloudEvents SDK. Every wait is on a condition.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { FakeAirflow, type FakeDagRun } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow, startServiceApp } from './support/service-app.js';
import { until } from './support/service-process.js';
import { cloudEventOf, verified, WebhookReceiver, type Delivery, type Fate } from './support/webhook-receiver.js';

jest.setTimeout(90_000);

const DAG = 'Airflow_Lab2';
const OTHER = 'Other_DAG';
/** Two secrets, as while one is rotated out. */
const SECRETS = [`whsec_${Buffer.alloc(32, 11).toString('base64')}`, `whsec_${Buffer.alloc(32, 12).toString('base64')}`];

const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: `${DAG},${OTHER}`, STATUS_CACHE_TTL_MS: '150', NOTIFY_SECRETS: SECRETS.join(',') });
let receiver: WebhookReceiver;
const extraApps: INestApplication[] = [];

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterEach(async () => {
  for (const app of extraApps.splice(0)) await app.close();
  receiver.deliveries.length = 0;
  receiver.fateOf = () => ({ status: 204 });
});
afterAll(async () => {
  await receiver.stop();
});

const run = (dagId: string, state: FakeDagRun['state']) => FakeAirflow.run({ dag_id: dagId, state, run_type: 'manual' });
const typeOf = (delivery: Delivery) => cloudEventOf(delivery).type.replace('airflow-status-api.dag.', '');
/** The mirror's syncs so far: reads of what changed across every DAG. */
const syncs = () => airflow.fake.callsTo('/api/v2/dags/~/dagRuns');
async function syncsMore(count: number): Promise<void> {
  const target = syncs() + count;
  await until(`${count} more syncs`, async () => (syncs() >= target ? true : null));
}
/** Waits until /api/dags gives the DAG this reason (null: a success): the service has seen the change. */
async function verdictIs(app: INestApplication, dagId: string, reason: string | null): Promise<void> {
  await until(`${dagId} to be ${reason ?? 'a success'}`, async () => {
    const { body } = await request(app.getHttpServer()).get('/api/dags').expect(200);
    const dag = (body as { dags: Array<{ dag_id: string; reason: string | null }> }).dags.find((d) => d.dag_id === dagId);
    return dag?.reason === reason ? true : null;
  });
}

describe('webhook notifications', () => {
  it('send nothing at start, then failed and recovered, signed with both secrets, as CloudEvents and as Slack messages', async () => {
    const first = run(DAG, 'success');
    const app = await airflow.start(
      { dags: { [DAG]: [first], [OTHER]: [run(OTHER, 'failed')] } },
      { NOTIFY_WEBHOOKS: `${receiver.url}/events,slack=${receiver.url}/slack` },
    );
    await verdictIs(app, OTHER, 'failed');
    await syncsMore(3);
    // Where each DAG stands at start (OTHER failed already) is not a change.
    expect(receiver.deliveries).toEqual([]);

    const failing = run(DAG, 'failed');
    airflow.fake.addRun(DAG, failing);
    await until('failed, to both webhooks', async () =>
      receiver.accepted('/events').length === 1 && receiver.accepted('/slack').length === 1 ? true : null,
    );
    const [event] = receiver.to('/events');
    for (const secret of SECRETS) expect(verified(event, secret)).toMatchObject({ specversion: '1.0' });
    const cloud = cloudEventOf(event);
    expect(cloud).toMatchObject({
      specversion: '1.0',
      id: event.id,
      type: 'airflow-status-api.dag.failed',
      source: `/api/dags/${DAG}`,
      subject: DAG,
    });
    expect(event.id).toMatch(/^msg_[0-9a-f]{32}$/);
    // The data is the DAG's overview, as /api/dags gives it.
    const { body: dags } = await request(app.getHttpServer()).get('/api/dags').expect(200);
    const overview = (dags as { dags: Array<Record<string, unknown>> }).dags.find((d) => d.dag_id === DAG)!;
    expect(cloud.data).toEqual({ ...overview, fetched_at: expect.any(String) });
    expect(cloud.data).toMatchObject({ outcome: 'failure', reason: 'failed', run_id: failing.dag_run_id, state: 'failed' });

    const [slack] = receiver.to('/slack');
    expect(slack.id).toBe(event.id);
    expect(verified(slack, SECRETS[1])).toMatchObject({ text: `:red_circle: ${DAG} failed: The latest run failed.` });
    const message = JSON.parse(slack.body) as { blocks: Array<{ type: string }> };
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'context']);

    const fixing = run(DAG, 'success');
    airflow.fake.addRun(DAG, fixing);
    await until('recovered', async () =>
      receiver.accepted('/events').length === 2 && receiver.accepted('/slack').length === 2 ? true : null,
    );
    expect(receiver.accepted('/events').map(typeOf)).toEqual(['failed', 'recovered']);
    expect(cloudEventOf(receiver.to('/events')[1]).data).toMatchObject({ outcome: 'success', run_id: fixing.dag_run_id });
    await syncsMore(3);
    expect(receiver.deliveries).toHaveLength(4);
    const metrics = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toContain('airflow_status_notifications_total{outcome="sent"} 4');
    expect(metrics).toContain('airflow_status_notification_queue_depth 0');
    expect(metrics).toMatch(/airflow_status_notification_latency_seconds_count 4/);
  });

  it('make the same id for the same fact in a second replica, and send nothing again from a restart', async () => {
    const dags = { [DAG]: [run(DAG, 'success')], [OTHER]: [run(OTHER, 'success')] };
    const one = await airflow.start({ dags }, { NOTIFY_WEBHOOKS: `${receiver.url}/one` });
    const two = await startServiceApp({
      AIRFLOW_WEBSERVER: airflow.fake.url,
      ALLOWED_DAG_IDS: `${DAG},${OTHER}`,
      STATUS_CACHE_TTL_MS: '150',
      NOTIFY_SECRETS: SECRETS[0],
      NOTIFY_WEBHOOKS: `${receiver.url}/two`,
    });
    extraApps.push(two);
    await Promise.all([verdictIs(one, DAG, null), verdictIs(two, DAG, null)]);

    airflow.fake.addRun(DAG, run(DAG, 'failed'));
    await until('failed from both replicas', async () =>
      receiver.accepted('/one').length === 1 && receiver.accepted('/two').length === 1 ? true : null,
    );
    const [fromOne, fromTwo] = [receiver.to('/one')[0], receiver.to('/two')[0]];
    expect(typeOf(fromOne)).toBe('failed');
    expect(fromTwo.id).toBe(fromOne.id);
    expect(cloudEventOf(fromTwo).id).toBe(cloudEventOf(fromOne).id);

    // A restart of the second: it finds the DAG failed, which is where it stands, not news.
    await two.close();
    extraApps.length = 0;
    const again = await startServiceApp({
      AIRFLOW_WEBSERVER: airflow.fake.url,
      ALLOWED_DAG_IDS: `${DAG},${OTHER}`,
      STATUS_CACHE_TTL_MS: '150',
      NOTIFY_WEBHOOKS: `${receiver.url}/two`,
    });
    extraApps.push(again);
    await verdictIs(again, DAG, 'failed');
    await syncsMore(4);
    expect(receiver.to('/two')).toHaveLength(1);
  });

  it('retry a 429 (not before its Retry-After), a 5xx and a hang, keeping the DAG order (failed, recovered, failed) and not holding up other DAGs', async () => {
    // The DAG's first notification meets these, then 503s until the other DAG's has been accepted: the other is not held up.
    const fates: Fate[] = [{ status: 429, headers: { 'Retry-After': '3' } }, { status: 500 }, 'hang'];
    let firstId: string | null = null;
    receiver.fateOf = (delivery) => {
      firstId ??= delivery.id;
      if (delivery.id !== firstId) return { status: 200 };
      const otherDone = receiver.accepted('/events').some((d) => cloudEventOf(d).subject === OTHER);
      return fates.shift() ?? (otherDone ? { status: 200 } : { status: 503 });
    };
    const app = await airflow.start(
      { dags: { [DAG]: [run(DAG, 'success')], [OTHER]: [run(OTHER, 'success')] } },
      { NOTIFY_WEBHOOKS: `${receiver.url}/events`, NOTIFY_TIMEOUT_MS: '500' },
    );
    await verdictIs(app, DAG, null);
    // Three changes in a row while the first notification is still being retried: they wait behind it.
    airflow.fake.addRun(DAG, run(DAG, 'failed'));
    await verdictIs(app, DAG, 'failed');
    airflow.fake.addRun(DAG, run(DAG, 'success'));
    await verdictIs(app, DAG, null);
    airflow.fake.addRun(DAG, run(DAG, 'failed'));
    await verdictIs(app, DAG, 'failed');
    airflow.fake.addRun(OTHER, run(OTHER, 'failed'));
    await until('all four accepted', async () => (receiver.accepted('/events').length === 4 ? true : null));

    const ofDag = receiver.to('/events').filter((d) => cloudEventOf(d).subject === DAG);
    const firstAccepted = ofDag.findIndex((d) => d.accepted);
    expect(ofDag.slice(0, 3).map((d) => d.status)).toEqual([429, 500, null]);
    // Every attempt of the first is the same notification, and nothing else of the DAG went before it was accepted.
    expect(new Set(ofDag.slice(0, firstAccepted + 1).map((d) => d.id))).toEqual(new Set([firstId]));
    expect(ofDag.slice(firstAccepted).map(typeOf)).toEqual(['failed', 'recovered', 'failed']);
    expect(ofDag.slice(firstAccepted).every((d) => d.accepted)).toBe(true);
    expect(ofDag.at(-1)!.id).not.toBe(firstId);
    // Retry-After: 3 is honoured (the backoff alone would have retried within a second).
    expect(ofDag[1].at - ofDag[0].at).toBeGreaterThanOrEqual(3000);
    const other = receiver.accepted('/events').find((d) => cloudEventOf(d).subject === OTHER)!;
    expect(other.at).toBeLessThan(ofDag[firstAccepted].at);
    const metrics = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(Number(/^airflow_status_notification_retries_total (\d+)$/m.exec(metrics)?.[1])).toBe(firstAccepted);
    expect(metrics).toContain('airflow_status_notifications_total{outcome="sent"} 4');
  });

  it('tell Airflow is unreachable and back, per DAG, and only the types NOTIFY_TYPES lists', async () => {
    const app = await airflow.start(
      { dags: { [DAG]: [run(DAG, 'success')], [OTHER]: [run(OTHER, 'success')] } },
      { NOTIFY_WEBHOOKS: `${receiver.url}/events`, NOTIFY_TYPES: 'airflow_unreachable,airflow_back' },
    );
    await verdictIs(app, DAG, null);
    airflow.fake.setScenario({ fault: 'reset' });
    await until('unreachable for both DAGs', async () => (receiver.accepted('/events').length === 2 ? true : null));
    airflow.fake.setScenario({ fault: 'none' });
    // The background syncs back off while Airflow fails; a reader's request is what syncs at once.
    await verdictIs(app, DAG, null);
    await until('back for both DAGs', async () => (receiver.accepted('/events').length === 4 ? true : null));
    const byDag = (dagId: string) =>
      receiver
        .to('/events')
        .filter((d) => cloudEventOf(d).subject === dagId)
        .map(typeOf);
    expect(byDag(DAG)).toEqual(['airflow_unreachable', 'airflow_back']);
    expect(byDag(OTHER)).toEqual(['airflow_unreachable', 'airflow_back']);
    expect(cloudEventOf(receiver.to('/events')[0]).data).toMatchObject({
      reason: 'airflow_unreachable',
      airflow_error: { reason: 'airflow_unreachable' },
    });
    // failed is not listed: not sent.
    airflow.fake.addRun(DAG, run(DAG, 'failed'));
    await verdictIs(app, DAG, 'failed');
    await syncsMore(3);
    expect(receiver.deliveries).toHaveLength(4);
  });

  it('stop the start on a bad webhook URL or secret, naming the variable and not the value', async () => {
    await expect(airflow.start({}, { NOTIFY_WEBHOOKS: 'slack=hooks.slack.com/services/T0/B0/s3cr3t' })).rejects.toThrow(
      /^Invalid configuration: NOTIFY_WEBHOOKS its URL is not a URL/,
    );
    await expect(airflow.start({}, { NOTIFY_SECRETS: 'whsec_s3cr3t' })).rejects.toThrow(
      /^Invalid configuration: NOTIFY_SECRETS its secret is not a Standard Webhooks secret/,
    );
  });
});
