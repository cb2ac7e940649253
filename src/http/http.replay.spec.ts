import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { AccessPolicy } from '../access/access.policy.js';
import { HttpReplay, type ReplayableRoute } from './http.replay.js';
import type { HttpTelemetry } from './http.telemetry.js';

/** What the route answers from: a new object, a new answer. */
interface Source {
  body: string;
  maxAge: number;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server whose one listener stands for Express: it answers `/thing` from the current source, as Express's send does. */
async function serve(allowed = true, budget?: number) {
  let source: Source | undefined = { body: '{"n":1,"é":"ü"}', maxAge: 9 };
  const behind = jest.fn((req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/thing') || source === undefined) {
      res.statusCode = 404;
      res.end('no');
      return;
    }
    res.setHeader('X-Request-Id', String(req.headers['x-request-id'] ?? 'fresh'));
    res.setHeader('Cache-Control', `max-age=${source.maxAge}`);
    res.setHeader('Content-Type', 'application/json');
    // As Express sends a body whose ETag it made: a Buffer.
    res.end(Buffer.from(source.body + (req.url.slice(6) ? ` ${req.url.slice(6)}` : '')));
  });
  const route: ReplayableRoute<Source> = {
    route: '/thing',
    sourceOf: (url) => (url.startsWith('/thing') ? source : undefined),
    budget,
    liveHeader: { name: 'Cache-Control', valueOf: (s) => `max-age=${s.maxAge}` },
    replayed: jest.fn(),
  };
  const record = jest.fn();
  const telemetry = { requestId: (id: unknown) => (typeof id === 'string' ? id : 'new-id'), record } as unknown as HttpTelemetry;
  const replay = new HttpReplay(telemetry, { allows: () => allowed } as unknown as AccessPolicy);
  replay.register(route);
  server = createServer(behind);
  replay.install(server);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (headers: Record<string, string> = {}, method = 'GET', path = '/thing') => {
    const res = await fetch(`${base}${path}`, { headers, method });
    return { status: res.status, body: await res.text(), headers: res.headers };
  };
  return {
    get,
    behind,
    route,
    record,
    setSource: (next: Source | undefined) => (source = next),
  };
}

describe('HttpReplay', () => {
  it('replays the answer made behind it, with each request’s own id and live header, until its source changes', async () => {
    const { get, behind, route, setSource } = await serve();
    expect((await get({ 'X-Request-Id': 'one' })).body).toBe('{"n":1,"é":"ü"}');
    const again = await get({ 'X-Request-Id': 'two' });
    expect(again).toMatchObject({ status: 200, body: '{"n":1,"é":"ü"}' });
    expect(again.headers.get('x-request-id')).toBe('two');
    expect(again.headers.get('content-type')).toBe('application/json');
    expect(behind).toHaveBeenCalledTimes(1);
    expect(route.replayed).toHaveBeenCalledTimes(1);
    // The same source, its max-age counting down: replayed with the value of now.
    const source = route.sourceOf('/thing')!;
    source.maxAge = 3;
    expect((await get()).headers.get('cache-control')).toBe('max-age=3');
    expect(behind).toHaveBeenCalledTimes(1);
    // A new source: answered behind and recorded again.
    setSource({ body: '{"n":2}', maxAge: 9 });
    expect((await get()).body).toBe('{"n":2}');
    expect((await get()).body).toBe('{"n":2}');
    expect(behind).toHaveBeenCalledTimes(2);
  });

  it('leaves to the listener behind it what it must not replay', async () => {
    const { get, behind, setSource } = await serve();
    await get();
    await get({ 'If-None-Match': 'W/"x"' });
    await get({}, 'HEAD');
    expect(behind).toHaveBeenCalledTimes(3);
    // Nothing to answer from: the listener answers (a 404 here), and nothing is recorded.
    setSource(undefined);
    expect((await get()).status).toBe(404);
    expect((await get()).status).toBe(404);
    expect(behind).toHaveBeenCalledTimes(5);
  });

  it('never replays to a request the access policy refuses', async () => {
    const { get, behind } = await serve(false);
    await get();
    await get();
    expect(behind).toHaveBeenCalledTimes(2);
  });

  it('keeps each URL’s answer apart, and the access log’s path without the query', async () => {
    const { get, behind, record } = await serve();
    for (const path of ['/thing?a=1', '/thing?b=2', '/thing?a=1', '/thing?b=2']) await get({}, 'GET', path);
    expect(behind).toHaveBeenCalledTimes(2);
    expect((await get({}, 'GET', '/thing?b=2')).body).toBe('{"n":1,"é":"ü"} ?b=2');
    expect(record).toHaveBeenLastCalledWith('new-id', 'GET', '/thing', '/thing', 200, expect.any(Number), false);
  });

  it('keeps at most its budget of a route’s answers, dropping the oldest first', async () => {
    // Each answer is 20 bytes ('{"n":1,"é":"ü"} ?1' in UTF-8): two fit in 40, not three.
    const { get, behind } = await serve(true, 40);
    for (const path of ['/thing?1', '/thing?2', '/thing?3']) await get({}, 'GET', path);
    expect(behind).toHaveBeenCalledTimes(3);
    await get({}, 'GET', '/thing?3');
    await get({}, 'GET', '/thing?2');
    expect(behind).toHaveBeenCalledTimes(3);
    await get({}, 'GET', '/thing?1');
    expect(behind).toHaveBeenCalledTimes(4);
  });
});
