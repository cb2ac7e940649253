import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { SERVICE_NAME } from '../lifecycle/instance.identity.js';
import { PortProbe, probeHost } from './port.probe.js';

const probePort = (host: string, port: number, timeoutMs: number) => new PortProbe().probe(host, port, timeoutMs);

const servers: net.Server[] = [];

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function httpAnswering(status: number, body: string): http.Server {
  return http.createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    (server as http.Server).closeAllConnections?.();
    server.close();
  }
});

describe('probeHost', () => {
  it('reaches a wildcard bind on loopback and brackets IPv6', () => {
    expect(probeHost('0.0.0.0')).toBe('127.0.0.1');
    expect(probeHost('::')).toBe('[::1]');
    expect(probeHost('::1')).toBe('[::1]');
    expect(probeHost('10.0.0.5')).toBe('10.0.0.5');
  });
});

describe('PortProbe.probe', () => {
  it('calls a refused connection free', async () => {
    const port = await listen(net.createServer());
    servers.pop()!.close();
    await expect(probePort('127.0.0.1', port, 1000)).resolves.toEqual({ kind: 'free' });
  });

  it('recognises an instance of this service by its published name and instance id', async () => {
    const body = { status: 'ok', details: { process: { status: 'up', service: SERVICE_NAME, instance_id: 'abc', pid: 42 } } };
    const port = await listen(httpAnswering(200, JSON.stringify(body)));
    await expect(probePort('0.0.0.0', port, 1000)).resolves.toEqual({ kind: 'ours', instanceId: 'abc', pid: 42 });
  });

  it('does not trust a server that merely says ok (the seed did)', async () => {
    const port = await listen(httpAnswering(200, '"ok"'));
    await expect(probePort('127.0.0.1', port, 1000)).resolves.toMatchObject({
      kind: 'foreign',
      detail: expect.stringContaining('not airflow-status-api'),
    });
  });

  it('does not trust another service that publishes an identity of its own', async () => {
    const body = { details: { process: { service: 'something-else', instance_id: 'abc', pid: 1 } } };
    const port = await listen(httpAnswering(200, JSON.stringify(body)));
    await expect(probePort('127.0.0.1', port, 1000)).resolves.toMatchObject({ kind: 'foreign' });
  });

  it('calls a listener that never answers foreign once the timeout passes', async () => {
    const port = await listen(net.createServer(() => undefined));
    const started = Date.now();
    await expect(probePort('127.0.0.1', port, 300)).resolves.toMatchObject({ kind: 'foreign', detail: 'no HTTP answer within 300 ms' });
    // Well inside Jest's 5 s test timeout, which would otherwise fail the test before this bound could.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('calls a listener that hangs up foreign', async () => {
    const port = await listen(net.createServer((socket) => socket.destroy()));
    await expect(probePort('127.0.0.1', port, 1000)).resolves.toMatchObject({ kind: 'foreign' });
  });
});
