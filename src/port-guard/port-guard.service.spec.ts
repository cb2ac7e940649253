import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AllConfig } from '../config/config.type.js';
import { SERVICE_NAME } from '../lifecycle/instance.identity.js';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { WatchdogService } from '../watchdog/watchdog.service.js';
import { PortGuardService, PortHeldError } from './port-guard.service.js';

const opened: net.Server[] = [];
const watchdogs: WatchdogService[] = [];

/** An HTTP server that answers /health/live as an instance of this service would. */
function ourServer(instanceId: string): http.Server {
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ status: 'ok', details: { process: { status: 'up', service: SERVICE_NAME, instance_id: instanceId, pid: process.pid } } }));
  });
  opened.push(server);
  return server;
}

async function listen(server: net.Server, host = '127.0.0.1', port = 0): Promise<number> {
  if (!opened.includes(server)) opened.push(server);
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

async function close(server: net.Server): Promise<void> {
  (server as http.Server).closeAllConnections?.();
  server.close();
  if (server.listening) await once(server, 'close');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

/** A guard as main.ts uses it, around a Nest app whose HTTP server answers as instance `instanceId`. */
function guard(host: string, port: number, instanceId: string) {
  const config = {
    getOrThrow: (ns: string) =>
      ns === 'app'
        ? { host, port, logLevel: 'log', shutdownTimeoutMs: 5000 }
        : { intervalSeconds: 3600, onLoss: 'takeover', probeTimeoutMs: 500 },
  } as unknown as ConfigService<AllConfig, true>;
  const watchdog = new WatchdogService(new SchedulerRegistry(), config);
  watchdogs.push(watchdog);
  const server = ourServer(instanceId);
  const nest = { getHttpServer: () => server, close: async () => undefined } as unknown as INestApplication;
  return { service: new PortGuardService(watchdog, new LifecycleService(), config), watchdog, server, nest };
}

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

afterEach(async () => {
  for (const watchdog of watchdogs.splice(0)) watchdog.stop();
  await Promise.all(opened.splice(0).map(close));
});

describe('PortGuardService', () => {
  it('serves on a free port', async () => {
    const port = await freePort();
    const { service, server, nest, watchdog } = guard('127.0.0.1', port, 'a');
    await expect(service.start(nest)).resolves.toBe('serving');
    expect(service.isServing).toBe(true);
    expect((server.address() as net.AddressInfo).port).toBe(port);
    expect(watchdog.isWatching).toBe(false);
  });

  it('stands by, without listening, behind an instance of this service', async () => {
    const port = await listen(ourServer('holder'));
    const { service, server, nest, watchdog } = guard('127.0.0.1', port, 'b');
    await expect(service.start(nest)).resolves.toBe('standby');
    expect(server.listening).toBe(false);
    expect(watchdog.isWatching).toBe(true);
  });

  it('refuses a port held by another program, naming the port, the holder and what to do', async () => {
    const port = await listen(http.createServer((_req, res) => res.end('ok')));
    const { service, nest } = guard('127.0.0.1', port, 'c');
    const error = await service.start(nest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortHeldError);
    expect((error as Error).message).toContain(`Port ${port} on 127.0.0.1 is held by another program (pid ${process.pid}:`);
    expect((error as Error).message).toContain('set FLASK_PORT to a free port');
  });

  it('treats a bind that keeps failing as held, even when the probe finds no one (a holder on another address)', async () => {
    // 0.0.0.0 is probed on 127.0.0.1, where nothing answers; the bind still collides with 127.0.0.2.
    const port = await listen(net.createServer(), '127.0.0.2');
    const { service, nest } = guard('0.0.0.0', port, 'd');
    const error = await service.start(nest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortHeldError);
    expect((error as Error).message).toContain(`pid ${process.pid}:`);
  });

  it('lets exactly one of two standbys take over a lost port; the other watches the winner', async () => {
    const holder = ourServer('first');
    const port = await listen(holder);
    const one = guard('127.0.0.1', port, 'one');
    const two = guard('127.0.0.1', port, 'two');
    await expect(one.service.start(one.nest)).resolves.toBe('standby');
    await expect(two.service.start(two.nest)).resolves.toBe('standby');
    const watched = [jest.spyOn(one.watchdog, 'watch'), jest.spyOn(two.watchdog, 'watch')];
    await close(holder);
    // Both see the loss in the same instant; the bind decides.
    await Promise.all([one.watchdog.tick(), two.watchdog.tick()]);
    const [winner, loser] = one.service.isServing ? [one, two] : [two, one];
    expect([one.service.isServing, two.service.isServing].filter(Boolean)).toHaveLength(1);
    expect(winner.watchdog.isWatching).toBe(false);
    expect(loser.server.listening).toBe(false);
    expect(loser.watchdog.isWatching).toBe(true);
    // The bind failed, so the loser probed again, found the winner, and watches it.
    const winnerId = winner === one ? 'one' : 'two';
    expect(watched[loser === one ? 0 : 1]).toHaveBeenCalledWith('127.0.0.1', port, winnerId, expect.any(Function));
    // The loser now follows the winner: its next check finds an instance answering, not a loss.
    await loser.watchdog.tick();
    expect(loser.service.isServing).toBe(false);
  });
});
