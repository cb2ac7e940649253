/**
 * Optional access control (ACCESS_TOKENS, ACCESS_TRUSTED_HEADER, ACCESS_PUBLIC_BADGES) on every way a
 * request is answered: Nest's routes, the replay of the cached status ahead of Nest and Swagger's
 * pages; and no credential in a log line.
 */
import { connect } from 'node:net';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DagStatusReplay } from '../src/dag-status/dag-status.replay.js';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow, type ServiceEnv } from './support/service-app.js';
import { freePort, ServiceProcess, until } from './support/service-process.js';
import { SseClient } from './support/sse-client.js';

jest.setTimeout(60_000);

const DAG = 'Airflow_Lab2';
const STATUS = `/api/dags/${DAG}/status`;
/** Two tokens, as during a rotation, and one that is not ours. */
const TOKEN = 'q3J9vT0xW2mZ8rL5pK1sN7cY4bF6hD0gE2aU9iO3tR1';
const NEXT_TOKEN = '6f1c2d9e-84b7-4a35-9c0e-7d2b1f8a3e64-rotated';
const WRONG_TOKEN = 'Zk8pQ2wN5vR1tY7uI3oP9aS4dF6gH0jK2lX5cV8bM1n';
const TOKENS = { ACCESS_TOKENS: `${TOKEN},${NEXT_TOKEN}` };

/** Every route but the probes and the badges, as a client names it. */
const PROTECTED = [
  '/',
  '/success',
  '/failure',
  '/dags',
  '/assets/live.js',
  '/api/dags',
  STATUS,
  `/api/dags/${DAG}/runs?limit=2`,
  '/api/events',
  `/api/events?dag_id=${DAG}`,
  '/metrics',
  '/docs',
  '/docs/',
  '/docs/swagger-ui-init.js',
  '/docs-json',
  '/docs-yaml',
];
/** Swagger's routes as Express also matches them: other case, a trailing slash. */
const DOCS_VARIANTS = ['/DOCS-JSON', '/Docs/', '/docs-json/', '/docs-yaml/'];
const PROBES = ['/health', '/health/live', '/health/ready'];
const BADGES = [`/api/dags/${DAG}/badge.svg`, `/api/dags/${DAG}/badge.json`];

const airflow = againstFakeAirflow({ STATUS_CACHE_TTL_MS: '60000' });
let base: string;
let port: number;
/** How many answers were replayed ahead of Nest. */
let replays: () => number;
const streams: SseClient[] = [];

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});

async function serve(env: ServiceEnv = {}): Promise<INestApplication> {
  const app = await airflow.start({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })] } }, env);
  const spy = jest.spyOn(app.get(DagStatusReplay), 'replayed');
  replays = () => spy.mock.calls.length;
  await app.listen(0, '127.0.0.1');
  port = (app.getHttpServer().address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  return app;
}

/** A GET with `headers`; for the event stream, only its status and headers (the stream is closed after the test). */
async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string }> {
  if (path.startsWith('/api/events')) {
    const stream = await SseClient.open(`${base}${path}`, headers);
    streams.push(stream);
    if (stream.status !== 200) await stream.until('the error body', (s) => s.ended);
    return { status: stream.status, headers: new Headers(stream.headers as Record<string, string>), body: stream.body };
  }
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** One request on a socket of its own, its header lines as bytes (latin1), and the status of the answer. */
function rawStatus(path: string, lines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      out += chunk;
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(out);
      if (status !== null) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', reject);
    socket.write(
      Buffer.from(`${[`GET ${path} HTTP/1.1`, ...lines, 'Host: localhost', 'Connection: close'].join('\r\n')}\r\n\r\n`, 'latin1'),
    );
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function expectRefused(answer: { status: number; headers: Headers; body: string }, path: string): void {
  expect({ path, status: answer.status }).toEqual({ path, status: 401 });
  expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="airflow-status-api"');
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 401, error: 'Unauthorized', reason: 'unauthorized' });
  expect(answer.body).not.toContain(TOKEN);
}

function expectServed(answer: { status: number; headers: Headers }, path: string): void {
  expect({ path, status: answer.status }).toEqual({ path, status: path === '/' ? 302 : 200 });
  expect(answer.headers.get('www-authenticate')).toBeNull();
}

describe('access control off (the default)', () => {
  it('serves every route to anyone, as the seed did', async () => {
    await serve();
    for (const path of [...PROTECTED, ...PROBES, ...BADGES]) expectServed(await get(path), path);
  });

  it('leaves the OpenAPI document without any security', async () => {
    await serve();
    const doc = JSON.parse((await get('/docs-json')).body) as Record<string, unknown>;
    expect(doc.security).toBeUndefined();
    expect(JSON.stringify(doc)).not.toMatch(/securitySchemes|x-access|"401"/);
  });
});

describe('access control with ACCESS_TOKENS', () => {
  it('refuses every route without credentials, the JSON error with its challenge', async () => {
    await serve(TOKENS);
    for (const path of [...PROTECTED, ...DOCS_VARIANTS, ...BADGES]) expectRefused(await get(path), path);
    const body = JSON.parse((await get(STATUS)).body) as { path: string; message: string };
    expect(body.path).toBe(STATUS);
    expect(body.message).toContain('Authorization: Bearer');
  });

  it('serves every route with either token (rotation), refuses a wrong one', async () => {
    await serve(TOKENS);
    for (const path of [...PROTECTED, ...BADGES]) {
      expectServed(await get(path, bearer(TOKEN)), path);
      expectServed(await get(path, bearer(NEXT_TOKEN)), path);
      expectRefused(await get(path, bearer(WRONG_TOKEN)), path);
    }
  });

  it('keeps the probes open, without credentials or with wrong ones', async () => {
    await serve(TOKENS);
    for (const path of PROBES) {
      expectServed(await get(path), path);
      expectServed(await get(path, bearer(WRONG_TOKEN)), path);
    }
  });

  it("never replays the cached status to a request without credentials: Nest's guard answers 401", async () => {
    await serve(TOKENS);
    expectServed(await get(STATUS, bearer(TOKEN)), STATUS); // Nest reads Airflow
    expectServed(await get(STATUS, bearer(TOKEN)), STATUS); // Nest answers from the mirror, recorded
    expectServed(await get(STATUS, bearer(TOKEN)), STATUS); // replayed
    expect(replays()).toBe(1);
    expectRefused(await get(STATUS), STATUS);
    expectRefused(await get(STATUS, bearer(WRONG_TOKEN)), STATUS);
    expect(replays()).toBe(1);
  });

  it('refuses the event stream, and opens it with a token', async () => {
    await serve(TOKENS);
    for (const path of ['/api/events', `/api/events?dag_id=${DAG}`]) {
      expectRefused(await get(path), path);
      const stream = await SseClient.open(`${base}${path}`, bearer(NEXT_TOKEN));
      streams.push(stream);
      expect(stream.status).toBe(200);
      await stream.until('the first status', (s) => s.statuses.length > 0);
    }
  });

  it('answers a malformed Authorization header with a 401, never a 500', async () => {
    await serve(TOKENS);
    const values = [
      'Bearer',
      'Bearer ',
      'Basic x',
      `Basic ${Buffer.from(`airflow:${TOKEN}`).toString('base64')}`,
      TOKEN,
      `Bearer ${TOKEN} ${TOKEN}`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${'A'.repeat(12_000)}`,
      `Bearer ${TOKEN.slice(0, 20)}\u00e9\u00ff${TOKEN.slice(20)}`,
      'Bearer \u00e9t\u00e9',
    ];
    for (const path of [STATUS, '/api/dags', '/api/events', '/docs-json']) {
      for (const value of values)
        expect({ path, value, status: await rawStatus(path, [`Authorization: ${value}`]) }).toMatchObject({ status: 401 });
      // Twice the header: Node keeps the first; still no way in.
      expect(await rawStatus(path, ['Authorization: Bearer nope', `Authorization: Bearer ${WRONG_TOKEN}`])).toBe(401);
    }
    expect(await rawStatus(STATUS, [`Authorization: bearer ${TOKEN}`])).toBe(200);
  });

  it('declares bearer auth in the OpenAPI document: a 401 on each protected operation, none on the probes', async () => {
    await serve(TOKENS);
    const doc = JSON.parse((await get('/docs-json', bearer(TOKEN))).body) as {
      security: unknown;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) as unknown });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/dags/{dagId}/status'].get.responses['401']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' } } },
    });
    expect(doc.components.schemas.ErrorDto).toBeDefined();
    expect(doc.paths['/api/dags/{dagId}/status'].get.security).toBeUndefined();
    expect(doc.paths['/api/dags/{dagId}/badge.svg'].get.responses['401']).toBeDefined();
    for (const probe of PROBES) {
      expect(doc.paths[probe].get.security).toEqual([]);
      expect(doc.paths[probe].get.responses['401']).toBeUndefined();
    }
    expect(JSON.stringify(doc)).not.toContain('x-access');
  });
});

describe('access control with ACCESS_PUBLIC_BADGES', () => {
  it('keeps the badges open, and them alone besides the probes', async () => {
    await serve({ ...TOKENS, ACCESS_PUBLIC_BADGES: 'true' });
    for (const path of [...BADGES, ...PROBES]) expectServed(await get(path), path);
    for (const path of PROTECTED) expectRefused(await get(path), path);
    const doc = JSON.parse((await get('/docs-json', bearer(TOKEN))).body) as {
      paths: Record<string, { get: { security?: unknown; responses: Record<string, unknown> } }>;
    };
    expect(doc.paths['/api/dags/{dagId}/badge.svg'].get).toMatchObject({ security: [] });
    expect(doc.paths['/api/dags/{dagId}/badge.svg'].get.responses['401']).toBeUndefined();
  });

  it('changes nothing while access control is off', async () => {
    await serve({ ACCESS_PUBLIC_BADGES: 'true' });
    for (const path of [STATUS, ...BADGES]) expectServed(await get(path), path);
  });
});

describe('access control with ACCESS_TRUSTED_HEADER', () => {
  const PROXY = { ACCESS_TRUSTED_HEADER: 'X-Forwarded-User' };

  it('serves a request that carries the header with a value, replays included', async () => {
    await serve(PROXY);
    for (const path of [...PROTECTED, ...BADGES]) expectServed(await get(path, { 'X-Forwarded-User': 'alice@example.com' }), path);
    const before = replays();
    expectServed(await get(STATUS, { 'x-forwarded-user': 'alice@example.com' }), STATUS);
    expect(replays()).toBe(before + 1);
  });

  it('refuses one without it, with an empty value, or with a bearer token (none is configured)', async () => {
    await serve(PROXY);
    const attempts: Record<string, string>[] = [
      {},
      { 'X-Forwarded-User': '' },
      { 'X-Forwarded-User': ' ' },
      { 'X-Forwarded-Email': 'alice' },
      bearer(TOKEN),
    ];
    for (const headers of attempts) {
      for (const path of [STATUS, '/api/events', '/dags', '/docs-json']) expectRefused(await get(path, headers), path);
    }
    for (const path of PROBES) expectServed(await get(path), path);
  });

  it('declares no bearer scheme (a client has nothing to send), but the 401s', async () => {
    await serve(PROXY);
    const doc = JSON.parse((await get('/docs-json', { 'X-Forwarded-User': 'alice' })).body) as {
      security?: unknown;
      components: Record<string, unknown>;
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    expect(doc.security).toBeUndefined();
    expect(doc.components.securitySchemes).toBeUndefined();
    expect(doc.paths['/api/dags/{dagId}/status'].get.responses['401']).toBeDefined();
  });

  it('takes either credential when tokens are set too', async () => {
    await serve({ ...PROXY, ...TOKENS });
    expectServed(await get(STATUS, { 'X-Forwarded-User': 'alice' }), STATUS);
    expectServed(await get(STATUS, bearer(TOKEN)), STATUS);
    expectRefused(await get(STATUS, bearer(WRONG_TOKEN)), STATUS);
  });
});

describe('the built service', () => {
  const started: ServiceProcess[] = [];
  const scenario = () => airflow.fake.setScenario({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })] } });
  afterAll(async () => {
    for (const service of started) {
      service.kill('SIGKILL');
      await service.exited();
    }
  });

  it('never writes a token or the trusted header value to its log, even at verbose', async () => {
    scenario();
    const who = 'alice-logged-nowhere@example.com';
    const { service, base: url } = await ServiceProcess.serve({
      AIRFLOW_WEBSERVER: airflow.fake.url,
      LOG_LEVEL: 'verbose',
      ...TOKENS,
      ACCESS_TRUSTED_HEADER: 'X-Forwarded-User',
    });
    started.push(service);
    const answers: number[] = [];
    for (const headers of [bearer(TOKEN), bearer(NEXT_TOKEN), bearer(WRONG_TOKEN), { 'X-Forwarded-User': who }, bearer(TOKEN)]) {
      for (const path of [STATUS, STATUS, '/metrics', '/docs-json', '/nowhere'])
        answers.push((await fetch(`${url}${path}`, { headers })).status);
    }
    expect(answers.filter((status) => status === 401)).toHaveLength(4);
    // Access lines are written once per event-loop turn: this one comes after all the others.
    await fetch(`${url}${STATUS}`, { headers: { ...bearer(TOKEN), 'X-Request-Id': 'the-last-request' } });
    await until('the last access line', async () => (service.output.includes('"request_id":"the-last-request"') ? true : null));
    expect(service.output).toContain('"status":401');
    for (const secret of [TOKEN, NEXT_TOKEN, WRONG_TOKEN, who]) expect(service.output).not.toContain(secret);
  });

  it('stops at start with exit code 78 on a weak token, naming the variable, not the value', async () => {
    const weak = 'password-password-password-password';
    const service = ServiceProcess.start({
      AIRFLOW_WEBSERVER: airflow.fake.url,
      FLASK_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      ACCESS_TOKENS: `${TOKEN},${weak}`,
    });
    started.push(service);
    expect(await service.exited()).toBe(78);
    expect(service.output).toContain('Invalid configuration: ACCESS_TOKENS token 2 of 2 is too weak');
    expect(service.output).not.toContain(weak);
    expect(service.output).not.toContain(TOKEN);
  });

  it('is ready and serves a token holder as a process, and refuses a request without one', async () => {
    scenario();
    const { service, base: url } = await ServiceProcess.serve({ AIRFLOW_WEBSERVER: airflow.fake.url, ...TOKENS });
    started.push(service);
    await until('readiness', async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : null));
    expect((await fetch(`${url}${STATUS}`)).status).toBe(401);
    expect((await fetch(`${url}${STATUS}`, { headers: bearer(TOKEN) })).status).toBe(200);
  });
});
