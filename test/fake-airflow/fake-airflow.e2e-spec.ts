/**
 * Drives FakeAirflow over HTTP in every mode and fault, and proves its Airflow 3 (v2) JSON bodies match the
 * OpenAPI spec of the INSTALLED pinned Airflow. The spec tests fail (never skip) when that spec is missing.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type AirflowSpec, INSTALL_HINT, loadAirflowSpec, type SpecTarget, validateAgainstSpec } from './airflow-spec.js';
import { FakeAirflow, type FakeAirflowStartOptions } from './fake-airflow.js';

type JsonObject = Record<string, unknown>;

interface Answer {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  json: JsonObject;
}

const specPromise: Promise<AirflowSpec> = loadAirflowSpec();
specPromise.catch(() => undefined); // reported by each test that needs it, not as an unhandled rejection

async function theSpec(): Promise<AirflowSpec> {
  try {
    return await specPromise;
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(`Airflow OpenAPI spec unavailable: ${message.includes(INSTALL_HINT) ? message : `${message}\n${INSTALL_HINT}`}`);
  }
}

async function expectMatchesSpec(target: SpecTarget, body: unknown): Promise<void> {
  const spec = await theSpec();
  expect({ target, errors: validateAgainstSpec(spec, target, body) }).toEqual({ target, errors: [] });
}

async function call(
  fake: FakeAirflow,
  path: string,
  init: { method?: string; token?: string; basic?: [string, string]; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.basic) headers.authorization = `Basic ${Buffer.from(init.basic.join(':')).toString('base64')}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${fake.url}${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  let json: JsonObject = {};
  try {
    json = JSON.parse(text) as JsonObject;
  } catch {
    /* not JSON: left empty, `text` has it */
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', headers: res.headers, text, json };
}

async function login(fake: FakeAirflow, username = 'airflow', password = 'airflow'): Promise<string> {
  const r = await call(fake, '/auth/token', { body: { username, password } });
  expect(r.status).toBe(201);
  return r.json.access_token as string;
}

function jwtPayload(token: string): JsonObject {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JsonObject;
}

function runIds(body: JsonObject): string[] {
  return (body.dag_runs as JsonObject[]).map((r) => r.dag_run_id as string);
}

const fakes: FakeAirflow[] = [];
async function startFake(options: Partial<FakeAirflowStartOptions> = {}): Promise<FakeAirflow> {
  const fake = await FakeAirflow.start(options);
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

// ---------------------------------------------------------------------------------------------

describe('the installed Airflow OpenAPI spec', () => {
  it('is found (run `npm run airflow:install` if this fails) and is the pinned 3.x', async () => {
    const spec = await theSpec();
    expect(spec.core.document.openapi).toMatch(/^3\.1/);
    expect(spec.core.document.paths['/api/v2/dags/{dag_id}/dagRuns']).toBeDefined();
    expect(spec.simpleAuth?.document.paths['/auth/token']).toBeDefined();
    expect(spec.airflowVersion === 'unknown' || spec.airflowVersion.startsWith('3.')).toBe(true);
  });

  it('really validates: missing required fields, wrong types and bad enums are reported', async () => {
    const spec = await theSpec();
    const { run_after: _dropped, ...withoutRunAfter } = (({ id: _i, updated_at: _u, ...r }) => r)(FakeAirflow.run());
    expect(validateAgainstSpec(spec, 'DAGRunResponse', withoutRunAfter).join('\n')).toMatch(/run_after/);
    expect(validateAgainstSpec(spec, 'DAGRunResponse', { ...withoutRunAfter, run_after: 5 }).join('\n')).toMatch(/run_after/);
    expect(
      validateAgainstSpec(spec, 'DAGRunResponse', { ...withoutRunAfter, run_after: 'yesterday' }).join('\n'),
    ).toMatch(/format/);
    expect(
      validateAgainstSpec(spec, 'DAGRunResponse', { ...withoutRunAfter, run_after: '2025-01-01T00:00:00Z', state: 'done' }).join('\n'),
    ).toMatch(/state/);
    expect(validateAgainstSpec(spec, { path: '/api/v2/nope', method: 'get', status: 200 }, {})).toHaveLength(1);
    expect(validateAgainstSpec(spec, 'NoSuchSchema', {})).toHaveLength(1);
  });
});

describe('FakeAirflow v2 (Airflow 3) bodies match the spec', () => {
  let fake: FakeAirflow;
  let token: string;
  beforeAll(async () => {
    fake = await FakeAirflow.start({
      dags: { my_dag: [FakeAirflow.run({ state: 'success' }), FakeAirflow.run({ state: 'running' })], empty_dag: [] },
    });
    token = await login(fake);
  });
  afterAll(async () => fake.stop());

  it('POST /auth/token: 201 LoginResponse with a readable JWT', async () => {
    const now = Date.now();
    const r = await call(fake, '/auth/token', { body: { username: 'airflow', password: 'airflow' } });
    expect(r.status).toBe(201);
    expect(r.contentType).toMatch(/^application\/json/);
    await expectMatchesSpec({ path: '/auth/token', method: 'post', status: 201 }, r.json);
    await expectMatchesSpec('LoginResponse', r.json);
    const token = r.json.access_token as string;
    expect(token.split('.')).toHaveLength(3);
    const claims = jwtPayload(token);
    expect(claims).toMatchObject({ sub: 'airflow', aud: 'apache-airflow', iss: 'fake-airflow' });
    expect(typeof claims.exp).toBe('number');
    expect(claims.exp as number).toBe((claims.iat as number) + 3600);
    expect(Math.abs((claims.iat as number) * 1000 - now)).toBeLessThan(60_000);
  });

  it('POST /auth/token: 401 Invalid credentials, 400 empty fields, 415 other media, form bodies accepted', async () => {
    const bad = await call(fake, '/auth/token', { body: { username: 'airflow', password: 'nope' } });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ detail: 'Invalid credentials' });
    await expectMatchesSpec({ path: '/auth/token', method: 'post', status: 401 }, bad.json);

    const empty = await call(fake, '/auth/token', { body: { username: 'airflow', password: '' } });
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual({ detail: 'Username and password must be provided' });
    await expectMatchesSpec({ path: '/auth/token', method: 'post', status: 400 }, empty.json);

    const media = await call(fake, '/auth/token', { body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(media.status).toBe(415);
    await expectMatchesSpec({ path: '/auth/token', method: 'post', status: 415 }, media.json);

    const form = await call(fake, '/auth/token', {
      body: 'username=airflow&password=airflow',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(201);

    // Real Airflow: a body missing a field -> 422 whose detail is pydantic's repr *string* (not the spec's list).
    const missing = await call(fake, '/auth/token', { body: { username: 'airflow' } });
    expect(missing.status).toBe(422);
    expect(missing.json.detail).toMatch(/^1 validation error for LoginBody\npassword\n {2}Field required/);
  });

  it('GET /auth/token is the all-admins endpoint: 403 unless all admins', async () => {
    const r = await call(fake, '/auth/token');
    expect(r.status).toBe(403);
    await expectMatchesSpec({ path: '/auth/token', method: 'get', status: 403 }, r.json);
  });

  it('GET /api/v2/monitor/health and /api/v2/version are public and match', async () => {
    const health = await call(fake, '/api/v2/monitor/health');
    expect(health.status).toBe(200);
    await expectMatchesSpec({ path: '/api/v2/monitor/health', method: 'get', status: 200 }, health.json);
    expect(health.json).toMatchObject({ metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy' } });

    const version = await call(fake, '/api/v2/version');
    expect(version.status).toBe(200);
    await expectMatchesSpec({ path: '/api/v2/version', method: 'get', status: 200 }, version.json);
    expect(version.json.version).toBe('3.3.2');
  });

  it('GET /api/v2/dags/{dag_id}: DAGResponse, and the real 404 for an unknown DAG', async () => {
    const dag = await call(fake, '/api/v2/dags/my_dag', { token });
    expect(dag.status).toBe(200);
    await expectMatchesSpec({ path: '/api/v2/dags/{dag_id}', method: 'get', status: 200 }, dag.json);
    expect(dag.json).toMatchObject({ dag_id: 'my_dag', is_paused: false });

    const empty = await call(fake, '/api/v2/dags/empty_dag', { token });
    expect(empty.status).toBe(200);

    const missing = await call(fake, '/api/v2/dags/ghost', { token });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ detail: 'The Dag with ID: `ghost` was not found' });
    await expectMatchesSpec({ path: '/api/v2/dags/{dag_id}', method: 'get', status: 404 }, missing.json);
  });

  it('GET /api/v2/dags/{dag_id}/dagRuns: DAGRunCollectionResponse, 404, 400 bad order_by, 422 bad limit', async () => {
    const runs = await call(fake, '/api/v2/dags/my_dag/dagRuns?limit=10&order_by=-run_after', { token });
    expect(runs.status).toBe(200);
    await expectMatchesSpec({ path: '/api/v2/dags/{dag_id}/dagRuns', method: 'get', status: 200 }, runs.json);
    expect(runs.json.total_entries).toBe(2);

    const none = await call(fake, '/api/v2/dags/empty_dag/dagRuns', { token });
    expect(none.json).toMatchObject({ dag_runs: [], total_entries: 0 });
    await expectMatchesSpec({ path: '/api/v2/dags/{dag_id}/dagRuns', method: 'get', status: 200 }, none.json);

    const missing = await call(fake, '/api/v2/dags/ghost/dagRuns', { token });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ detail: 'The Dag with ID: `ghost` was not found' });
    await expectMatchesSpec({ path: '/api/v2/dags/{dag_id}/dagRuns', method: 'get', status: 404 }, missing.json);

    const badSort = await call(fake, '/api/v2/dags/my_dag/dagRuns?order_by=-execution_date', { token });
    expect(badSort.status).toBe(400);
    expect(badSort.json).toEqual({
      detail: "Ordering with 'execution_date' is disallowed or the attribute does not exist on the model",
    });
    await expectMatchesSpec({ path: '/api/v2/dags/{dag_id}/dagRuns', method: 'get', status: 400 }, badSort.json);

    const badLimit = await call(fake, '/api/v2/dags/my_dag/dagRuns?limit=-1&offset=x', { token });
    expect(badLimit.status).toBe(422);
    expect((badLimit.json.detail as JsonObject[]).map((d) => d.loc)).toEqual([
      ['query', 'limit'],
      ['query', 'offset'],
    ]);
    await expectMatchesSpec({ path: '/api/v2/dags/{dag_id}/dagRuns', method: 'get', status: 422 }, badLimit.json);
    await expectMatchesSpec('HTTPValidationError', badLimit.json);
  });

  it('auth failures: 401 missing, 403 invalid, 401 expired, 403 after a secret change — all HTTPExceptionResponse', async () => {
    const path = '/api/v2/dags/my_dag/dagRuns';
    const target = (status: number): SpecTarget => ({ path: '/api/v2/dags/{dag_id}/dagRuns', method: 'get', status });

    const missing = await call(fake, path);
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ detail: 'Not authenticated' });
    await expectMatchesSpec(target(401), missing.json);

    const basic = await call(fake, path, { basic: ['airflow', 'airflow'] });
    expect(basic.status).toBe(401);
    expect(basic.json).toEqual({ detail: 'Not authenticated' });

    const garbage = await call(fake, path, { token: 'not-a-jwt' });
    expect(garbage.status).toBe(403);
    expect(garbage.json).toEqual({ detail: 'Invalid JWT token' });
    await expectMatchesSpec(target(403), garbage.json);

    const own = await login(fake);
    const [h, p] = own.split('.');
    const forged = await call(fake, path, { token: `${h}.${p}.AAAA` });
    expect(forged.status).toBe(403);

    fake.expireTokensNow();
    const expired = await call(fake, path, { token: own });
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({ detail: 'Token Expired' });
    await expectMatchesSpec(target(401), expired.json);

    const fresh = await login(fake);
    expect((await call(fake, path, { token: fresh })).status).toBe(200);
    fake.rotateSecret();
    const rotated = await call(fake, path, { token: fresh });
    expect(rotated.status).toBe(403);
    expect(rotated.json).toEqual({ detail: 'Invalid JWT token' });
    await expectMatchesSpec(target(403), rotated.json);
    token = await login(fake);
  });

  it('answers like the api-server for Airflow 2 paths and unknown API routes', async () => {
    const v1 = await call(fake, '/api/v1/dags/my_dag/dagRuns', { token });
    expect(v1.status).toBe(404);
    expect(v1.json).toEqual({
      error: '/api/v1 has been removed in Airflow 3, please use its upgraded version /api/v2 instead.',
    });
    expect((await call(fake, '/api/v2/nope')).json).toEqual({ error: 'API route not found' });
    expect((await call(fake, '/health')).status).toBe(404);
    const spa = await call(fake, '/dags/my_dag');
    expect(spa.status).toBe(200);
    expect(spa.contentType).toMatch(/^text\/html/);
  });
});

describe('dag runs ordering (Airflow SortParam on SQLite)', () => {
  const oldRun = FakeAirflow.run({
    dag_run_id: 'scheduled__old',
    run_type: 'scheduled',
    state: 'success',
    logical_date: '2025-03-01T00:00:00Z',
    run_after: '2025-03-01T00:00:00Z',
  });
  const newestManual = FakeAirflow.run({
    dag_run_id: 'manual__newest',
    run_type: 'manual',
    state: 'running',
    logical_date: null,
    run_after: '2025-03-02T12:00:00Z',
  });

  async function ids(fake: FakeAirflow, query: string): Promise<string[]> {
    const r = await call(fake, `/api/v2/dags/lab/dagRuns${query}`, { token: await login(fake) });
    expect(r.status).toBe(200);
    return runIds(r.json);
  }

  it('-run_after shows the newest manual run; -logical_date hides it (NULL sorts last when DESC); default is id ASC', async () => {
    const fake = await startFake({ dags: { lab: [oldRun, newestManual] } });
    expect(await ids(fake, '?order_by=-run_after&limit=1')).toEqual(['manual__newest']);
    expect(await ids(fake, '?order_by=-logical_date&limit=1')).toEqual(['scheduled__old']);
    expect(await ids(fake, '?order_by=logical_date')).toEqual(['manual__newest', 'scheduled__old']);
    expect(await ids(fake, '')).toEqual(['scheduled__old', 'manual__newest']);
    expect(await ids(fake, '?limit=1')).toEqual(['scheduled__old']);
    expect(await ids(fake, '?order_by=-id')).toEqual(['manual__newest', 'scheduled__old']);
    expect(await ids(fake, '?order_by=id')).toEqual(['scheduled__old', 'manual__newest']);
    expect(await ids(fake, '?order_by=-start_date&limit=1')).toEqual(['manual__newest']);
    expect(await ids(fake, '?order_by=start_date&limit=1')).toEqual(['scheduled__old']);
    expect(await ids(fake, '?order_by=run_after&offset=1')).toEqual(['manual__newest']);
    expect(await ids(fake, '?order_by=-dag_run_id')).toEqual(['scheduled__old', 'manual__newest']);
  });

  it('on Postgres semantics NULL sorts first when DESC, so -logical_date would show it', async () => {
    const fake = await startFake({ dags: { lab: [oldRun, newestManual] }, nullsOrder: 'postgres' });
    expect(await ids(fake, '?order_by=-logical_date&limit=1')).toEqual(['manual__newest']);
    expect(await ids(fake, '?order_by=logical_date&limit=1')).toEqual(['scheduled__old']);
  });

  it('ties break on id in the direction of the first criterion; multi-criteria order_by works', async () => {
    const a = FakeAirflow.run({ dag_run_id: 'a', state: 'success', run_after: '2025-01-01T00:00:00Z' });
    const b = FakeAirflow.run({ dag_run_id: 'b', state: 'failed', run_after: '2025-01-01T00:00:00Z' });
    const c = FakeAirflow.run({ dag_run_id: 'c', state: 'success', run_after: '2025-01-02T00:00:00Z' });
    const fake = await startFake({ dags: { lab: [a, b, c] } });
    expect(await ids(fake, '?order_by=-run_after')).toEqual(['c', 'b', 'a']);
    expect(await ids(fake, '?order_by=run_after')).toEqual(['a', 'b', 'c']);
    expect(await ids(fake, '?order_by=state&order_by=-run_after')).toEqual(['b', 'c', 'a']);
  });
});

describe('faults', () => {
  const dags = { d: [FakeAirflow.run()] };

  it('http500: 500 {"detail":"Internal Server Error"} on the API, token endpoint unaffected by default', async () => {
    const fake = await startFake({ dags, fault: 'http500' });
    const token = await login(fake);
    const r = await call(fake, '/api/v2/dags/d/dagRuns', { token });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ detail: 'Internal Server Error' });
    expect((await call(fake, '/api/v2/monitor/health')).status).toBe(500);
  });

  it('garbage: 200 with an HTML, non-JSON body', async () => {
    const fake = await startFake({ dags, fault: 'garbage' });
    const r = await call(fake, '/api/v2/dags/d/dagRuns', { token: await login(fake) });
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/html/);
    expect(() => JSON.parse(r.text) as unknown).toThrow();
  });

  it('reset: the socket is destroyed', async () => {
    const fake = await startFake({ dags, fault: 'reset' });
    const token = await login(fake);
    await expect(call(fake, '/api/v2/dags/d', { token })).rejects.toThrow();
    expect(fake.calls.at(-1)).toMatchObject({ path: '/api/v2/dags/d', status: null });
  });

  it('hang: never answers, and stop() still returns and frees the client', async () => {
    const fake = await startFake({ dags, fault: 'hang' });
    const token = await login(fake);
    const pending = call(fake, '/api/v2/dags/d', { token });
    pending.catch(() => undefined);
    await fake.waitForCalls(2); // the hung request has arrived
    await fake.stop();
    await expect(pending).rejects.toThrow();
  });

  it('faultOn: token / all', async () => {
    const fake = await startFake({ dags, fault: 'http500', faultOn: 'token' });
    const failed = await call(fake, '/auth/token', { body: { username: 'airflow', password: 'airflow' } });
    expect(failed.status).toBe(500);
    expect((await call(fake, '/api/v2/monitor/health')).status).toBe(200);
    fake.setScenario({ faultOn: 'all' });
    expect((await call(fake, '/api/v2/monitor/health')).status).toBe(500);
    fake.setScenario({ fault: 'none' });
    expect((await call(fake, '/api/v2/monitor/health')).status).toBe(200);
  });

  it('delayMs: answers, later (no timing asserted)', async () => {
    const fake = await startFake({ dags, delayMs: 20 });
    expect((await call(fake, '/api/v2/version')).status).toBe(200);
  });

  it('stop()/restart(): down (refused) then up on the same port, tokens still valid', async () => {
    const fake = await startFake({ dags });
    const token = await login(fake);
    const port = fake.port;
    await fake.stop();
    await expect(call(fake, '/api/v2/version')).rejects.toThrow();
    await fake.restart();
    expect(fake.port).toBe(port);
    expect((await call(fake, '/api/v2/dags/d', { token })).status).toBe(200);
  });

  it('stop() does not hang on idle keep-alive connections', async () => {
    const fake = await startFake({ dags });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .get(`${fake.url}/api/v2/version`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    expect(await get()).toBe(200);
    expect(await get()).toBe(200);
    await fake.stop();
    agent.destroy();
  });

  it('token expiry by the clock honours jwt_leeway (10 s)', async () => {
    let now = Date.UTC(2025, 5, 1);
    const fake = await startFake({ dags, tokenTtlSeconds: 60, now: () => now });
    const token = await login(fake);
    expect(jwtPayload(token).exp).toBe(now / 1000 + 60);
    now += 65_000; // past exp, inside the leeway
    expect((await call(fake, '/api/v2/dags/d', { token })).status).toBe(200);
    now += 10_000;
    const r = await call(fake, '/api/v2/dags/d', { token });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ detail: 'Token Expired' });
  });
});

describe('runtime scenario, call log, auth modes', () => {
  it('logs calls with status and auth scheme; callsTo counts by prefix or regex', async () => {
    const fake = await startFake({ dags: { d: [] } });
    const token = await login(fake);
    await call(fake, '/api/v2/dags/d/dagRuns?limit=1&order_by=-run_after&order_by=id', { token });
    await call(fake, '/api/v2/dags/d', { basic: ['airflow', 'airflow'] });
    await call(fake, '/api/v2/monitor/health');
    expect(fake.calls).toEqual([
      { method: 'POST', path: '/auth/token', query: {}, status: 201, authScheme: 'none' },
      {
        method: 'GET',
        path: '/api/v2/dags/d/dagRuns',
        query: { limit: '1', order_by: ['-run_after', 'id'] },
        status: 200,
        authScheme: 'bearer',
      },
      { method: 'GET', path: '/api/v2/dags/d', query: {}, status: 401, authScheme: 'basic' },
      { method: 'GET', path: '/api/v2/monitor/health', query: {}, status: 200, authScheme: 'none' },
    ]);
    expect(fake.callsTo('/api/v2/dags/')).toBe(2);
    expect(fake.callsTo(/dagRuns$/)).toBe(1);
    fake.clearCalls();
    expect(fake.calls).toHaveLength(0);
  });

  it('setScenario changes DAGs at runtime; reset() restores the start options', async () => {
    const fake = await startFake({ dags: { d: [FakeAirflow.run()] } });
    const token = await login(fake);
    fake.setScenario({ dags: { other: [] }, dagInfo: { other: { is_paused: true } } });
    expect((await call(fake, '/api/v2/dags/d', { token })).status).toBe(404);
    const other = await call(fake, '/api/v2/dags/other', { token });
    expect(other.json.is_paused).toBe(true);
    await expectMatchesSpec('DAGResponse', other.json);
    fake.reset();
    expect(fake.calls).toHaveLength(0);
    expect((await call(fake, '/api/v2/dags/d', { token })).status).toBe(200);
  });

  it("auth 'none', 'basic', 'jwt+basic' on v2", async () => {
    const fake = await startFake({ dags: { d: [] }, auth: 'none' });
    expect((await call(fake, '/api/v2/dags/d')).status).toBe(200);
    fake.setScenario({ auth: 'basic' });
    expect((await call(fake, '/api/v2/dags/d', { basic: ['airflow', 'airflow'] })).status).toBe(200);
    expect((await call(fake, '/api/v2/dags/d', { basic: ['airflow', 'wrong'] })).status).toBe(401);
    expect((await call(fake, '/api/v2/dags/d', { token: await login(fake) })).status).toBe(401);
    fake.setScenario({ auth: 'jwt+basic', users: { alice: 's3cret' } });
    expect((await call(fake, '/api/v2/dags/d', { basic: ['alice', 's3cret'] })).status).toBe(200);
    expect((await call(fake, '/api/v2/dags/d', { token: await login(fake, 'alice', 's3cret') })).status).toBe(200);
    expect((await call(fake, '/api/v2/dags/d')).status).toBe(401);
  });

  it('FakeAirflow.run() fills every field DAGRunResponse requires, with increasing ids', async () => {
    const a = FakeAirflow.run();
    const b = FakeAirflow.run({ run_type: 'manual', logical_date: null, state: 'queued' });
    expect(b.id).toBeGreaterThan(a.id);
    expect(b).toMatchObject({ logical_date: null, start_date: null, triggered_by: 'rest_api', data_interval_start: null });
    for (const run of [a, b]) {
      const { id: _id, updated_at: _u, ...body } = run;
      await expectMatchesSpec('DAGRunResponse', body);
    }
  });
});

describe('FakeAirflow v1 (Airflow 2, basic auth, problem+json)', () => {
  const runs = [
    FakeAirflow.run({ dag_run_id: 'scheduled__1', logical_date: '2025-01-01T00:00:00Z', run_after: '2025-01-01T00:00:00Z' }),
    FakeAirflow.run({ dag_run_id: 'manual__2', run_type: 'manual', logical_date: null, run_after: '2025-01-05T00:00:00Z' }),
  ];
  const basic: [string, string] = ['airflow', 'airflow'];

  it('health, DAG and dagRuns?order_by=-execution_date&limit=1 in Airflow 2 shapes', async () => {
    const fake = await startFake({ apiVersion: 'v1', auth: 'basic', dags: { d: runs } });
    const health = await call(fake, '/api/v1/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy' } });
    expect((await call(fake, '/api/v1/version')).json.version).toBe('2.10.5');

    const dag = await call(fake, '/api/v1/dags/d', { basic });
    expect(dag.status).toBe(200);
    expect(dag.json).toMatchObject({ dag_id: 'd', is_paused: false, is_active: true });

    const r = await call(fake, '/api/v1/dags/d/dagRuns?order_by=-execution_date&limit=1', { basic });
    expect(r.status).toBe(200);
    expect(r.json.total_entries).toBe(2);
    const [run] = r.json.dag_runs as JsonObject[];
    expect(Object.keys(run).sort()).toEqual(
      [
        'conf',
        'dag_id',
        'dag_run_id',
        'data_interval_end',
        'data_interval_start',
        'end_date',
        'execution_date',
        'external_trigger',
        'last_scheduling_decision',
        'logical_date',
        'note',
        'run_type',
        'start_date',
        'state',
      ].sort(),
    );
    expect(run).toMatchObject({
      dag_run_id: 'manual__2',
      execution_date: '2025-01-05T00:00:00+00:00',
      logical_date: '2025-01-05T00:00:00+00:00',
      external_trigger: true,
      run_type: 'manual',
    });
  });

  it('problem+json errors: 401 (with WWW-Authenticate), 404 DAG, 400 order_by; unknown DAG runs -> empty', async () => {
    const fake = await startFake({ apiVersion: 'v1', auth: 'basic', dags: { d: runs } });
    const typeBase = 'https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/';

    const unauth = await call(fake, '/api/v1/dags/d/dagRuns', { basic: ['airflow', 'bad'] });
    expect(unauth.status).toBe(401);
    expect(unauth.contentType).toMatch(/^application\/problem\+json/);
    expect(unauth.headers.get('www-authenticate')).toBe('Basic');
    expect(unauth.json).toEqual({ detail: null, status: 401, title: 'Unauthorized', type: `${typeBase}Unauthenticated` });
    expect((await call(fake, '/api/v1/dags/d', { token: 'x' })).status).toBe(401);

    const missing = await call(fake, '/api/v1/dags/ghost', { basic });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      detail: 'The DAG with dag_id: ghost was not found',
      status: 404,
      title: 'DAG not found',
      type: `${typeBase}NotFound`,
    });

    const badSort = await call(fake, '/api/v1/dags/d/dagRuns?order_by=-run_after', { basic });
    expect(badSort.status).toBe(400);
    expect(badSort.json).toEqual({
      detail: "Ordering with 'run_after' is disallowed or the attribute does not exist on the model",
      status: 400,
      title: 'Bad Request',
      type: `${typeBase}BadRequest`,
    });

    const ghostRuns = await call(fake, '/api/v1/dags/ghost/dagRuns', { basic });
    expect(ghostRuns.status).toBe(200);
    expect(ghostRuns.json).toEqual({ dag_runs: [], total_entries: 0 });
  });

  it('no Airflow 3 routes: /api/v2/* and /auth/token are the webserver 404 page', async () => {
    const fake = await startFake({ apiVersion: 'v1', auth: 'basic', dags: { d: runs } });
    const v2 = await call(fake, '/api/v2/dags/d/dagRuns', { basic });
    expect(v2.status).toBe(404);
    expect(v2.contentType).toMatch(/^text\/html/);
    const tokenCall = await call(fake, '/auth/token', { body: { username: 'airflow', password: 'airflow' } });
    expect(tokenCall.status).toBe(404);
    fake.setScenario({ auth: 'none' });
    expect((await call(fake, '/api/v1/dags/d')).status).toBe(200);
  });
});
