/**
 * Proves that FakeAirflow's Airflow 3 (v2) answers match the OpenAPI documents of the INSTALLED pinned Airflow
 * (these tests fail, never skip, when they are missing), and pins what the service's own tests rely on without
 * asserting it: run ordering, token expiry, the Airflow 2 (v1) shapes, and what a mirror synced by change
 * relies on (updated_at on Airflow's clock, cursor pages, the DAG list). Its faults are asserted through the
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

// Parsing the installed spec takes seconds on a loaded machine: once, here, rather than inside a test's 5 s.
beforeAll(async () => {
  await theSpec();
}, 60_000);

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

  it('GET /api/v2/monitor/health says a component whose heartbeat is stale unhealthy, with that heartbeat', async () => {
    await withFake({ unhealthy: { scheduler: '2026-12-01T10:00:00+00:00' } }, async (down) => {
      const health = await call(down, '/api/v2/monitor/health');
      expect(health.json).toMatchObject({
        scheduler: { status: 'unhealthy', latest_scheduler_heartbeat: '2026-12-01T10:00:00+00:00' },
        dag_processor: { status: 'healthy' },
      });
      await expectMatchesSpec({ path: '/api/v2/monitor/health', method: 'get', status: 200 }, health.json);
    });
  });

  it('GET /api/v2/importErrors: the files that fail to import, paged, as ImportErrorCollectionResponse; 400 for a bad order_by', async () => {
    const trace = 'Traceback (most recent call last):\n  File "my_dag.py", line 1\nSyntaxError: \'(\' was never closed\n';
    const importErrors = [
      { filename: FakeAirflow.fileOf('my_dag'), stack_trace: trace },
      { filename: 'other.py', stack_trace: 'boom', bundle_name: null },
    ];
    await withFake({ importErrors, dags: { my_dag: [] } }, async (broken) => {
      const token = await login(broken);
      const all = await call(broken, '/api/v2/importErrors?limit=100&offset=0', { token });
      expect(all.status).toBe(200);
      expect(all.json).toMatchObject({
        import_errors: [
          { import_error_id: 1, filename: 'my_dag.py', bundle_name: 'dags-folder', stack_trace: trace },
          { bundle_name: null },
        ],
        total_entries: 2,
      });
      await expectMatchesSpec({ path: '/api/v2/importErrors', method: 'get', status: 200 }, all.json);
      // The DAG's relative_fileloc and bundle_name are what the import error names.
      expect((await call(broken, '/api/v2/dags/my_dag', { token })).json).toMatchObject({
        relative_fileloc: 'my_dag.py',
        bundle_name: 'dags-folder',
      });
      const page = await call(broken, '/api/v2/importErrors?limit=1&offset=1', { token });
      expect(page.json).toMatchObject({ import_errors: [{ filename: 'other.py' }], total_entries: 2 });
      expect((await call(broken, '/api/v2/importErrors?order_by=dag_id', { token })).status).toBe(400);
      expect((await call(broken, '/api/v2/importErrors')).status).toBe(401);
    });
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

describe("a DAG's runs due since a time, newest first, in offset pages (the mirror's past, issue 20)", () => {
  // Daily runs due on 1 to 5 November, each a day after its logical date.
  const daily = Array.from({ length: 5 }, (_, i) =>
    FakeAirflow.run({
      dag_run_id: `scheduled__${i}`,
      run_after: `2026-11-0${i + 1}T00:00:00Z`,
      logical_date: new Date(Date.UTC(2026, 10, i)).toISOString(),
    }),
  );

  it('v2: run_after_gte with order_by=-run_after, limit and offset, as DAGRunCollectionResponse', async () => {
    await withFake({ dags: { d: daily } }, async (fake) => {
      const token = await login(fake);
      const page = (offset: number) =>
        call(fake, `/api/v2/dags/d/dagRuns?run_after_gte=2026-11-02T00:00:00Z&order_by=-run_after&limit=2&offset=${offset}`, { token });
      const first = await page(0);
      expect(first.status).toBe(200);
      await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, first.json);
      expect((first.json.dag_runs as JsonObject[]).map((run) => run.dag_run_id)).toEqual(['scheduled__4', 'scheduled__3']);
      expect(first.json.total_entries).toBe(4);
      const last = await page(3);
      expect((last.json.dag_runs as JsonObject[]).map((run) => run.dag_run_id)).toEqual(['scheduled__1']);
    });
  });

  it('v1: execution_date_gte with order_by=-execution_date (strict parameters)', async () => {
    await withFake({ apiVersion: 'v1', dags: { d: daily } }, async (fake) => {
      const r = await call(
        fake,
        '/api/v1/dags/d/dagRuns?execution_date_gte=2026-11-01T00:00:00%2B00:00&order_by=-execution_date&limit=100&offset=0',
        {
          basic: ['airflow', 'airflow'],
        },
      );
      expect(r.status).toBe(200);
      expect((r.json.dag_runs as JsonObject[]).map((run) => run.dag_run_id)).toEqual([
        'scheduled__4',
        'scheduled__3',
        'scheduled__2',
        'scheduled__1',
      ]);
      expect(r.json.dag_runs).toEqual(expect.arrayContaining([expect.objectContaining({ data_interval_end: expect.any(String) })]));
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

  it('GET /api/v1/importErrors: ImportErrorCollection with absolute file names, strict parameters; health says a stale scheduler unhealthy', async () => {
    const importErrors = [{ filename: FakeAirflow.fileOf('d', 'v1'), stack_trace: 'Traceback (most recent call last):\nValueError: x' }];
    await withFake(
      { apiVersion: 'v1', dags: { d: runs }, importErrors, unhealthy: { scheduler: '2026-12-01T10:00:00+00:00' } },
      async (fake) => {
        const all = await call(fake, '/api/v1/importErrors?limit=100&offset=0', { basic });
        expect(all.json).toEqual({
          import_errors: [
            {
              import_error_id: 1,
              timestamp: '2025-01-01T00:00:00+00:00',
              filename: '/opt/airflow/dags/d.py',
              stack_trace: importErrors[0].stack_trace,
            },
          ],
          total_entries: 1,
        });
        expect((await call(fake, '/api/v1/dags/d', { basic })).json).toMatchObject({ fileloc: '/opt/airflow/dags/d.py' });
        expect((await call(fake, '/api/v1/importErrors?exclude_stale=false', { basic })).status).toBe(400);
        expect((await call(fake, '/api/v1/health')).json).toMatchObject({ scheduler: { status: 'unhealthy' } });
      },
    );
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

// ---- the mirror's reads (issue #17): runs across every DAG, the DAG list, Airflow's clock ----------------

const DAG_LIST = '/api/v2/dags';
type Run = { dag_id: string; dag_run_id: string; state: string };
const runIds = (body: JsonObject): string[] => (body.dag_runs as Run[]).map((r) => `${r.dag_id}/${r.dag_run_id}`);
const dagIds = (body: JsonObject): string[] => (body.dags as JsonObject[]).map((d) => d.dag_id as string);
const MINUTE = 60_000;

describe('FakeAirflow v2: the DAG list and runs across every DAG (~) match the spec', () => {
  const many = FakeAirflow.manyDags(3, 2, { tags: (i) => (i === 0 ? ['etl', 'daily'] : ['ml']) });
  let fake: FakeAirflow;
  let token: string;
  beforeAll(async () => {
    fake = await FakeAirflow.start({
      dags: many.dags,
      dagAttributes: {
        ...many.dagAttributes,
        dag_1: {
          tags: ['ml'],
          owners: ['alice', 'bob'],
          is_paused: true,
          has_import_errors: true,
          next_dagrun_run_after: '2026-02-01T00:00:00Z',
        },
        dag_2: { tags: ['ml'], timetable_summary: '0 0 * * *', timetable_description: 'At 00:00', description: 'a DAG' },
      },
    });
    token = await login(fake);
  });
  afterAll(async () => fake.stop());

  it('GET /api/v2/dags: DAGCollectionResponse of DAGResponses with the attributes set; one DAG serves the same', async () => {
    const list = await call(fake, '/api/v2/dags', { token });
    expect(list.status).toBe(200);
    await expectMatchesSpec({ path: DAG_LIST, method: 'get', status: 200 }, list.json);
    expect(list.json.total_entries).toBe(3);
    const [, second, third] = list.json.dags as JsonObject[];
    expect(second).toMatchObject({ dag_id: 'dag_1', is_paused: true, has_import_errors: true, owners: ['alice', 'bob'] });
    expect(second).toMatchObject({
      next_dagrun_run_after: '2026-02-01T00:00:00Z',
      tags: [{ name: 'ml', dag_id: 'dag_1', dag_display_name: 'dag_1' }],
    });
    expect(third).toMatchObject({ timetable_summary: '0 0 * * *', timetable_description: 'At 00:00', description: 'a DAG' });
    const one = await call(fake, '/api/v2/dags/dag_1', { token });
    await expectMatchesSpec({ path: DAG, method: 'get', status: 200 }, one.json);
    expect(one.json).toEqual(second);
    // DAGResponse sorts tags by name.
    expect(((list.json.dags as JsonObject[])[0].tags as JsonObject[]).map((t) => t.name)).toEqual(['daily', 'etl']);
  });

  it('GET /api/v2/dags?tags_match_mode=some: 422 (HTTPValidationError)', async () => {
    const bad = await call(fake, '/api/v2/dags?tags=ml&tags_match_mode=some', { token });
    expect(bad.status).toBe(422);
    await expectMatchesSpec({ path: DAG_LIST, method: 'get', status: 422 }, bad.json);
  });

  it('GET /api/v2/dags/~/dagRuns: an offset page, cursor pages both ways, an empty page; 3.3 carries the cursor fields', async () => {
    const offset = await call(fake, '/api/v2/dags/~/dagRuns?limit=4&offset=1', { token });
    expect(offset.status).toBe(200);
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, offset.json);
    expect(offset.json).toMatchObject({ total_entries: 6, total_entries_limit: null, next_cursor: null, previous_cursor: null });
    expect(offset.json.dag_runs).toHaveLength(4);

    const first = await call(fake, '/api/v2/dags/~/dagRuns?limit=4&cursor=', { token });
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, first.json);
    expect(first.json).toMatchObject({ total_entries: 6, total_entries_limit: 50_000, previous_cursor: null });
    expect(first.json.next_cursor).toEqual(expect.any(String));
    const second = await call(fake, `/api/v2/dags/~/dagRuns?limit=4&cursor=${first.json.next_cursor as string}`, { token });
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, second.json);
    expect(second.json).toMatchObject({ next_cursor: null, previous_cursor: expect.stringMatching(/^~/) });
    expect([...runIds(first.json), ...runIds(second.json)]).toEqual(
      Object.values(many.dags).flatMap((runs) => runs.map((r) => `${r.dag_id}/${r.dag_run_id}`)),
    );
    const back = await call(fake, `/api/v2/dags/~/dagRuns?limit=4&cursor=${second.json.previous_cursor as string}`, { token });
    expect(runIds(back.json)).toEqual(runIds(first.json));
    expect(back.json).toMatchObject({ previous_cursor: null, next_cursor: expect.any(String) });

    const empty = await call(fake, '/api/v2/dags/~/dagRuns?updated_at_gte=2099-01-01T00:00:00Z&cursor=', { token });
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, empty.json);
    expect(empty.json).toEqual({ dag_runs: [], total_entries: 0, total_entries_limit: 50_000, next_cursor: null, previous_cursor: null });
  });

  it('400 for an order_by Airflow refuses and for a bad or mismatched cursor; 422 for a datetime whose + came unencoded', async () => {
    const badSort = await call(fake, '/api/v2/dags/~/dagRuns?order_by=-execution_date', { token });
    expect(badSort.status).toBe(400);
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 400 }, badSort.json);

    const garbage = await call(fake, '/api/v2/dags/~/dagRuns?cursor=not*base64', { token });
    expect({ status: garbage.status, body: garbage.json }).toEqual({ status: 400, body: { detail: 'Invalid cursor token' } });
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 400 }, garbage.json);
    const byUpdate = await call(fake, '/api/v2/dags/~/dagRuns?order_by=updated_at&limit=1&cursor=', { token });
    const mismatch = await call(fake, `/api/v2/dags/~/dagRuns?limit=1&cursor=${byUpdate.json.next_cursor as string}`, { token });
    expect(mismatch.json).toEqual({ detail: 'Cursor token does not match current query shape' });

    const raw = await call(fake, '/api/v2/dags/~/dagRuns?updated_at_gte=2026-01-01T00:00:00+00:00', { token });
    expect(raw.status).toBe(422);
    await expectMatchesSpec({ path: RUNS, method: 'get', status: 422 }, raw.json);
    const encoded = await call(fake, `/api/v2/dags/~/dagRuns?updated_at_gte=${encodeURIComponent('2026-01-01T00:00:00+00:00')}`, { token });
    expect(encoded.status).toBe(200);
    const badState = await call(fake, '/api/v2/dags/~/dagRuns?state=done', { token });
    expect({ status: badState.status, body: badState.json }).toEqual({
      status: 422,
      body: { detail: 'Invalid value for state. Valid values are queued, running, success, failed' },
    });
  });

  it('cursorPagination: false answers as Airflow 3.0–3.2: cursor ignored, no cursor fields', async () => {
    fake.setScenario({ cursorPagination: false });
    try {
      const page = await call(fake, '/api/v2/dags/~/dagRuns?limit=4&cursor=', { token });
      await expectMatchesSpec({ path: RUNS, method: 'get', status: 200 }, page.json);
      expect(Object.keys(page.json).sort()).toEqual(['dag_runs', 'total_entries']);
      expect(page.json.total_entries).toBe(6);
      const next = await call(fake, '/api/v2/dags/~/dagRuns?limit=4&offset=4&cursor=whatever', { token });
      expect(next.json.dag_runs).toHaveLength(2);
      const one = await call(fake, '/api/v2/dags/dag_0/dagRuns', { token });
      expect(Object.keys(one.json).sort()).toEqual(['dag_runs', 'total_entries']);
    } finally {
      fake.setScenario({ cursorPagination: true });
    }
  });
});

describe("runs' updated_at, on Airflow's clock", () => {
  let clock = Date.UTC(2026, 2, 1, 12, 0, 0, 250);
  const skew = 90 * MINUTE; // Airflow's clock runs 1 h 30 min ahead of ours
  const a = FakeAirflow.run({ dag_id: 'd', dag_run_id: 'a' });
  const b = FakeAirflow.run({ dag_id: 'd', dag_run_id: 'b' });
  const o = FakeAirflow.run({ dag_id: 'other', dag_run_id: 'o', updated_at: '2026-01-01T00:00:00Z' });
  const runs = (query: string, fake: FakeAirflow): Promise<string[]> =>
    call(fake, `/api/v2/dags/~/dagRuns?${query}`).then((r) => runIds(r.json));
  const at = (ms: number): string => encodeURIComponent(new Date(ms).toISOString());

  it('stamps new and changed runs (setScenario diffs by dag_run_id, touchRun, addRun), pins a given one, serves none of it', async () => {
    await withFake({ auth: 'none', now: () => clock, clockSkewMs: skew, dags: { d: [a, b], other: [o] } }, async (fake) => {
      const first = await call(fake, '/api/v2/dags/~/dagRuns');
      // The Date header is Airflow's clock, to the second, as HTTP dates are.
      expect(first.headers.get('date')).toBe(new Date(clock + skew).toUTCString());
      expect(first.headers.get('date')).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect((first.json.dag_runs as JsonObject[]).every((r) => !('updated_at' in r) && !('id' in r))).toBe(true);
      const watermark = Date.parse(first.headers.get('date')!);

      clock += MINUTE;
      fake.setScenario({ dags: { d: [{ ...a, state: 'failed' }, b], other: [o] } }); // a changes, b and o do not
      fake.addRun('d', FakeAirflow.run({ dag_id: 'd', dag_run_id: 'c', state: 'running' }));
      // The header has whole seconds: a watermark taken from it overlaps (b, stamped 250 ms later, again), never misses.
      expect(await runs(`updated_at_gte=${at(watermark)}`, fake)).toEqual(['d/a', 'd/b', 'd/c']);
      expect(await runs(`updated_at_gte=${at(watermark + 1_000)}`, fake)).toEqual(['d/a', 'd/c']);
      // The same instant on our own clock is 1 h 30 earlier on Airflow's: b again.
      expect(await runs(`updated_at_gte=${at(watermark + 1_000 - skew)}`, fake)).toEqual(['d/a', 'd/b', 'd/c']);
      expect(await runs(`updated_at_lt=${at(watermark + 1_000)}`, fake)).toEqual(['d/b', 'other/o']);
      expect(await runs('updated_at_lte=2026-01-01T00:00:00Z', fake)).toEqual(['other/o']);
      expect(await runs('updated_at_gt=2026-01-01T00:00:00Z&updated_at_lte=2026-01-01T00:00:00Z', fake)).toEqual([]);

      clock += MINUTE;
      const touched = fake.touchRun('d', 'b', { state: 'failed', note: 'retried' });
      expect(touched).toMatchObject({ dag_run_id: 'b', state: 'failed', note: 'retried' });
      expect(await runs(`updated_at_gte=${at(clock + skew)}`, fake)).toEqual(['d/b']);
      expect(await runs(`updated_at_gte=${at(clock + skew)}&order_by=-updated_at`, fake)).toEqual(['d/b']);
      expect(await runs('order_by=updated_at', fake)).toEqual(['other/o', 'd/a', 'd/c', 'd/b']);
      expect(() => fake.touchRun('d', 'nope')).toThrow(/no run nope/);
    });
  });

  it('reset() goes back to the runs given to start(), stamping those that changed since', async () => {
    await withFake({ auth: 'none', now: () => clock, dags: { d: [a, b] } }, async (fake) => {
      clock += MINUTE;
      fake.touchRun('d', 'a', { state: 'failed' });
      clock += MINUTE;
      fake.reset();
      expect(await runs(`updated_at_gte=${at(clock)}`, fake)).toEqual(['d/a']);
      expect((await call(fake, '/api/v2/dags/d/dagRuns?state=failed')).json.dag_runs).toEqual([]);
    });
  });
});

describe("paging through every DAG's runs", () => {
  it('more runs than one page: limit capped at 100, cursor pages and offset pages each give every run once', async () => {
    const many = FakeAirflow.manyDags(30, 5);
    const everyRun = Object.values(many.dags).flatMap((runs) => runs.map((r) => `${r.dag_id}/${r.dag_run_id}`));
    await withFake({ auth: 'none', ...many }, async (fake) => {
      const byCursor: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const page = await call(fake, `/api/v2/dags/~/dagRuns?limit=1000&cursor=${cursor}`);
        expect(page.json.dag_runs).toHaveLength(byCursor.length === 0 ? 100 : 50);
        expect(page.json.total_entries).toBe(150);
        byCursor.push(...runIds(page.json));
        cursor = page.json.next_cursor as string | null;
      }
      expect(byCursor).toEqual(everyRun);
      const byOffset = [
        ...runIds((await call(fake, '/api/v2/dags/~/dagRuns?limit=100')).json),
        ...runIds((await call(fake, '/api/v2/dags/~/dagRuns?limit=100&offset=100')).json),
      ];
      expect(byOffset).toEqual(everyRun);
      // Default limit 50, newest id first with -id, states filtered.
      expect((await call(fake, '/api/v2/dags/~/dagRuns?order_by=-id')).json.dag_runs).toHaveLength(50);
      expect(runIds((await call(fake, '/api/v2/dags/~/dagRuns?order_by=-id&limit=1')).json)).toEqual([everyRun.at(-1)]);
      expect((await call(fake, '/api/v2/dags/~/dagRuns?state=failed')).json.total_entries).toBe(0);
    });
  });

  it('a run that changes between two cursor pages is neither lost nor served twice; offset pages lose one (as Airflow 3.0–3.2)', async () => {
    let clock = Date.UTC(2026, 2, 1);
    const five = ['r1', 'r2', 'r3', 'r4', 'r5'].map((id, i) =>
      FakeAirflow.run({ dag_id: 'd', dag_run_id: id, updated_at: new Date(clock - (5 - i) * MINUTE).toISOString() }),
    );
    const walk = async (fake: FakeAirflow, mode: 'cursor' | 'offset'): Promise<Run[]> => {
      const seen: Run[] = [];
      let next: string | null = '';
      for (let page = 0; next !== null; page++) {
        const query = mode === 'cursor' ? `cursor=${next}` : `offset=${page * 2}`;
        const r = await call(fake, `/api/v2/dags/~/dagRuns?order_by=updated_at&limit=2&${query}`);
        seen.push(...(r.json.dag_runs as Run[]));
        next = mode === 'cursor' ? (r.json.next_cursor as string | null) : (r.json.dag_runs as Run[]).length === 2 ? 'more' : null;
        if (page === 0) {
          // Between the first and the second page, the scheduler writes r1 (served already) and r4 (not yet).
          clock += MINUTE;
          fake.touchRun('d', 'r1', { state: 'failed' });
          fake.touchRun('d', 'r4', { state: 'failed' });
        }
      }
      return seen;
    };
    await withFake({ auth: 'none', now: () => clock, dags: { d: five } }, async (fake) => {
      const seen = await walk(fake, 'cursor');
      expect(seen.map((r) => r.dag_run_id)).toEqual(['r1', 'r2', 'r3', 'r5', 'r1', 'r4']);
      expect(seen.filter((r) => r.dag_run_id === 'r4')).toEqual([expect.objectContaining({ state: 'failed' })]);
      expect(seen.at(-2)).toMatchObject({ dag_run_id: 'r1', state: 'failed' });
    });
    clock = Date.UTC(2026, 2, 1);
    await withFake({ auth: 'none', now: () => clock, dags: { d: five } }, async (fake) => {
      expect((await walk(fake, 'offset')).map((r) => r.dag_run_id)).toEqual(['r1', 'r2', 'r5', 'r1', 'r4']); // r3 lost
    });
  });

  it('deleted runs and DAGs disappear from ~, from the DAG list and from the counts', async () => {
    const [x, y] = [FakeAirflow.run({ dag_id: 'keep', dag_run_id: 'x' }), FakeAirflow.run({ dag_id: 'keep', dag_run_id: 'y' })];
    const z = FakeAirflow.run({ dag_id: 'gone', dag_run_id: 'z' });
    await withFake({ auth: 'none', dags: { keep: [x, y], gone: [z] } }, async (fake) => {
      expect((await call(fake, '/api/v2/dags/~/dagRuns')).json.total_entries).toBe(3);
      fake.setScenario({ dags: { keep: [y] } });
      const after = await call(fake, '/api/v2/dags/~/dagRuns?cursor=');
      expect(runIds(after.json)).toEqual(['keep/y']);
      expect(after.json.total_entries).toBe(1);
      expect(dagIds((await call(fake, '/api/v2/dags')).json)).toEqual(['keep']);
      expect((await call(fake, '/api/v2/dags/gone/dagRuns')).status).toBe(404);
    });
  });

  it('at 5,000 DAGs × 10 runs, 50 runs touched are exactly the page updated_at_gte gives', async () => {
    let clock = Date.UTC(2026, 2, 1);
    const many = FakeAirflow.manyDags(5_000, 10);
    await withFake({ auth: 'none', now: () => clock, ...many }, async (fake) => {
      clock += MINUTE;
      const touched = Object.keys(many.dags)
        .filter((_, i) => i % 100 === 7)
        .map((dagId) => fake.touchRun(dagId, many.dags[dagId][9].dag_run_id, { state: 'failed' }));
      expect(touched).toHaveLength(50);
      const page = await call(
        fake,
        `/api/v2/dags/~/dagRuns?updated_at_gte=${encodeURIComponent(new Date(clock).toISOString())}&limit=100&cursor=`,
      );
      expect(runIds(page.json)).toEqual(touched.map((r) => `${r.dag_id}/${r.dag_run_id}`));
      expect(page.json).toMatchObject({ total_entries: 50, next_cursor: null });
      expect((await call(fake, '/api/v2/dags?limit=1&offset=4999')).json).toMatchObject({
        total_entries: 5_000,
        dags: [{ dag_id: 'dag_4999' }],
      });
    });
  });
});

describe('the DAG list: filters and pages as Airflow 3.3', () => {
  const dags = FakeAirflow.manyDags(6, 0, { prefix: 'team' }).dags;
  const dagAttributes: FakeAirflowOptions['dagAttributes'] = {
    team_0: { tags: ['etl', 'daily'], owners: ['Alice'] },
    team_1: { tags: ['etl'], owners: ['bob'], is_paused: true },
    team_2: { tags: ['ml'], has_import_errors: true, next_dagrun_run_after: '2026-01-02T00:00:00Z' },
    team_3: { is_stale: true, tags: ['etl'] },
    team_4: { next_dagrun_run_after: '2026-01-01T00:00:00Z' },
  };
  const list = async (fake: FakeAirflow, query: string): Promise<string[]> => dagIds((await call(fake, `/api/v2/dags?${query}`)).json);

  it('tags (any or all), owners, dag_id patterns, paused, stale, import errors, order_by, limit and offset', async () => {
    await withFake({ auth: 'none', dags: { ...dags, 'other.dag': [] }, dagAttributes }, async (fake) => {
      expect(await list(fake, '')).toEqual(['other.dag', 'team_0', 'team_1', 'team_2', 'team_4', 'team_5']); // stale excluded
      expect(await list(fake, 'exclude_stale=false&limit=2&offset=3')).toEqual(['team_2', 'team_3']);
      expect((await call(fake, '/api/v2/dags?limit=2')).json.total_entries).toBe(6);
      expect(await list(fake, 'tags=etl&tags=ml')).toEqual(['team_0', 'team_1', 'team_2']);
      expect(await list(fake, 'tags=etl&tags=daily&tags_match_mode=all')).toEqual(['team_0']);
      expect(await list(fake, 'owners=ALI')).toEqual(['team_0']);
      expect(await list(fake, 'owners=airflow')).toEqual(['other.dag', 'team_2', 'team_4', 'team_5']);
      expect(await list(fake, 'dag_id_pattern=TEAM_1|dag')).toEqual(['other.dag', 'team_1']);
      expect(await list(fake, 'dag_id_pattern=t%m_')).toEqual(['team_0', 'team_1', 'team_2', 'team_4', 'team_5']);
      expect(await list(fake, 'dag_id_pattern=~')).toHaveLength(6);
      expect(await list(fake, 'dag_id_prefix_pattern=other.')).toEqual(['other.dag']);
      expect(await list(fake, 'paused=true')).toEqual(['team_1']);
      expect(await list(fake, 'has_import_errors=true')).toEqual(['team_2']);
      expect(await list(fake, 'order_by=-dag_id&limit=2')).toEqual(['team_5', 'team_4']);
      expect(await list(fake, 'order_by=-next_dagrun&limit=2')).toEqual(['team_2', 'team_4']);
      expect((await call(fake, '/api/v2/dags?order_by=owners')).status).toBe(400);
      expect((await call(fake, '/api/v2/dags?limit=-1')).status).toBe(422);
    });
  });
});

describe('Date header, faults and call counting on the new routes', () => {
  it("every answer carries Airflow's Date, faults included; hangDags leaves ~ and the list answering; callsMatching tells the routes apart", async () => {
    const clock = Date.UTC(2026, 5, 1, 8, 30, 15, 900);
    const hung = FakeAirflow.run({ dag_id: 'hung', dag_run_id: 'h' });
    await withFake(
      { auth: 'none', now: () => clock, clockSkewMs: -5_000, hangDags: ['hung'], dags: { hung: [hung], ok: [] } },
      async (fake) => {
        const date = 'Mon, 01 Jun 2026 08:30:10 GMT';
        expect((await call(fake, '/api/v2/dags/~/dagRuns')).json.dag_runs).toEqual([expect.objectContaining({ dag_run_id: 'h' })]);
        expect(dagIds((await call(fake, '/api/v2/dags')).json)).toEqual(['hung', 'ok']);
        expect((await call(fake, '/api/v2/dags/ok')).headers.get('date')).toBe(date);
        expect((await call(fake, '/api/v2/nope')).headers.get('date')).toBe(date);
        fake.setScenario({ fault: 'http500' });
        const failed = await call(fake, '/api/v2/dags/~/dagRuns');
        expect({ status: failed.status, date: failed.headers.get('date') }).toEqual({ status: 500, date });
        expect((await call(fake, '/api/v2/dags')).status).toBe(500);
        fake.setScenario({ fault: 'garbage' });
        expect((await call(fake, '/api/v2/dags')).contentType).toMatch(/^text\/html/);

        expect(fake.callsTo('/api/v2/dags/~/dagRuns')).toBe(2);
        expect(fake.callsMatching(/^\/api\/v2\/dags$/)).toBe(3);
        expect(fake.callsMatching(/^\/api\/v2\/dags\/(?!~)[^/]+$/)).toBe(1);
        expect(fake.calls.find((c) => c.path === '/api/v2/dags')?.params.getAll('tags')).toEqual([]);
      },
    );
  });
});

describe('FakeAirflow v1 (Airflow 2.10): the DAG list and runs across every DAG', () => {
  const basic: [string, string] = ['airflow', 'airflow'];
  const early = FakeAirflow.run({ dag_id: 'a', dag_run_id: 'early', updated_at: '2026-01-01T00:00:00Z' });
  const late = FakeAirflow.run({ dag_id: 'b', dag_run_id: 'late', updated_at: '2026-01-02T00:00:00Z' });
  const options: Partial<FakeAirflowOptions> = {
    apiVersion: 'v1',
    dags: { a: [early], b: [late], c: [] },
    dagAttributes: {
      a: {
        tags: ['etl'],
        is_paused: true,
        next_dagrun_run_after: '2026-01-03T00:00:00Z',
        timetable_summary: '@daily',
        timetable_description: 'At 00:00',
      },
      c: { is_stale: true },
    },
  };

  it('GET /api/v1/dags: DAGCollection of Airflow 2 DAGs (is_active, next_dagrun_create_after, tags as {name}), only_active, tags, paused, pages', async () => {
    await withFake(options, async (fake) => {
      const list = await call(fake, '/api/v1/dags', { basic });
      expect(list.status).toBe(200);
      expect(Object.keys(list.json).sort()).toEqual(['dags', 'total_entries']);
      expect(list.json.total_entries).toBe(2);
      const [a] = list.json.dags as JsonObject[];
      expect(a).toMatchObject({
        dag_id: 'a',
        is_paused: true,
        is_active: true,
        has_import_errors: false,
        next_dagrun_create_after: '2026-01-03T00:00:00+00:00',
        tags: [{ name: 'etl' }],
        owners: ['airflow'],
        timetable_description: 'At 00:00',
        schedule_interval: { __type: 'CronExpression', value: '@daily' },
      });
      expect(a).not.toHaveProperty('next_dagrun_run_after');
      expect((await call(fake, '/api/v1/dags/a', { basic })).json).toEqual(a);
      expect(dagIds((await call(fake, '/api/v1/dags?only_active=false', { basic })).json)).toEqual(['a', 'b', 'c']);
      expect(dagIds((await call(fake, '/api/v1/dags?tags=etl&paused=true', { basic })).json)).toEqual(['a']);
      expect(dagIds((await call(fake, '/api/v1/dags?limit=1&offset=1&order_by=-dag_id', { basic })).json)).toEqual(['a']);
      const extra = await call(fake, '/api/v1/dags?exclude_stale=false', { basic });
      expect(extra.status).toBe(400);
      expect(extra.json.detail).toBe('Extra query parameter(s) exclude_stale not in spec');
    });
  });

  it('GET /api/v1/dags/~/dagRuns: updated_at_gte/_lte, order_by, limit, offset; no cursor and no _gt/_lt (strict parameters)', async () => {
    await withFake(options, async (fake) => {
      const all = await call(fake, '/api/v1/dags/~/dagRuns?order_by=-updated_at', { basic });
      expect(all.json).toEqual({
        dag_runs: [expect.objectContaining({ dag_run_id: 'late' }), expect.objectContaining({ dag_run_id: 'early' })],
        total_entries: 2,
      });
      // Airflow 2 turns a space back into '+', an offset sent unencoded.
      const since = await call(fake, '/api/v1/dags/~/dagRuns?updated_at_gte=2026-01-01T12:00:00+00:00', { basic });
      expect(runIds(since.json)).toEqual(['b/late']);
      expect(
        runIds((await call(fake, '/api/v1/dags/~/dagRuns?updated_at_lte=2026-01-01T12:00:00Z&limit=1&offset=0', { basic })).json),
      ).toEqual(['a/early']);
      for (const param of ['updated_at_gt=2026-01-01T00:00:00Z', 'cursor=']) {
        const refused = await call(fake, `/api/v1/dags/~/dagRuns?${param}`, { basic });
        expect(refused.status).toBe(400);
        expect(refused.json.detail).toBe(`Extra query parameter(s) ${param.split('=')[0]} not in spec`);
      }
      expect((await call(fake, '/api/v1/dags/~/dagRuns?updated_at_gte=yesterday', { basic })).json).toMatchObject({
        status: 400,
        title: 'Incorrect datetime argument',
      });
      // updatedAtFilter: false is an Airflow 2 before 2.6, whose spec has no updated_at filter.
      fake.setScenario({ updatedAtFilter: false });
      const old = await call(fake, '/api/v1/dags/~/dagRuns?updated_at_gte=2026-01-01T00:00:00Z', { basic });
      expect({ status: old.status, detail: old.json.detail }).toEqual({
        status: 400,
        detail: 'Extra query parameter(s) updated_at_gte not in spec',
      });
      expect((await call(fake, '/api/v1/dags/~/dagRuns?order_by=-execution_date', { basic })).json.total_entries).toBe(2);
    });
  });
});
