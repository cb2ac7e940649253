import { describe, expect, it } from '@jest/globals';
import { LifecycleService } from '../src/lifecycle/lifecycle.service.js';
import { NOT_SUCCESS_REASONS } from '../src/dag-status/dag-status.types.js';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';

const DAG = 'Airflow_Lab2';

/** One fake Airflow for the file; each test sets its scenario and gets a fresh app (fresh cache and client). */
const airflow = againstFakeAirflow({
  // DAG is the default target; Other_DAG is allowed but unknown to Airflow.
  ALLOWED_DAG_IDS: `${DAG},Other_DAG`,
  // Long enough that a test never sees an entry expire by accident (and Retry-After is 60 s).
  STATUS_CACHE_TTL_MS: '60000',
});

const success = (extra = {}) => FakeAirflow.run({ dag_id: DAG, state: 'success', ...extra });

/** The calls to Airflow about one DAG (its path names it): the sync's reads across every DAG name none. */
const callsNaming = (dagId: string) => airflow.fake.calls.filter((c) => decodeURIComponent(c.path).includes(`/dags/${dagId}`));

describe('seed parity: /, /success, /failure, /health', () => {
  it('redirects / to /success when the latest run succeeded', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } });
    await http.get('/').expect(302).expect('Location', '/success');
  });

  it.each([
    ['failed', 'failed'],
    ['running', 'running'],
    ['queued', 'queued'],
  ] as const)('redirects / to /failure when the latest run is %s', async (state, reason) => {
    const http = await airflow.serve({ dags: { [DAG]: [success(), FakeAirflow.run({ dag_id: DAG, state })] } });
    await http.get('/').expect(302).expect('Location', '/failure');
    const json = await http.get('/failure').set('Accept', 'application/json').expect(200);
    expect(json.body).toMatchObject({ outcome: 'failure', reason, state });
  });

  it('redirects to /failure and says so when the DAG has no run yet', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    await http.get('/').expect(302).expect('Location', '/failure');
    const page = await http
      .get('/failure')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(page.text).toContain('The DAG has no run yet.');
  });

  it('shows a person everything about the run, escaped', async () => {
    const run = success({ dag_run_id: 'manual__<b>x</b>', note: '<script>alert(1)</script>', logical_date: null, run_type: 'manual' });
    const http = await airflow.serve({ dags: { [DAG]: [run] } });
    const page = await http.get('/success').expect(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('✔ Success');
    expect(page.text).toContain('manual__&lt;b&gt;x&lt;/b&gt;');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain(`${airflow.fake.url}/dags/${DAG}/runs/manual__%3Cb%3Ex%3C%2Fb%3E`);
    expect(page.text).toContain('1 min 0 s');
  });

  it('answers JSON on /success and /failure when asked', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success({ dag_run_id: 'r1' })] } });
    const res = await http.get('/success').set('Accept', 'application/json').expect(200).expect('Content-Type', /json/);
    expect(res.body).toMatchObject({ dag_id: DAG, outcome: 'success', reason: null, run_id: 'r1', state: 'success' });
    expect(res.headers.vary).toContain('Accept');
  });

  it('keeps /health at 200 while Airflow is down, and readiness says why it is not ready', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } });
    await airflow.fake.down();
    try {
      const health = await http.get('/health').expect(200);
      expect(health.body.status).toBe('ok');
      await http.get('/health/live').expect(200);
      const ready = await http.get('/health/ready').expect(503);
      expect(ready.headers['retry-after']).toBeDefined();
      expect(ready.body.error.airflow).toMatchObject({ status: 'down', reason: 'airflow_unreachable' });
      await http.get('/').expect(302).expect('Location', '/failure');
      const page = await http.get('/failure').expect(200);
      expect(page.text).toContain('Airflow cannot be reached');
    } finally {
      await airflow.fake.restart();
    }
  });

  it('is ready when Airflow is reachable, accepts the credentials and knows the DAG', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.airflow).toMatchObject({ status: 'up', dag_id: DAG, api_version: 'v2', auth: 'jwt' });
  });

  it('turns unready at once when the instance starts to stop, whatever Airflow says', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    await http.get('/health/ready').expect(200);
    airflow.app!.get(LifecycleService).beginDrain();
    const ready = await http.get('/health/ready').expect(503);
    expect(ready.body.error.lifecycle).toMatchObject({ status: 'down', reason: 'shutting_down' });
    await http.get('/health/live').expect(200);
  });

  it('is not ready when Airflow does not know the target DAG', async () => {
    const http = await airflow.serve({ dags: {} });
    const ready = await http.get('/health/ready').expect(503);
    expect(ready.body.error.airflow.reason).toBe('dag_not_found');
  });
});

describe('JSON API', () => {
  it('reports the latest run, newest by run_after even when its logical_date is null', async () => {
    const older = success({ dag_run_id: 'scheduled_old', run_after: '2026-01-01T00:00:00Z' });
    const newest = FakeAirflow.run({
      dag_id: DAG,
      dag_run_id: 'manual_new',
      state: 'failed',
      logical_date: null,
      run_type: 'manual',
      run_after: '2026-02-01T00:00:00Z',
    });
    const http = await airflow.serve({ dags: { [DAG]: [older, newest] } });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(res.body).toMatchObject({
      dag_id: DAG,
      state: 'failed',
      run_id: 'manual_new',
      logical_date: null,
      run_after: '2026-02-01T00:00:00Z',
    });
    expect(Date.parse(res.body.fetched_at)).not.toBeNaN();
    // The DAG's first read, whole: its newest runs by run_after; then only what changed, across every DAG.
    const [call] = airflow.fake.calls.filter((c) => c.path === `/api/v2/dags/${DAG}/dagRuns`);
    expect(call?.query).toMatchObject({ order_by: '-run_after', limit: '10' });
  });

  it('gives a null state for a DAG without runs', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(res.body).toMatchObject({ dag_id: DAG, state: null, run_id: null });
  });

  it('lists the newest N runs, newest first', async () => {
    const runs = [1, 2, 3, 4].map((day) => success({ dag_run_id: `r${day}`, run_after: `2026-01-0${day}T00:00:00Z` }));
    const http = await airflow.serve({ dags: { [DAG]: runs } });
    const res = await http.get(`/api/dags/${DAG}/runs?limit=3`).expect(200);
    expect(res.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual(['r4', 'r3', 'r2']);
    const all = await http.get(`/api/dags/${DAG}/runs`).expect(200);
    expect(all.body.runs).toHaveLength(4);
  });

  it.each(['bad id', 'a;b', 'x'.repeat(251), '%3Cscript%3E'])('answers 400 for the DAG id %j without asking Airflow', async (id) => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } });
    const res = await http.get(`/api/dags/${encodeURIComponent(decodeURIComponent(id))}/status`).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, reason: 'bad_request' });
    expect(callsNaming(decodeURIComponent(id))).toEqual([]);
  });

  it.each(['0', '101', 'ten', '-3'])('answers 400 for limit=%s', async (limit) => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    await http.get(`/api/dags/${DAG}/runs?limit=${limit}`).expect(400);
  });

  it('answers 404 for a DAG outside ALLOWED_DAG_IDS, without asking Airflow, exactly as for an unknown DAG', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [], Secret_DAG: [success({ dag_id: 'Secret_DAG' })] } });
    const hidden = await http.get('/api/dags/Secret_DAG/status').expect(404);
    expect(callsNaming('Secret_DAG')).toEqual([]);
    const unknown = await http.get('/api/dags/Other_DAG/status').expect(404);
    expect(hidden.body.reason).toBe('dag_not_found');
    expect(unknown.body.reason).toBe('dag_not_found');
    expect(unknown.body.message).toBe('DAG "Other_DAG" was not found');
  });
});

describe('faults map to clear errors', () => {
  it('503 with Retry-After when Airflow is down', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } });
    await airflow.fake.down();
    try {
      const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
      expect(res.headers['retry-after']).toBe('60');
      expect(res.body).toMatchObject({ statusCode: 503, reason: 'airflow_unreachable' });
    } finally {
      await airflow.fake.restart();
    }
  });

  it.each([
    ['hang', 504, 'airflow_timeout'],
    ['garbage', 502, 'airflow_bad_response'],
    ['http500', 502, 'airflow_bad_response'],
    ['reset', 503, 'airflow_unreachable'],
  ] as const)('%s from Airflow → %i %s, before and after the API version and token are known', async (fault, status, reason) => {
    const env = { AIRFLOW_TIMEOUT_MS: '300', STATUS_CACHE_TTL_MS: '0' };
    // A fresh service meets the fault on its version probe...
    const cold = await airflow.serve({ dags: { [DAG]: [success()] }, fault }, env);
    expect((await cold.get(`/api/dags/${DAG}/status`).expect(status)).body.reason).toBe(reason);
    // ...one that already knows the server meets it on the run read itself.
    const warm = await airflow.serve({ dags: { [DAG]: [success()] } }, env);
    await warm.get(`/api/dags/${DAG}/status`).expect(200);
    airflow.fake.setScenario({ fault });
    expect((await warm.get(`/api/dags/${DAG}/status`).expect(status)).body.reason).toBe(reason);
    // The sync's read of what changed, across every DAG, met it.
    expect(airflow.fake.calls.at(-1)?.path).toBe('/api/v2/dags/~/dagRuns');
  });

  it('503 saying the credentials were refused, never echoing them', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } }, { AIRFLOW_PASSWORD: 'wrong-Pa55word' });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
    expect(res.body.reason).toBe('airflow_auth_refused');
    expect(res.body.message).toMatch(/refused the credentials/);
    expect(JSON.stringify(res.body)).not.toContain('wrong-Pa55word');
    const page = await http.get('/failure').expect(200);
    expect(page.text).toContain('refused the credentials');
  });

  it('renews an expired token once and carries on', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } }, { STATUS_CACHE_TTL_MS: '0' });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    airflow.fake.expireTokensNow();
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(airflow.fake.callsTo('/auth/token')).toBe(2);
    const metrics = await http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^airflow_token_renewals_total 2$/m);
  });

  it('renews a token the server no longer recognises (403 Invalid JWT token)', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } }, { STATUS_CACHE_TTL_MS: '0' });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    airflow.fake.rotateSecret();
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(airflow.fake.callsTo('/auth/token')).toBe(2);
  });

  it('renews a token shortly before it expires, without waiting for a 401', async () => {
    // Tokens minted an hour ago by the fake's clock expire in 20 s: inside the 30 s renewal margin.
    const http = await airflow.serve({ dags: { [DAG]: [success()] }, now: () => Date.now() - 3_580_000 }, { STATUS_CACHE_TTL_MS: '0' });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    const before = airflow.fake.callsTo('/auth/token');
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(airflow.fake.callsTo('/auth/token')).toBe(before + 1);
    expect(airflow.fake.calls.filter((c) => c.status === 401)).toHaveLength(0);
  });

  it('reuses a short-lived token instead of renewing it on every call', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] }, tokenTtlSeconds: 20 }, { STATUS_CACHE_TTL_MS: '0' });
    for (let i = 0; i < 3; i++) await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(airflow.fake.callsTo('/auth/token')).toBe(1);
  });
});

describe('API versions and auth schemes, worked out by themselves', () => {
  it('Airflow 2 (/api/v1) with HTTP basic', async () => {
    const run = success({ dag_run_id: 'v1run' });
    const http = await airflow.serve({ apiVersion: 'v1', dags: { [DAG]: [run] } });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(res.body).toMatchObject({ run_id: 'v1run', state: 'success', run_after: null });
    const call = airflow.fake.calls.find((c) => c.path === `/api/v1/dags/${DAG}/dagRuns`);
    expect(call).toMatchObject({ authScheme: 'basic' });
    expect(call?.query).toMatchObject({ order_by: '-execution_date' });
    // The changes feed on Airflow 2: the same filter, offset pages, no cursor parameter (strict validation refuses it).
    const changes = airflow.fake.calls.find((c) => c.path === '/api/v1/dags/~/dagRuns' && c.query.updated_at_gte !== undefined);
    expect(changes?.query).toMatchObject({ order_by: 'id', limit: '100' });
    expect(changes?.query).not.toHaveProperty('cursor');
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.airflow).toMatchObject({ api_version: 'v1', auth: 'basic' });
    const page = await http.get('/success').expect(200);
    expect(page.text).toContain(`/dags/${DAG}/grid?dag_run_id=v1run`);
    // Airflow 2 lists no runs for an unknown DAG rather than a 404; the service still says it is unknown.
    expect((await http.get('/api/dags/Other_DAG/status').expect(404)).body.reason).toBe('dag_not_found');
  });

  it('Airflow 3 with a JWT by default', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(airflow.fake.calls.find((c) => c.path.endsWith('/dagRuns'))?.authScheme).toBe('bearer');
  });

  it('Airflow 3 with HTTP basic when asked (FAB basic-auth backend)', async () => {
    const http = await airflow.serve({ auth: 'jwt+basic', dags: { [DAG]: [success()] } }, { AIRFLOW_AUTH: 'basic' });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(airflow.fake.callsTo('/auth/token')).toBe(0);
    expect(airflow.fake.calls.find((c) => c.path.endsWith('/dagRuns'))?.authScheme).toBe('basic');
  });

  it('an Airflow without authentication', async () => {
    const http = await airflow.serve({ auth: 'none', dags: { [DAG]: [success()] } }, { AIRFLOW_AUTH: 'none' });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(airflow.fake.calls.find((c) => c.path.endsWith('/dagRuns'))?.authScheme).toBe('none');
  });

  it('AIRFLOW_AUTH=jwt against Airflow 2: 503 saying the setting is the problem, and readiness does not call Airflow down', async () => {
    const http = await airflow.serve({ apiVersion: 'v1', dags: { [DAG]: [success()] } }, { AIRFLOW_AUTH: 'jwt' });
    const said = 'AIRFLOW_AUTH=jwt but this Airflow 2 has no /auth/token; use auto or basic';
    const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
    expect(res.body).toMatchObject({ reason: 'config_mismatch', message: said });
    const ready = await http.get('/health/ready').expect(503);
    expect(ready.body.error.airflow).toMatchObject({ reason: 'config_mismatch', message: said });
    expect(airflow.fake.callsTo('/auth/token')).toBe(0);
  });

  it.each([
    [
      'Airflow 2 whose [api] auth_backends lacks basic_auth',
      { apiVersion: 'v1', auth: 'session' },
      {},
      "Airflow 2's [api] auth_backends lacks airflow.api.auth.backend.basic_auth",
    ],
    ['Airflow 3 asked for HTTP basic', { auth: 'jwt' }, { AIRFLOW_AUTH: 'basic' }, "Airflow 3's API accepts only JWTs"],
  ] as const)('a 401 with the right password on %s: the answer and readiness say why', async (_, scenario, env, hint) => {
    const http = await airflow.serve({ ...scenario, dags: { [DAG]: [success()] } }, env);
    const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
    expect(res.body.reason).toBe('airflow_auth_refused');
    expect(res.body.message).toContain(hint);
    const ready = await http.get('/health/ready').expect(503);
    expect(ready.body.error.airflow.message).toContain(hint);
  });

  it('502 when nothing at the URL speaks an Airflow API', async () => {
    const http = await airflow.serve({ fault: 'garbage', dags: { [DAG]: [] } });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(502);
    expect(res.body.reason).toBe('airflow_bad_response');
  });
});

describe('cache', () => {
  it('makes one Airflow call for many concurrent requests, and reuses it for the TTL', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] }, delayMs: 100 });
    const answers = await Promise.all(Array.from({ length: 40 }, () => http.get(`/api/dags/${DAG}/status`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    for (let i = 0; i < 10; i++) await http.get(i % 2 ? '/' : '/success').expect(i % 2 ? 302 : 200);
    expect(airflow.fake.callsTo(`/api/v2/dags/${DAG}/dagRuns`)).toBe(1);
    const metrics = await http.get('/metrics').expect(200);
    // Fifty lookups; at most the first made a sync start (the mirror's own first sync may have come before any request).
    const lookups = (result: string) =>
      Number(new RegExp(`^status_cache_lookups_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(metrics.text)?.[1] ?? 0);
    expect(lookups('miss')).toBeLessThanOrEqual(1);
    expect(lookups('hit') + lookups('miss')).toBe(50);
  });

  it('caches failures too, so an outage is not multiplied by the client load', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } }, { STATUS_CACHE_TTL_MS: '0' });
    await http.get(`/api/dags/${DAG}/status`).expect(200); // the mirror loaded, API version and token known
    airflow.fake.setScenario({ fault: 'http500', delayMs: 200 });
    airflow.fake.clearCalls();
    // Forty requests at once during the outage: one sync meets the fault for all of them.
    const answers = await Promise.all(Array.from({ length: 40 }, () => http.get(`/api/dags/${DAG}/status`)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(502));
    expect(airflow.fake.callsTo('/api/v2/dags/~/dagRuns')).toBeLessThanOrEqual(2);
    expect(callsNaming(DAG)).toEqual([]);
  });
});

describe('HTTP hygiene', () => {
  it('sets security headers on every response, errors included', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    for (const path of ['/', '/success', `/api/dags/${DAG}/status`, '/api/dags/bad%20id/status', '/nope', '/health', '/docs-json']) {
      const res = await http.get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-request-id']).toBeDefined();
    }
  });

  it('answers an unknown route with the JSON error shape', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    const res = await http.get('/nope').expect(404);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'path', 'reason', 'statusCode', 'timestamp']);
  });

  it('documents every route in Swagger, with their error responses', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    const doc = await http.get('/docs-json').expect(200);
    const paths = Object.keys(doc.body.paths).sort();
    expect(paths).toEqual(
      [
        '/',
        '/api/dags',
        '/api/dags/{dagId}/badge.json',
        '/api/dags/{dagId}/badge.svg',
        '/api/dags/{dagId}/feed.atom',
        '/api/dags/feed.atom',
        '/api/dags/{dagId}/reliability',
        '/api/dags/{dagId}/runs',
        '/api/dags/{dagId}/status',
        '/api/events',
        '/assets/live.js',
        '/dags',
        '/failure',
        '/health',
        '/health/live',
        '/health/ready',
        '/metrics',
        '/success',
      ].sort(),
    );
    expect(Object.keys(doc.body.paths['/api/dags/{dagId}/status'].get.responses).sort()).toEqual([
      '200',
      '304', // issue #11: the conditional GET's answer is documented too
      '400',
      '404',
      '502',
      '503',
      '504',
    ]);
    const ui = await http.get('/docs/').expect(200);
    expect(ui.text).toContain('swagger-ui');
    // Every schema that tells why a DAG is not a success names every reason the service can give (config_mismatch was once missing from one).
    const schemas = (doc.body as { components: { schemas: Record<string, { properties: { reason: { enum: string[] } } }> } }).components
      .schemas;
    const reasons = ['StatusVerdictDto', 'DagOverviewDto'].map((name) => [...schemas[name].properties.reason.enum].sort());
    expect(reasons).toEqual([[...NOT_SUCCESS_REASONS].sort(), [...NOT_SUCCESS_REASONS].sort()]);
  });

  it('counts traffic and Airflow calls in /metrics, not probes', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [success()] } });
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    await http.get('/health/live').expect(200);
    await http.get('/health/ready').expect(200);
    const metrics = (await http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^http_requests_total\{method="GET",route="\/api\/dags\/:dagId\/status",status="200"\} 1$/m);
    expect(metrics).not.toMatch(/http_requests_total\{[^}]*route="\/health/);
    expect(metrics).toMatch(/^airflow_calls_total\{endpoint="list_dag_runs",outcome="ok"\} 1$/m);
    expect(metrics).toMatch(/^airflow_dag_latest_run_state\{dag_id="Airflow_Lab2",state="success"\} 1$/m);
    expect(metrics).toMatch(/^airflow_dag_latest_run_state\{dag_id="Airflow_Lab2",state="failed"\} 0$/m);
  });
});
