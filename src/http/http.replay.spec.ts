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
async function serve(allowed = true) {
  let source: Source | undefined = { body: '{"n":1,"é":"ü"}', maxAge: 9 };
  const behind = jest.fn((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/thing' || source === undefined) {
      res.statusCode = 404;
      res.end('no');
      return;
    }
    res.setHeader('X-Request-Id', String(req.headers['x-request-id'] ?? 'fresh'));
    res.setHeader('Cache-Control', `max-age=${source.maxAge}`);
    res.setHeader('Content-Type', 'application/json');
    // As Express sends a body whose ETag it made: a Buffer.
    res.end(Buffer.from(source.body));
  });
  const route: ReplayableRoute<Source> = {
    route: '/thing',
    sourceOf: (url) => (url === '/thing' ? source : undefined),
    liveHeader: { name: 'Cache-Control', valueOf: (s) => `max-age=${s.maxAge}` },
    replayed: jest.fn(),
  };
  const telemetry = { requestId: (id: unknown) => (typeof id === 'string' ? id : 'new-id'), record: jest.fn() } as unknown as HttpTelemetry;
  const replay = new HttpReplay(telemetry, { allows: () => allowed } as unknown as AccessPolicy);
  replay.register(route);
  server = createServer(behind);
  replay.install(server);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (headers: Record<string, string> = {}, method = 'GET') => {
    const res = await fetch(`${base}/thing`, { headers, method });
    return { status: res.status, body: await res.text(), headers: res.headers };
  };
  return {
    get,
    behind,
    route,
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
});
