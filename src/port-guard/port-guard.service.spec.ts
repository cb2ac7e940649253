import { EventEmitter } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { configOf } from '../config/config.fixtures.js';
import type { PortGuardOnLoss } from '../config/port-guard.config.js';
import { ExitCode } from '../lifecycle/lifecycle.constants.js';
import type { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { PortGuardService, PortHeldError } from './port-guard.service.js';
import { PortGuardWatchdog } from './port-guard.watchdog.js';
import type { PortHolder, PortHolderFinder } from './port-holder.finder.js';
import type { PortProbe, PortState } from './port.probe.js';

const HOST = '127.0.0.1';
const PORT = 5555;
const PROBE_TIMEOUT_MS = 500;
const ours = (instanceId: string): PortState => ({ kind: 'ours', instanceId, pid: 1 });
const free: PortState = { kind: 'free' };
const foreign = (detail: string): PortState => ({ kind: 'foreign', detail });

type BindOutcome = 'ok' | 'EADDRINUSE' | 'EACCES';

/** Nest's HTTP server as the guard uses it: each listen() takes the next scripted outcome. */
class FakeServer extends EventEmitter {
  listening = false;
  readonly binds: Array<[number, string]> = [];

  constructor(private readonly outcomes: BindOutcome[]) {
    super();
  }

  listen(port: number, host: string, onListening: () => void): void {
    this.binds.push([port, host]);
    const outcome = this.outcomes.shift() ?? 'ok';
    setImmediate(() => {
      if (outcome === 'ok') {
        this.listening = true;
        onListening();
      } else {
        this.emit('error', Object.assign(new Error(`listen ${outcome}`), { code: outcome }));
      }
    });
  }
}

const watchdogs: PortGuardWatchdog[] = [];

/**
 * A guard on HOST:PORT whose probe answers `answers` in turn (the last one from
 * then on), whose port is held by `holders` as /proc tells it, and whose binds
 * go as `binds` says.
 */
function guard(
  answers: PortState[],
  { binds = [], holders = [], onLoss = 'takeover' }: { binds?: BindOutcome[]; holders?: PortHolder[]; onLoss?: PortGuardOnLoss } = {},
) {
  const config = configOf({
    http: { host: HOST, port: PORT },
    portGuard: { probeTimeoutMs: PROBE_TIMEOUT_MS, watchdogIntervalSeconds: 3600, onLoss },
  });
  const probe = jest.fn<PortProbe['probe']>(async () => (answers.length > 1 ? answers.shift()! : answers[0]));
  const portProbe = { probe } as unknown as PortProbe;
  const find = jest.fn<PortHolderFinder['find']>(async () => holders);
  const finder = {
    find,
    describe: (list: PortHolder[]) => list.map((h) => `pid ${h.pid}: ${h.command}`).join('; '),
  } as unknown as PortHolderFinder;
  const lifecycle = { isDraining: false, exit: jest.fn<LifecycleService['exit']>() };
  const server = new FakeServer(binds);
  const adapterHost = { httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost;
  const watchdog = new PortGuardWatchdog(new SchedulerRegistry(), portProbe, config);
  watchdogs.push(watchdog);
  const service = new PortGuardService(watchdog, portProbe, finder, lifecycle as unknown as LifecycleService, adapterHost, config);
  return { service, watchdog, probe, find, lifecycle, server };
}

beforeAll(() => {
  Logger.overrideLogger(false);
});
afterAll(() => {
  Logger.overrideLogger(['log', 'error', 'warn']);
});

afterEach(() => {
  for (const watchdog of watchdogs.splice(0)) watchdog.stop();
});

describe('PortGuardService.start', () => {
  it('serves on a free port', async () => {
    const { service, watchdog, probe, server } = guard([free]);
    await expect(service.start()).resolves.toBe('serving');
    expect(probe).toHaveBeenCalledWith(HOST, PORT, PROBE_TIMEOUT_MS);
    expect(server.binds).toEqual([[PORT, HOST]]);
    expect(server.listening).toBe(true);
    expect(watchdog.isWatching).toBe(false);
  });

  it('stands by, without listening, behind an instance of this service, and watches it', async () => {
    const { service, watchdog, server } = guard([ours('holder')]);
    const watch = jest.spyOn(watchdog, 'watch');
    await expect(service.start()).resolves.toBe('standby');
    expect(server.binds).toEqual([]);
    expect(server.listening).toBe(false);
    expect(watchdog.isWatching).toBe(true);
    expect(watch).toHaveBeenCalledWith(HOST, PORT, 'holder', expect.any(Function));
  });

  it('refuses a port held by another program, naming the port, the holder and what to do, with exit code 69', async () => {
    const detail = 'answers HTTP 200 but is not airflow-status-api';
    const { service, find, server } = guard([foreign(detail)], { holders: [{ pid: 7, command: 'python3 -m http.server 5555' }] });
    const error = await service.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortHeldError);
    expect((error as Error).message).toBe(
      `Port ${PORT} on ${HOST} is held by another program (pid 7: python3 -m http.server 5555; ${detail}). Stop that program, or set FLASK_PORT to a free port.`,
    );
    expect((error as PortHeldError).exitCode).toBe(ExitCode.PORT_HELD);
    expect(find).toHaveBeenCalledWith(PORT);
    expect(server.binds).toEqual([]);
  });

  it('probes again when the bind loses a race (EADDRINUSE), and stands by behind the winner', async () => {
    const { service, watchdog, probe, server } = guard([free, ours('winner')], { binds: ['EADDRINUSE'] });
    const watch = jest.spyOn(watchdog, 'watch');
    await expect(service.start()).resolves.toBe('standby');
    expect(probe).toHaveBeenCalledTimes(2);
    expect(server.binds).toHaveLength(1);
    expect(server.listening).toBe(false);
    expect(watch).toHaveBeenCalledWith(HOST, PORT, 'winner', expect.any(Function));
  });

  it('probes again after EADDRINUSE, and serves when the port is free by then', async () => {
    const { service, server } = guard([free], { binds: ['EADDRINUSE', 'ok'] });
    await expect(service.start()).resolves.toBe('serving');
    expect(server.binds).toHaveLength(2);
  });

  it('treats a bind that keeps failing as held, even when the probe finds no one (a holder on another address)', async () => {
    const { service, server } = guard([free], {
      binds: Array<BindOutcome>(10).fill('EADDRINUSE'),
      holders: [{ pid: 9, command: 'nc -l 5555' }],
    });
    const error = await service.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortHeldError);
    expect((error as Error).message).toContain('(pid 9: nc -l 5555; it stays held but does not answer)');
    // A few rounds, not forever.
    expect(server.binds).toHaveLength(5);
  });

  it('lets any other bind error through as it is', async () => {
    const { service } = guard([free], { binds: ['EACCES'] });
    const error = await service.start().catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(PortHeldError);
    expect(error).toMatchObject({ code: 'EACCES' });
  });
});

describe('PortGuardService on a loss the watchdog reports', () => {
  it('takes the port over when it is free (WATCHDOG_ON_LOSS=takeover)', async () => {
    const { service, watchdog, lifecycle, server } = guard([ours('first'), free]);
    await service.start();
    await watchdog.tick();
    expect(server.listening).toBe(true);
    expect(server.binds).toEqual([[PORT, HOST]]);
    expect(watchdog.isWatching).toBe(false);
    expect(lifecycle.exit).not.toHaveBeenCalled();
  });

  it('stands by again behind the standby that won the takeover, and follows it', async () => {
    const { service, watchdog, server } = guard([ours('first'), free, free, ours('winner')], { binds: ['EADDRINUSE'] });
    const watch = jest.spyOn(watchdog, 'watch');
    await service.start();
    await watchdog.tick();
    expect(server.listening).toBe(false);
    expect(watchdog.isWatching).toBe(true);
    expect(watch).toHaveBeenLastCalledWith(HOST, PORT, 'winner', expect.any(Function));
    // Its next check finds the winner answering: no loss, no bind.
    await watchdog.tick();
    expect(server.binds).toHaveLength(1);
  });

  it('keeps watching a port that stays held but does not answer as ours, and does not bind', async () => {
    const { service, watchdog, probe, find, server } = guard([ours('first'), foreign('no HTTP answer within 500 ms')]);
    await service.start();
    await watchdog.tick();
    await watchdog.tick();
    await watchdog.tick();
    // No takeover attempt: only the start's and the watchdog's own probes, and no one looked up.
    expect(probe).toHaveBeenCalledTimes(4);
    expect(find).not.toHaveBeenCalled();
    expect(server.binds).toEqual([]);
    expect(watchdog.isWatching).toBe(true);
  });

  it('keeps standing by when a foreign program took the port by the time it looks', async () => {
    const { service, watchdog, server } = guard([ours('first'), free, foreign('answers HTTP 200 but is not airflow-status-api')]);
    await service.start();
    await expect(watchdog.tick()).resolves.toBeUndefined();
    expect(server.binds).toEqual([]);
    expect(server.listening).toBe(false);
    expect(watchdog.isWatching).toBe(true);
  });

  it('exits 75 through the lifecycle on a free port when WATCHDOG_ON_LOSS=exit', async () => {
    const { service, watchdog, lifecycle, server } = guard([ours('first'), free], { onLoss: 'exit' });
    await service.start();
    await watchdog.tick();
    expect(lifecycle.exit).toHaveBeenCalledWith(ExitCode.INSTANCE_LOST, expect.stringContaining('WATCHDOG_ON_LOSS=exit'));
    expect(watchdog.isWatching).toBe(false);
    expect(server.binds).toEqual([]);
  });

  it('exits 75 on a silent instance only after two misses when WATCHDOG_ON_LOSS=exit', async () => {
    const { service, watchdog, lifecycle } = guard([ours('first'), foreign('no HTTP answer within 500 ms')], { onLoss: 'exit' });
    await service.start();
    await watchdog.tick();
    expect(lifecycle.exit).not.toHaveBeenCalled();
    await watchdog.tick();
    expect(lifecycle.exit).toHaveBeenCalledTimes(1);
  });

  it('does nothing about a loss while the process drains', async () => {
    for (const onLoss of ['takeover', 'exit'] as const) {
      const { service, watchdog, lifecycle, server } = guard([ours('first'), free], { onLoss });
      lifecycle.isDraining = true;
      await service.start();
      await watchdog.tick();
      expect(server.binds).toEqual([]);
      expect(lifecycle.exit).not.toHaveBeenCalled();
    }
  });
});
