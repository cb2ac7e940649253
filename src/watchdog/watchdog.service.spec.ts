import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AllConfig } from '../config/config.type.js';
import { SERVICE_NAME } from '../lifecycle/instance.identity.js';
import type { PortState } from '../port-guard/port.probe.js';
import { MISSES_BEFORE_LOSS, WatchdogService } from './watchdog.service.js';

let server: net.Server;
let port: number;
let answer: 'ours' | 'silent' = 'ours';
let instanceId = 'first';

function watchdog(): { service: WatchdogService; scheduler: SchedulerRegistry } {
  const scheduler = new SchedulerRegistry();
  const config = { getOrThrow: () => ({ intervalSeconds: 3600, onLoss: 'takeover', probeTimeoutMs: 300 }) } as unknown as ConfigService<AllConfig, true>;
  return { service: new WatchdogService(scheduler, config), scheduler };
}

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

beforeEach(async () => {
  answer = 'ours';
  instanceId = 'first';
  server = http.createServer((_req, res) => {
    if (answer === 'silent') return; // accepts, never answers
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ details: { process: { service: SERVICE_NAME, instance_id: instanceId, pid: 1 } } }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});

afterEach(() => {
  (server as http.Server).closeAllConnections();
  server.close();
});

describe('WatchdogService', () => {
  it('registers its interval with SchedulerRegistry while standing by, and removes it on stop and on shutdown', () => {
    const { service, scheduler } = watchdog();
    service.watch('127.0.0.1', port, 'first', async () => undefined);
    expect(scheduler.getIntervals()).toEqual(['watchdog']);
    service.watch('127.0.0.1', port, 'first', async () => undefined); // again: still one interval
    expect(scheduler.getIntervals()).toEqual(['watchdog']);
    service.stop();
    expect(scheduler.getIntervals()).toEqual([]);
    service.watch('127.0.0.1', port, 'first', async () => undefined);
    service.onApplicationShutdown();
    expect(service.isWatching).toBe(false);
  });

  it('reports no loss while the instance answers, and follows a new instance on the port', async () => {
    const { service } = watchdog();
    const onLoss = jest.fn(async (_state: PortState) => undefined);
    service.watch('127.0.0.1', port, 'first', onLoss);
    await service.tick();
    instanceId = 'second';
    await service.tick();
    expect(onLoss).not.toHaveBeenCalled();
    service.stop();
  });

  it('reports a free port as a loss at once', async () => {
    const { service } = watchdog();
    const onLoss = jest.fn(async (_state: PortState) => undefined);
    service.watch('127.0.0.1', port, 'first', onLoss);
    (server as http.Server).closeAllConnections();
    server.close();
    await once(server, 'close');
    await service.tick();
    expect(onLoss).toHaveBeenCalledWith({ kind: 'free' });
    service.stop();
  });

  it('reports a silent instance only after repeated misses', async () => {
    const { service } = watchdog();
    const onLoss = jest.fn(async (_state: PortState) => undefined);
    service.watch('127.0.0.1', port, 'first', onLoss);
    answer = 'silent';
    for (let miss = 1; miss < MISSES_BEFORE_LOSS; miss++) await service.tick();
    expect(onLoss).not.toHaveBeenCalled();
    await service.tick();
    expect(onLoss).toHaveBeenCalledWith(expect.objectContaining({ kind: 'foreign' }));
    service.stop();
  });

  it('never lets a tick reject, and never runs two at once', async () => {
    const { service } = watchdog();
    server.close();
    (server as http.Server).closeAllConnections();
    await once(server, 'close');
    const onLoss = jest.fn(async (_state: PortState) => {
      throw new Error('boom');
    });
    service.watch('127.0.0.1', port, 'first', onLoss);
    await expect(Promise.all([service.tick(), service.tick()])).resolves.toEqual([undefined, undefined]);
    expect(onLoss).toHaveBeenCalledTimes(1);
    service.stop();
  });
});
