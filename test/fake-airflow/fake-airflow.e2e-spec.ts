/**
 * Proves that FakeAirflow's Airflow 3 (v2) answers match the OpenAPI documents of the INSTALLED pinned Airflow
 * (these tests fail, never skip, when they are missing), and pins what the service's own tests rely on without
 * asserting it: run ordering, token expiry and the Airflow 2 (v1) shapes. Its faults are asserted through the
 * service, by the suites that inject them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AirflowSpec, INSTALL_HINT, loadAirflowSpec, type SpecTarget, validateAgainstSpec } from './airflow-spec.js';
import { FakeAirflow, type FakeAirflowOptions } from './fake-airflow.js';

type JsonObject = Record<string, unknown>;

async function theSpec(): Promise<AirflowSpec> {
  try {
    return await loadAirflowSpec();
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(`Airflow OpenAPI spec unavailable: ${message.includes(INSTALL_HINT) ? message : `${message}\n${INSTALL_HINT}`}`, {
      cause: err,
    });
  }
}

async function expectMatchesSpec(target: SpecTarget, body: unknown): Promise<void> {
  expect({ target, errors: validateAgainstSpec(await theSpec(), target, body) }).toEqual({ target, errors: [] });
}

async function call(
  fake: FakeAirflow,
  path: string,
  init: { token?: string; basic?: [string, string]; login?: [string, string] } = {},
): Promise<{ status: number; contentType: string; headers: Headers; json: JsonObject }> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.basic) headers.authorization = `Basic ${Buffer.from(init.basic.join(':')).toString('base64')}`;
  const body = init.login && JSON.stringify({ username: init.login[0], password: init.login[1] });
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(`${fake.url}${path}`, { method: body ? 'POST' : 'GET', headers, body });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as JsonObject) : {};
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', headers: res.headers, json };
}

async function login(fake: FakeAirflow): Promise<string> {
  const r = await call(fake, '/auth/token', { login: ['airflow', 'airflow'] });
  expect(r.status).toBe(201);
  return r.json.access_token as string;
}

async function withFake(options: Partial<FakeAirflowOptions>, use: (fake: FakeAirflow) => Promise<void>): Promise<void> {
  const fake = await FakeAirflow.start(options);
  try {
    await use(fake);
  } finally {
    await fake.stop();
  }
}

const RUNS = '/api/v2/dags/{dag_id}/dagRuns';
const DAG = '/api/v2/dags/{dag_id}';

describe('the installed Airflow OpenAPI spec', () => {
  it('is found (run `npm run airflow:install` if this fails) and is the pinned 3.x', async () => {
    const spec = await theSpec();
    expect(spec.core.paths[RUNS]).toBeDefined();
    expect(spec.simpleAuth.paths['/auth/token']).toBeDefined();
    expect(spec.airflowVersion).toMatch(/^3\./);
  });

  it('really validates: missing required fields, wrong types, bad formats and enums, undeclared answers', async () => {
    const spec = await theSpec();
    const { id: _id, run_after: _dropped, ...withoutRunAfter } = FakeAirflow.run();
    const errors = (run: JsonObject): string =>
      validateAgainstSpec(spec, { path: RUNS, method: 'get', status: 200 }, { dag_runs: [run] }).join('\n');
    expect(errors(withoutRunAfter)).toMatch(/run_after/);
    expect(errors({ ...withoutRunAfter, run_after: 5 })).toMatch(/run_after.*string/);
    expect(errors({ ...withoutRunAfter, run_after: 'yesterday' })).toMatch(/run_after.*format/);
    expect(errors({ ...withoutRunAfter, run_after: '2025-01-01T00:00:00Z', state: 'done' })).toMatch(/state/);
    expect(errors({ ...withoutRunAfter, run_after: '2025-01-01T00:00:00Z' })).toBe('');
    expect(validateAgainstSpec(spec, { path: '/api/v2/nope', method: 'get', status: 200 }, {})).toHaveLength(1);
    expect(validateAgainstSpec(spec, { path: RUNS, method: 'get', status: 418 }, {})).toHaveLength(1);
  });
});

describe('FakeAirflow v2: runs by state and task instances (issue #9) match the spec', () => {
  const TASKS = '/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances';
  const failed = FakeAirflow.run({ state: 'failed' });
  const succeeded = FakeAirflow.run({ state: 'success' });
  let fake: FakeAirflow;
  beforeAll(async () => {
    fake = await FakeAirflow.start({
      dags: { my_dag: [succeeded, failed] },
      tasks: {
        [failed.dag_run_id]: [
          { task_id: 'load', state: 'success' },
          { task_id: 'train', state: 'failed' },
          { task_id: 'evaluate', state: 'upstream_failed' },
        ],
      },
    });
  });
  afterAll(async () => fake.stop());

  it('filters runs by state (repeatable), as Airflow does', async () => {
    const token = await login(fake);
    const only = await call(fake, '/api/v2/dags/my_dag/dagRuns?order_by=-run_after&limit=1&state=success', { token });
    expect((only.json.dag_runs as JsonObject[]).map((r) => r.dag_run_id)).toEqual([succeeded.dag_run_id]);
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, only.json);
    const both = await call(fake, '/api/v2/dags/my_dag/dagRuns?order_by=-run_after&state=success&state=failed', { token });
    expect(both.json.dag_runs).toHaveLength(2);
  });

  it("GET .../taskInstances: a run's task instances by state, 404 for an unknown run", async () => {
    const token = await login(fake);
    const path = `/api/v2/dags/my_dag/dagRuns/${encodeURIComponent(failed.dag_run_id)}/taskInstances`;
    const all = await call(fake, path, { token });
    expect(all.json.task_instances).toHaveLength(3);
    await expectMatchesSpec({ path: TASKS, method: 'get', status: 200 }, all.json);
    const broken = await call(fake, `${path}?state=failed&state=upstream_failed&limit=100`, { token });
    expect((broken.json.task_instances as JsonObject[]).map((t) => [t.task_id, t.state])).toEqual([
      ['train', 'failed'],
      ['evaluate', 'upstream_failed'],
    ]);
    await expectMatchesSpec({ path: TASKS, method: 'get', status: 200 }, broken.json);
    const missing = await call(fake, '/api/v2/dags/my_dag/dagRuns/nope/taskInstances', { token });
    expect(missing.status).toBe(404);
    await expectMatchesSpec({ path: TASKS, method: 'get', status: 404 }, missing.json);
  });
});

describe('FakeAirflow v2 (Airflow 3) answers match the spec', () => {
  let fake: FakeAirflow;
  beforeAll(async () => {
    fake = await FakeAirflow.start({
      dags: {
        my_dag: [
          FakeAirflow.run({ state: 'success' }),
          FakeAirflow.run({ state: 'running', run_type: 'manual', logical_date: null, note: 'a note' }),
          FakeAirflow.run({ state: 'queued', run_type: 'backfill' }),
        ],
        empty_dag: [],
      },
    });
  });
  afterAll(async () => fake.stop());

  it('POST /auth/token: 201 with a JWT whose exp and iat the service reads, 401 for wrong credentials', async () => {
    const r = await call(fake, '/auth/token', { login: ['airflow', 'airflow'] });
    expect(r.status).toBe(201);
    await expectMatchesSpec({ path: '/auth/token', method: 'post', status: 201 }, r.json);
    const claims = JSON.parse(Buffer.from((r.json.access_token as string).split('.')[1], 'base64url').toString()) as JsonObject;
    expect(claims.exp).toBe((claims.iat as number) + 3600);

    const bad = await call(fake, '/auth/token', { login: ['airflow', 'nope'] });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ detail: 'Invalid credentials' });
    await expectMatchesSpec({ path: '/auth/token', method: 'post', status: 401 }, bad.json);
  });

  it('GET /api/v2/monitor/health is public', async () => {
    const health = await call(fake, '/api/v2/monitor/health');
    expect(health.status).toBe(200);
    await expectMatchesSpec({ path: '/api/v2/monitor/health', method: 'get', status: 200 }, health.json);
  });

  it('GET /api/v2/dags/{dag_id}: the DAG, or 404 for an unknown one', async () => {
    const token = await login(fake);
    const dag = await call(fake, '/api/v2/dags/my_dag', { token });
    expect(dag.status).toBe(200);
    expect(dag.json).toMatchObject({ dag_id: 'my_dag', is_paused: false });
    await expectMatchesSpec({ path: DAG, method: 'get', status: 200 }, dag.json);

    const missing = await call(fake, '/api/v2/dags/ghost', { token });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ detail: 'The Dag with ID: `ghost` was not found' });
    await expectMatchesSpec({ path: DAG, method: 'get', status: 404 }, missing.json);
  });

  it('GET /api/v2/dags/{dag_id}/dagRuns: the runs, none, 404 for an unknown DAG, 400 for a v1 sort key', async () => {
    const token = await login(fake);
    const runs = await call(fake, '/api/v2/dags/my_dag/dagRuns?order_by=-run_after&limit=10', { token });
    expect(runs.status).toBe(200);
    expect(runs.json.dag_runs).toHaveLength(3);
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, runs.json);

    const none = await call(fake, '/api/v2/dags/empty_dag/dagRuns', { token });
    expect(none.json).toMatchObject({ dag_runs: [] });
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, none.json);

    const missing = await call(fake, '/api/v2/dags/ghost/dagRuns', { token });
    expect(missing.status).toBe(404);
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 404 }, missing.json);

    const badSort = await call(fake, '/api/v2/dags/my_dag/dagRuns?order_by=-execution_date', { token });
    expect(badSort.status).toBe(400);
    expect(badSort.json).toEqual({ detail: "Ordering with 'execution_date' is disallowed or the attribute does not exist on the model" });
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 400 }, badSort.json);
  });

  it('refuses: 401 without token, 403 a forged one, 401 an expired one (forced or by the clock), 403 after a secret change', async () => {
    const path = '/api/v2/dags/my_dag/dagRuns';
    const expectRefusal = async (token: string | undefined, status: number, detail: string): Promise<void> => {
      const r = await call(fake, path, { token });
      expect({ status: r.status, body: r.json }).toEqual({ status, body: { detail } });
      await expectMatchesSpec({ path: RUNS, method: 'get', status }, r.json);
    };
    await expectRefusal(undefined, 401, 'Not authenticated');
    expect((await call(fake, path, { basic: ['airflow', 'airflow'] })).status).toBe(401);
    await expectRefusal('not-a-jwt', 403, 'Invalid JWT token');
    const token = await login(fake);
    const [header, payload] = token.split('.');
    await expectRefusal(`${header}.${payload}.AAAA`, 403, 'Invalid JWT token');

    expect((await call(fake, path, { token })).status).toBe(200);
    fake.expireTokensNow();
    await expectRefusal(token, 401, 'Token Expired');

    fake.setScenario({ now: () => Date.now() - 2 * 3_600_000 });
    const mintedLongAgo = await login(fake);
    fake.setScenario({ now: () => Date.now() });
    await expectRefusal(mintedLongAgo, 401, 'Token Expired');

    const fresh = await login(fake);
    fake.rotateSecret();
    await expectRefusal(fresh, 403, 'Invalid JWT token');
  });
});

describe('run ordering (Airflow on SQLite: NULL sorts first ascending, last descending; ties on id)', () => {
  const old = FakeAirflow.run({ dag_run_id: 'scheduled__old', logical_date: '2025-03-01T00:00:00Z', run_after: '2025-03-01T00:00:00Z' });
  const newestManual = FakeAirflow.run({
    dag_run_id: 'manual__newest',
    run_type: 'manual',
    logical_date: null,
    run_after: '2025-03-02T12:00:00Z',
  });

  it('-run_after shows the newest manual run, -logical_date hides it; default is id ascending; limit applies', async () => {
    await withFake({ dags: { lab: [newestManual, old] } }, async (fake) => {
      const token = await login(fake);
      const ids = async (query: string): Promise<string[]> =>
        ((await call(fake, `/api/v2/dags/lab/dagRuns${query}`, { token })).json.dag_runs as JsonObject[]).map(
          (r) => r.dag_run_id as string,
        );
      expect(await ids('?order_by=-run_after&limit=1')).toEqual(['manual__newest']);
      expect(await ids('?order_by=-logical_date&limit=1')).toEqual(['scheduled__old']);
      expect(await ids('?order_by=logical_date')).toEqual(['manual__newest', 'scheduled__old']);
      expect(await ids('')).toEqual(['scheduled__old', 'manual__newest']);
    });
  });
});

describe('FakeAirflow v1 (Airflow 2: basic auth, problem+json)', () => {
  const runs = [
    FakeAirflow.run({ dag_run_id: 'scheduled__1', run_after: '2025-01-01T00:00:00Z' }),
    FakeAirflow.run({ dag_run_id: 'manual__2', run_type: 'manual', logical_date: null, run_after: '2025-01-05T00:00:00Z' }),
  ];
  const basic: [string, string] = ['airflow', 'airflow'];

  it('health, DAG, and runs by -execution_date, a manual run dated by its trigger time', async () => {
    await withFake({ apiVersion: 'v1', dags: { d: runs } }, async (fake) => {
      const health = await call(fake, '/api/v1/health');
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy' } });
      expect((await call(fake, '/api/v1/dags/d', { basic })).json).toMatchObject({ dag_id: 'd', is_paused: false });

      const r = await call(fake, '/api/v1/dags/d/dagRuns?order_by=-execution_date&limit=1', { basic });
      expect(r.status).toBe(200);
      expect(r.json.dag_runs).toEqual([
        expect.objectContaining({
          dag_run_id: 'manual__2',
          execution_date: '2025-01-05T00:00:00+00:00',
          logical_date: '2025-01-05T00:00:00+00:00',
          external_trigger: true,
          run_type: 'manual',
        }),
      ]);
    });
  });

  it('problem+json errors: 401 (with WWW-Authenticate), 404 DAG, 400 for a v2 sort key; an unknown DAG has no runs', async () => {
    await withFake({ apiVersion: 'v1', dags: { d: runs } }, async (fake) => {
      const typeBase = 'https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/';
      const refused = await call(fake, '/api/v1/dags/d/dagRuns', { basic: ['airflow', 'bad'] });
      expect(refused.status).toBe(401);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('www-authenticate')).toBe('Basic');
      expect(refused.json).toEqual({ detail: null, status: 401, title: 'Unauthorized', type: `${typeBase}Unauthenticated` });
      expect((await call(fake, '/api/v1/dags/d', { token: 'x' })).status).toBe(401);

      const missing = await call(fake, '/api/v1/dags/ghost', { basic });
      expect(missing.json).toEqual({
        detail: 'The DAG with dag_id: ghost was not found',
        status: 404,
        title: 'DAG not found',
        type: `${typeBase}NotFound`,
      });

      const badSort = await call(fake, '/api/v1/dags/d/dagRuns?order_by=-run_after', { basic });
      expect(badSort.status).toBe(400);
      expect(badSort.json.detail).toBe("Ordering with 'run_after' is disallowed or the attribute does not exist on the model");

      expect((await call(fake, '/api/v1/dags/ghost/dagRuns', { basic })).json).toEqual({ dag_runs: [], total_entries: 0 });
    });
  });

  it('has no Airflow 3 routes: /api/v2/monitor/health and /auth/token are the HTML 404 page', async () => {
    await withFake({ apiVersion: 'v1', dags: { d: runs } }, async (fake) => {
      const health = await call(fake, '/api/v2/monitor/health');
      expect(health.status).toBe(404);
      expect(health.contentType).toMatch(/^text\/html/);
      expect((await call(fake, '/auth/token', { login: basic })).status).toBe(404);
    });
  });
});
