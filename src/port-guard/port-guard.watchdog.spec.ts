import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { configOf } from '../config/config.fixtures.js';
import { MISSES_BEFORE_LOSS, PortGuardWatchdog, WATCHDOG_INTERVAL } from './port-guard.watchdog.js';
import type { PortProbe, PortState } from './port.probe.js';

const INTERVAL_SECONDS = 30;
const PROBE_TIMEOUT_MS = 300;
const ours = (instanceId: string): PortState => ({ kind: 'ours', instanceId, pid: 1 });
const free: PortState = { kind: 'free' };
const silent: PortState = { kind: 'foreign', detail: `no HTTP answer within ${PROBE_TIMEOUT_MS} ms` };

const created: PortGuardWatchdog[] = [];

/** A watchdog whose probe answers `answers` in turn (the last one from then on). */
function watchdog(...answers: PortState[]) {
  const scheduler = new SchedulerRegistry();
  const probe = jest.fn<PortProbe['probe']>(async () => (answers.length > 1 ? answers.shift()! : answers[0]));
  const config = configOf({
    portGuard: { watchdogIntervalSeconds: INTERVAL_SECONDS, onLoss: 'takeover', probeTimeoutMs: PROBE_TIMEOUT_MS },
  });
  const service = new PortGuardWatchdog(scheduler, { probe }, config);
  const onLoss = jest.fn(async (_state: PortState) => undefined);
  created.push(service);
  return { service, scheduler, probe, onLoss };
}

beforeAll(() => {
  Logger.overrideLogger(false);
});
afterAll(() => {
  Logger.overrideLogger(['log', 'error', 'warn']);
});

afterEach(() => {
  for (const service of created.splice(0)) service.stop();
  jest.useRealTimers();
});

describe('PortGuardWatchdog', () => {
  it('registers one interval with SchedulerRegistry while standing by, and removes it on stop and on shutdown', () => {
    const { service, scheduler, onLoss } = watchdog(ours('first'));
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    expect(scheduler.getIntervals()).toEqual([WATCHDOG_INTERVAL]);
    service.watch('127.0.0.1', 5555, 'first', onLoss); // again: still one interval
    expect(scheduler.getIntervals()).toEqual([WATCHDOG_INTERVAL]);
    service.stop();
    expect(scheduler.getIntervals()).toEqual([]);
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    service.onApplicationShutdown();
    expect(service.isWatching).toBe(false);
  });

  it('checks the port every WATCHDOG_INTERVAL_SECONDS, with the probe timeout of the config', async () => {
    jest.useFakeTimers();
    const { service, probe, onLoss } = watchdog(ours('first'));
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    await jest.advanceTimersByTimeAsync(INTERVAL_SECONDS * 1000 - 1);
    expect(probe).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledWith('127.0.0.1', 5555, PROBE_TIMEOUT_MS);
    await jest.advanceTimersByTimeAsync(INTERVAL_SECONDS * 1000);
    expect(probe).toHaveBeenCalledTimes(2);
    service.stop();
    await jest.advanceTimersByTimeAsync(INTERVAL_SECONDS * 1000);
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it('reports no loss while the instance answers, and follows a new instance on the port', async () => {
    const { service, onLoss } = watchdog(ours('first'), ours('second'), ours('second'));
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    await service.tick();
    await service.tick();
    await service.tick();
    expect(onLoss).not.toHaveBeenCalled();
  });

  it('reports a free port as a loss at once', async () => {
    const { service, onLoss } = watchdog(free);
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    await service.tick();
    expect(onLoss).toHaveBeenCalledTimes(1);
    expect(onLoss).toHaveBeenCalledWith(free);
  });

  it(`reports a silent instance only after ${MISSES_BEFORE_LOSS} misses in a row`, async () => {
    expect(MISSES_BEFORE_LOSS).toBe(2);
    // A miss, an answer (the count starts again), then two misses.
    const { service, onLoss } = watchdog(silent, ours('first'), silent, silent);
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    await service.tick();
    await service.tick();
    await service.tick();
    expect(onLoss).not.toHaveBeenCalled();
    await service.tick();
    expect(onLoss).toHaveBeenCalledTimes(1);
    expect(onLoss).toHaveBeenCalledWith(silent);
  });

  it('starts counting misses again when told to watch (after a takeover that lost the race)', async () => {
    const { service, onLoss } = watchdog(silent);
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    await service.tick();
    service.watch('127.0.0.1', 5555, 'winner', onLoss);
    await service.tick();
    expect(onLoss).not.toHaveBeenCalled();
  });

  it('never lets a tick reject, and never runs two at once', async () => {
    const { service, probe, onLoss } = watchdog(free);
    onLoss.mockRejectedValue(new Error('boom'));
    service.watch('127.0.0.1', 5555, 'first', onLoss);
    await expect(Promise.all([service.tick(), service.tick()])).resolves.toEqual([undefined, undefined]);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(onLoss).toHaveBeenCalledTimes(1);
    probe.mockRejectedValueOnce(new Error('probe broke'));
    await expect(service.tick()).resolves.toBeUndefined();
  });
});
