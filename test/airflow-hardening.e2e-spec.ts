import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';
import { until } from './support/service-process.js';

const DAG = 'Airflow_Lab2';
const PASSWORD = 'pw-9f3c1e77';
const BASIC_PAIR = Buffer.from(`airflow:${PASSWORD}`).toString('base64');
/** Allowed DAGs that only the JSON API reads, more of them than the shared pool has sockets (AIRFLOW_MAX_CONCURRENCY, 4). */
const OTHERS = Array.from({ length: 12 }, (_, i) => `Other_${i}`);

const airflow = againstFakeAirflow({
  AIRFLOW_PASSWORD: PASSWORD,
  ALLOWED_DAG_IDS: [DAG, ...OTHERS].join(','),
  STATUS_CACHE_TTL_MS: '0',
});

const USERS = { users: { airflow: PASSWORD } };

describe('nothing from upstream reaches a client unfiltered', () => {
  it.each([
    ['a token login', { AIRFLOW_API_VERSION: 'v2', AIRFLOW_AUTH: 'jwt' }],
    ['a login found by auto-detection', { AIRFLOW_API_VERSION: 'v2' }],
    ['HTTP basic', { AIRFLOW_API_VERSION: 'v2', AIRFLOW_AUTH: 'basic' }],
    ['Airflow 2', { AIRFLOW_API_VERSION: 'v1' }],
  ])('an Airflow that echoes the request (%s) in its error text shows no credential', async (_name, env) => {
    const app = await airflow.start({ ...USERS, fault: 'echo' }, env);
    const http = request(app.getHttpServer());
    const answers = [
      await http.get(`/api/dags/${DAG}/status`).expect(502),
      await http.get(`/api/dags/${DAG}/runs?limit=5`).expect(502),
      await http.get('/health/ready').expect(503),
      await http.get('/failure').set('Accept', 'application/json').expect(200),
      await http.get('/failure').expect(200),
    ];
    // The fake did echo the credentials: the test would prove nothing otherwise.
    expect(airflow.fake.calls.length).toBeGreaterThan(0);
    for (const answer of answers) {
      expect(answer.text).not.toContain(PASSWORD);
      expect(answer.text).not.toContain(BASIC_PAIR);
      expect(answer.text).not.toMatch(/Bad request (GET|POST)/);
    }
    expect(answers[0].body).toMatchObject({ reason: 'airflow_bad_response', message: expect.stringMatching(/HTTP 400/) });
  });
});

describe('AIRFLOW_TIMEOUT_MS is the deadline of one whole answer', () => {
  it('readiness answers within it, though the version probe, the token and the call each take most of it', async () => {
    // Each exchange alone fits in the timeout; the three in a row do not.
    const app = await airflow.start({ ...USERS, dags: { [DAG]: [] }, delayMs: 700 }, { AIRFLOW_TIMEOUT_MS: '1000' });
    const http = request(app.getHttpServer());
    const started = performance.now();
    const ready = await http.get('/health/ready').expect(503);
    const elapsed = performance.now() - started;
    expect(ready.body.error.airflow).toMatchObject({ reason: 'airflow_timeout' });
    // The deadline plus room for a loaded machine, well under the 2.1 s the three calls take.
    expect(elapsed).toBeLessThan(1_700);
  });
});

describe('fair reads', () => {
  it('one read per DAG per TTL, whatever the limits asked', async () => {
    const app = await airflow.start(
      { ...USERS, dags: { [DAG]: Array.from({ length: 120 }, () => FakeAirflow.run({ dag_id: DAG })) } },
      { STATUS_CACHE_TTL_MS: '60000' },
    );
    const http = request(app.getHttpServer());
    for (let limit = 1; limit <= 100; limit++) {
      const res = await http.get(`/api/dags/${DAG}/runs?limit=${limit}`).expect(200);
      expect(res.body.runs).toHaveLength(limit);
    }
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    // The mirror's first read of the DAG (ten runs) and one of a hundred for the larger limits; once held, none.
    const reads = airflow.fake.callsTo(`/api/v2/dags/${DAG}/dagRuns`);
    expect(reads).toBeLessThanOrEqual(3);
    for (let limit = 100; limit >= 1; limit -= 7) await http.get(`/api/dags/${DAG}/runs?limit=${limit}`).expect(200);
    expect(airflow.fake.callsTo(`/api/v2/dags/${DAG}/dagRuns`)).toBe(reads);
  });

  it('the pages and readiness do not wait behind JSON-API reads that fill the shared sockets', async () => {
    // Every other DAG's read hangs and holds a socket of the shared pool until its deadline.
    const dags = Object.fromEntries([DAG, ...OTHERS].map((id) => [id, [FakeAirflow.run({ dag_id: id })]]));
    const app = await airflow.start({ ...USERS, dags, hangDags: OTHERS }, { AIRFLOW_TIMEOUT_MS: '20000' });
    const http = request(app.getHttpServer());
    await http.get('/health/ready').expect(200); // version, token: known before the flood
    const flood = OTHERS.map((id) => http.get(`/api/dags/${id}/runs?limit=${(id.length % 100) + 1}`).then((res) => res.status));
    await until(
      'every DAG read, or the shared pool full',
      async () => (OTHERS.every((id) => airflow.fake.calls.some((c) => namesDag(c.path, id))) || sharedPoolFull() ? true : null),
      10_000,
    );
    const started = performance.now();
    await http.get('/').expect(302).expect('Location', '/success');
    await http.get('/health/ready').expect(200);
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    // Without a lane of their own these waited for the hung reads' 20 s deadline.
    expect(performance.now() - started).toBeLessThan(5_000);
    airflow.fake.setScenario({ hangDags: [] });
    await airflow.fake.restart(); // drops the hung reads' sockets: their retry gets an answer
    await Promise.allSettled(flood);
  }, 30_000);
});

/** Whether a call is about that DAG (its details, its runs), not another whose id it starts with. */
const namesDag = (path: string, dagId: string) => new RegExp(`/dags/${dagId}(/|$)`).test(path);

/** Four hung reads hold the whole shared pool: the rest queue inside the service and never reach the fake. */
function sharedPoolFull(): boolean {
  return airflow.fake.calls.filter((c) => OTHERS.some((id) => namesDag(c.path, id))).length >= 4;
}
