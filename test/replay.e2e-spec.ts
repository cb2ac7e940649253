import { connect } from 'node:net';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { DagStatusReplay } from '../src/dag-status/dag-status.replay.js';
import { OverviewReplay } from '../src/overview/overview.replay.js';
import { DagsPageReplay } from '../src/pages/dags-page.replay.js';
import { FakeAirflow, type FakeAirflowOptions } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow, type ServiceEnv } from './support/service-app.js';
import { ServiceProcess } from './support/service-process.js';

/**
 * The cached status, /dags and /api/dags are replayed ahead of Express and Nest (HttpReplay, and
 * DagStatusReplay, DagsPageReplay, OverviewReplay): what Nest answered, with each request's own id and
 * date (and the status's max-age). These tests check that a replay is what Nest sent, and that
 * everything it must not answer still reaches Nest.
 */
const DAG = 'Airflow_Lab2';
const STATUS = `/api/dags/${DAG}/status`;

const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: `${DAG},Other_DAG`, STATUS_CACHE_TTL_MS: '60000' });
let port: number;
/** How many answers were replayed. */
let replays: () => number;

async function serve(scenario: Partial<FakeAirflowOptions> = {}, env: ServiceEnv = {}): Promise<void> {
  const app = await airflow.start({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })] }, ...scenario }, env);
  const spy = jest.spyOn(app.get(DagStatusReplay), 'replayed');
  replays = () => spy.mock.calls.length;
  await app.listen(0, '127.0.0.1');
  port = (app.getHttpServer().address() as { port: number }).port;
}

/** One request on a socket of its own, and the exact bytes of the answer. */
function raw(lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.write(`${[...lines, 'Host: localhost', 'Connection: close'].join('\r\n')}\r\n\r\n`);
  });
}

const get = (path: string, ...headers: string[]) => raw([`GET ${path} HTTP/1.1`, ...headers]);
/** The status through Nest: the first waits for the DAG's read, the second is answered from the mirror and recorded. */
async function warm(path = STATUS): Promise<void> {
  await get(path);
  await get(path);
}
/** Freezes Date alone (the sockets' timers run as ever): two requests fall in the same second however busy the machine. */
function freezeDate(): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}
/** Moves the clock the replay and the mirror read. */
const advance = (ms: number) => jest.setSystemTime(Date.now() + ms);
afterEach(() => {
  jest.useRealTimers();
});

/** Date and the max-age counting down are what two answers a moment apart may differ in. */
const withoutDate = (answer: string) => answer.replace(/\r\nDate: [^\r]+/, '\r\nDate: -').replace(/max-age=\d+/, 'max-age=-');

describe('the replay of the cached status', () => {
  it('replays the bytes Nest answered: status line, headers in order, ETag and body', async () => {
    await serve();
    await get(STATUS);
    const fromNest = await get(STATUS, 'X-Request-Id: same-id');
    const replayed = await get(STATUS, 'X-Request-Id: same-id');
    expect(replays()).toBe(1);
    expect(withoutDate(replayed)).toBe(withoutDate(fromNest));
    expect(replayed).toMatch(/^HTTP\/1\.1 200 OK\r\nX-Request-Id: same-id\r\n/);
    expect(replayed).toContain('\r\nETag: W/"');
    expect(replayed).toMatch(/\r\nCache-Control: max-age=\d+\r\n/);
    expect(airflow.fake.callsTo(`/api/v2/dags/${DAG}/dagRuns`)).toBe(1);
  });

  it('gives each request its own id unless the caller sent a plain one', async () => {
    await serve();
    await warm();
    const a = await get(STATUS);
    const b = await get(STATUS, 'X-Request-Id: bad id with spaces');
    expect(replays()).toBe(2);
    const id = (answer: string) => /\r\nX-Request-Id: ([^\r]+)/.exec(answer)?.[1];
    expect(id(a)).toMatch(/^[0-9a-f-]{36}$/);
    expect(id(b)).toMatch(/^[0-9a-f-]{36}$/);
    expect(id(a)).not.toBe(id(b));
  });

  it('counts its answers like the Nest route: one route label, cache hits', async () => {
    await serve();
    await warm();
    await get(STATUS);
    await get(STATUS);
    expect(replays()).toBe(2);
    const metrics = (await request(airflow.app!.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toContain('http_requests_total{method="GET",route="/api/dags/:dagId/status",status="200"} 4');
    expect(metrics).toContain('http_request_duration_seconds_count{method="GET",route="/api/dags/:dagId/status",status="200"} 4');
    // Four lookups; at most the first made the mirror sync (its own first sync may have come before).
    const lookups = (result: string) =>
      Number(new RegExp(`status_cache_lookups_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(lookups('miss')).toBeLessThanOrEqual(1);
    expect(lookups('hit') + lookups('miss')).toBe(4);
  });

  it('leaves a conditional request to Express, which answers 304 to the ETag replayed', async () => {
    await serve();
    await warm();
    const etag = /\r\nETag: ([^\r]+)/.exec(await get(STATUS))?.[1];
    const notModified = await get(STATUS, `If-None-Match: ${etag}`);
    expect(replays()).toBe(1);
    expect(notModified).toMatch(/^HTTP\/1\.1 304 /);
  });

  it.each([
    ['HEAD', [`HEAD ${STATUS} HTTP/1.1`], /^HTTP\/1\.1 200 /],
    ['a query string', [`GET ${STATUS}?fresh=1 HTTP/1.1`], /^HTTP\/1\.1 200 /],
    ['a %-escaped DAG id', [`GET /api/dags/Airflow%5FLab2/status HTTP/1.1`], /^HTTP\/1\.1 200 /],
    ['a trailing slash', [`GET ${STATUS}/ HTTP/1.1`], /^HTTP\/1\.1 200 /],
    ['a DAG outside ALLOWED_DAG_IDS', ['GET /api/dags/Secret_DAG/status HTTP/1.1'], /^HTTP\/1\.1 404 /],
    ['a malformed DAG id', ['GET /api/dags/bad!id/status HTTP/1.1'], /^HTTP\/1\.1 400 /],
    // Issue #11: a method the route lacks is a 405 (it was a 404).
    ['a POST', [`POST ${STATUS} HTTP/1.1`, 'Content-Length: 0'], /^HTTP\/1\.1 405 /],
  ])('leaves %s to Nest, even with the status cached', async (_what, lines, expected) => {
    await serve();
    await warm();
    expect(await raw(lines)).toMatch(expected);
    expect(replays()).toBe(0);
  });

  it('never answers from a failed read: every such request gets Nest’s error answer', async () => {
    await serve({ fault: 'http500' });
    expect(await get(STATUS)).toMatch(/^HTTP\/1\.1 502 /);
    const calls = airflow.fake.calls.length;
    expect(await get(STATUS)).toMatch(/^HTTP\/1\.1 502 /);
    expect(replays()).toBe(0);
    expect(airflow.fake.calls.length).toBe(calls); // the failure itself is cached
  });

  it('never answers from an expired read (STATUS_CACHE_TTL_MS=0)', async () => {
    await serve({}, { STATUS_CACHE_TTL_MS: '0' });
    await get(STATUS);
    const syncs = airflow.fake.callsTo('/api/v2/dags/~/dagRuns');
    await get(STATUS);
    expect(replays()).toBe(0);
    // The second request made the mirror sync again before it was answered.
    expect(airflow.fake.callsTo('/api/v2/dags/~/dagRuns')).toBeGreaterThan(syncs);
  });

  it('serves each allowed DAG from its own cached read', async () => {
    await serve({
      dags: {
        [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })],
        Other_DAG: [FakeAirflow.run({ dag_id: 'Other_DAG', state: 'failed' })],
      },
    });
    // Through Nest first, which waits for each DAG's first read.
    await warm();
    await warm('/api/dags/Other_DAG/status');
    const before = replays();
    const [mine, other] = [await get(STATUS), await get('/api/dags/Other_DAG/status')];
    expect(replays()).toBe(before + 2);
    expect(mine).toContain('"dag_id":"Airflow_Lab2","state":"success"');
    expect(other).toContain('"dag_id":"Other_DAG","state":"failed"');
  });
});

describe('the replay in the running service', () => {
  let service: ServiceProcess | undefined;

  afterAll(() => {
    service?.kill('SIGKILL');
  });

  it('writes the same access-log line as the Nest route, and loses none at shutdown', async () => {
    airflow.fake.reset();
    airflow.fake.setScenario({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })] } });
    let base: string;
    ({ service, base } = await ServiceProcess.serve({
      AIRFLOW_WEBSERVER: airflow.fake.url,
      STATUS_CACHE_TTL_MS: '60000',
    }));
    for (const id of ['first-read', 'recorded', 'replayed']) {
      expect((await fetch(`${base}${STATUS}`, { headers: { 'X-Request-Id': id } })).status).toBe(200);
    }
    service.kill('SIGTERM');
    await service.exited();
    const lines = service.output
      .split('\n')
      .filter((line) => line.includes('"message":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.request_id)).toEqual(['first-read', 'recorded', 'replayed']);
    const shape = ({ timestamp: _t, duration_ms: _d, request_id: _r, ...rest }: Record<string, unknown>) => ({
      keys: Object.keys(rest),
      rest,
    });
    expect(shape(lines[1])).toEqual(shape(lines[0]));
    expect(shape(lines[2])).toEqual(shape(lines[0]));
    expect(Object.keys(lines[1])).toEqual(Object.keys(lines[0]));
    expect(airflow.fake.callsTo(`/api/v2/dags/${DAG}/dagRuns`)).toBe(1);
  }, 60_000);
});

describe('the replay of /dags', () => {
  const OTHER = 'Other_DAG';
  const TOKEN = 'q3J9vT0xW2mZ8rL5pK1sN7cY4bF6hD0gE2aU9iO3tR1';
  let pageReplays: () => number;
  async function servePage(env: ServiceEnv = {}): Promise<void> {
    const app = await airflow.start(
      {
        dags: {
          [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })],
          [OTHER]: [FakeAirflow.run({ dag_id: OTHER, state: 'failed' })],
        },
      },
      env,
    );
    const spy = jest.spyOn(app.get(DagsPageReplay), 'replayed');
    pageReplays = () => spy.mock.calls.length;
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
    // Through Nest first, which waits for every DAG's first read.
    await get('/dags', ...(env.ACCESS_TOKENS ? [`Authorization: Bearer ${TOKEN}`] : []));
    freezeDate();
  }

  it('replays the page Nest rendered: headers in order (CSP, no-store, ETag) and body', async () => {
    await servePage();
    const fromNest = await get('/dags', 'X-Request-Id: same-id');
    const replayed = await get('/dags', 'X-Request-Id: same-id');
    expect(pageReplays()).toBe(1);
    expect(withoutDate(replayed)).toBe(withoutDate(fromNest));
    expect(replayed).toMatch(/^HTTP\/1\.1 200 OK\r\nX-Request-Id: same-id\r\n/);
    expect(replayed).toContain("\r\nContent-Security-Policy: default-src 'none'; script-src 'self';");
    expect(replayed).toContain('\r\nCache-Control: no-store\r\n');
    expect(replayed).toContain('\r\nETag: W/"');
    expect(replayed).toContain(`data-dag-id="${OTHER}"`);
  });

  it('keeps a page per query, and counts its answers like the Nest route', async () => {
    await servePage();
    for (const path of ['/dags?outcome=failure', '/dags', '/dags?outcome=failure', '/dags']) await get(path);
    expect(pageReplays()).toBe(2);
    const failing = await get('/dags?outcome=failure');
    expect(failing).toContain(`data-dag-id="${OTHER}"`);
    expect(failing).not.toContain(`data-dag-id="${DAG}"`);
    expect(pageReplays()).toBe(3);
    const metrics = (await request(airflow.app!.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toContain('http_requests_total{method="GET",route="/dags",status="200"} 6');
  });

  it('renders again at the next second (the page shows ages to the second) and after a change in Airflow', async () => {
    await servePage();
    await get('/dags');
    advance(1000);
    await get('/dags');
    expect(pageReplays()).toBe(0);
    await get('/dags');
    expect(pageReplays()).toBe(1);
    // A failed run of Airflow_Lab2, read by the sync the first request past STATUS_CACHE_TTL_MS makes; the next is recorded.
    airflow.fake.addRun(DAG, FakeAirflow.run({ dag_id: DAG, state: 'failed', dag_run_id: 'manual__broke' }));
    advance(61_000);
    expect(await get('/dags')).toContain('manual__broke');
    await get('/dags');
    expect(pageReplays()).toBe(1);
    expect(await get('/dags')).toContain('manual__broke');
    expect(pageReplays()).toBe(2);
  });

  it('leaves a conditional request to Nest, which answers 304 to the ETag replayed', async () => {
    await servePage();
    await get('/dags');
    const etag = /\r\nETag: ([^\r]+)/.exec(await get('/dags'))?.[1];
    expect(pageReplays()).toBe(1);
    expect(await get('/dags', `If-None-Match: ${etag}`)).toMatch(/^HTTP\/1\.1 304 /);
    expect(pageReplays()).toBe(1);
  });

  it('never replays the page to a request the access policy refuses', async () => {
    await servePage({ ACCESS_TOKENS: TOKEN });
    const auth = `Authorization: Bearer ${TOKEN}`;
    await get('/dags', auth);
    expect(await get('/dags', auth)).toMatch(/^HTTP\/1\.1 200 /);
    expect(pageReplays()).toBe(1);
    expect(await get('/dags')).toMatch(/^HTTP\/1\.1 401 /);
    expect(await get('/dags', 'Authorization: Bearer Zk8pQ2wN5vR1tY7uI3oP9aS4dF6gH0jK2lX5cV8bM1n')).toMatch(/^HTTP\/1\.1 401 /);
    expect(pageReplays()).toBe(1);
  });
});

describe('the replay of /api/dags', () => {
  const OTHER = 'Other_DAG';
  const TOKEN = 'q3J9vT0xW2mZ8rL5pK1sN7cY4bF6hD0gE2aU9iO3tR1';
  let listReplays: () => number;

  async function serveList(env: ServiceEnv = {}): Promise<void> {
    const app = await airflow.start(
      {
        dags: {
          [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })],
          [OTHER]: [FakeAirflow.run({ dag_id: OTHER, state: 'failed' })],
        },
      },
      env,
    );
    const spy = jest.spyOn(app.get(OverviewReplay), 'replayed');
    listReplays = () => spy.mock.calls.length;
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
    // Through Nest first, which waits for every DAG's first read.
    await get('/api/dags', ...(env.ACCESS_TOKENS ? [`Authorization: Bearer ${TOKEN}`] : []));
    freezeDate();
  }

  const bodyOf = (answer: string) =>
    JSON.parse(Buffer.from(answer.slice(answer.indexOf('\r\n\r\n') + 4), 'latin1').toString('utf8')) as {
      dags: Array<{ dag_id: string; fetched_at: string; state: string }>;
      total?: number;
    };

  it('replays the JSON Nest answered: headers in order (no-cache, ETag, JSON) and body', async () => {
    await serveList();
    const fromNest = await get('/api/dags', 'X-Request-Id: same-id');
    const replayed = await get('/api/dags', 'X-Request-Id: same-id');
    expect(listReplays()).toBe(1);
    expect(withoutDate(replayed)).toBe(withoutDate(fromNest));
    expect(replayed).toMatch(/^HTTP\/1\.1 200 OK\r\nX-Request-Id: same-id\r\n/);
    expect(replayed).toContain('\r\nCache-Control: no-cache\r\n');
    expect(replayed).toContain('\r\nContent-Type: application/json; charset=utf-8\r\n');
    expect(replayed).toContain('\r\nETag: W/"');
    expect(Object.keys(bodyOf(replayed))).toEqual(['dags']);
    expect(bodyOf(replayed).dags.map((d) => d.dag_id)).toEqual([DAG, OTHER]);
  });

  it('keeps an answer per query, and counts its answers like the Nest route', async () => {
    await serveList();
    for (const path of ['/api/dags?outcome=failure', '/api/dags', '/api/dags?outcome=failure', '/api/dags']) await get(path);
    expect(listReplays()).toBe(2);
    const failing = bodyOf(await get('/api/dags?outcome=failure'));
    expect(failing.dags.map((d) => d.dag_id)).toEqual([OTHER]);
    expect(failing.total).toBe(1);
    expect(listReplays()).toBe(3);
    const metrics = (await request(airflow.app!.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toContain('http_requests_total{method="GET",route="/api/dags",status="200"} 6');
  });

  it('answers anew at each sync (fetched_at moves) and after a change in Airflow, not with the clock alone', async () => {
    await serveList();
    const first = await get('/api/dags', 'X-Request-Id: same-id');
    advance(30_000);
    expect(withoutDate(await get('/api/dags', 'X-Request-Id: same-id'))).toBe(withoutDate(first));
    expect(listReplays()).toBe(1);
    // Past STATUS_CACHE_TTL_MS: Nest waits for the sync the request makes; the next answer is recorded, then replayed.
    advance(31_000);
    const synced = await get('/api/dags');
    expect(bodyOf(synced).dags[0].fetched_at).not.toBe(bodyOf(first).dags[0].fetched_at);
    await get('/api/dags');
    expect(bodyOf(await get('/api/dags')).dags[0].fetched_at).toBe(bodyOf(synced).dags[0].fetched_at);
    expect(listReplays()).toBe(2);
    airflow.fake.addRun(DAG, FakeAirflow.run({ dag_id: DAG, state: 'failed', dag_run_id: 'manual__broke' }));
    advance(61_000);
    expect(await get('/api/dags')).toContain('manual__broke');
    await get('/api/dags');
    expect(bodyOf(await get('/api/dags')).dags[0].state).toBe('failed');
    expect(listReplays()).toBe(3);
  });

  it('leaves a conditional request to Nest, which answers 304 to the ETag replayed', async () => {
    await serveList();
    await get('/api/dags');
    const etag = /\r\nETag: ([^\r]+)/.exec(await get('/api/dags'))?.[1];
    expect(listReplays()).toBe(1);
    expect(await get('/api/dags', `If-None-Match: ${etag}`)).toMatch(/^HTTP\/1\.1 304 /);
    expect(listReplays()).toBe(1);
  });

  it.each([
    ['HEAD', ['HEAD /api/dags HTTP/1.1'], /^HTTP\/1\.1 200 /],
    ['a trailing slash', ['GET /api/dags/ HTTP/1.1'], /^HTTP\/1\.1 200 /],
    ['a malformed query', ['GET /api/dags?limit=0 HTTP/1.1'], /^HTTP\/1\.1 400 [^]*"limit must be a whole number/],
  ])('leaves %s to Nest, every time', async (_what, lines, expected) => {
    await serveList();
    await get('/api/dags');
    await get('/api/dags?limit=0');
    expect(await raw(lines)).toMatch(expected);
    expect(await raw(lines)).toMatch(expected);
    expect(listReplays()).toBe(0);
  });

  it('never replays the list to a request the access policy refuses', async () => {
    await serveList({ ACCESS_TOKENS: TOKEN });
    const auth = `Authorization: Bearer ${TOKEN}`;
    await get('/api/dags', auth);
    expect(await get('/api/dags', auth)).toMatch(/^HTTP\/1\.1 200 /);
    expect(listReplays()).toBe(1);
    expect(await get('/api/dags')).toMatch(/^HTTP\/1\.1 401 /);
    expect(await get('/api/dags', 'Authorization: Bearer Zk8pQ2wN5vR1tY7uI3oP9aS4dF6gH0jK2lX5cV8bM1n')).toMatch(/^HTTP\/1\.1 401 /);
    expect(listReplays()).toBe(1);
  });
});
