import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { configOf } from '../config/config.fixtures.js';
import { ExitCode } from './lifecycle.constants.js';
import { LifecycleService } from './lifecycle.service.js';

const SHUTDOWN_TIMEOUT_MS = 5000;

let exit: jest.Spied<typeof process.exit>;

function lifecycle() {
  const server = { closeIdleConnections: jest.fn(), closeAllConnections: jest.fn() };
  const adapterHost = { httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost;
  const config = configOf({ app: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS } });
  return { service: new LifecycleService(adapterHost, config), server };
}

beforeAll(() => {
  Logger.overrideLogger(false);
});
afterAll(() => {
  Logger.overrideLogger(['log', 'error', 'warn']);
});

beforeEach(() => {
  exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
});

afterEach(() => {
  exit.mockRestore();
  jest.useRealTimers();
});

describe('LifecycleService', () => {
  it("hands the stop signals (SIGTERM, SIGINT, SIGHUP, SIGUSR2) to Nest's shutdown hooks, which exit 0 instead of re-raising the signal", () => {
    const { service } = lifecycle();
    const enableShutdownHooks = jest.fn();
    const on = jest.spyOn(process, 'on').mockImplementation(() => process);
    service.manage({ enableShutdownHooks } as unknown as INestApplication);
    on.mockRestore();
    expect(enableShutdownHooks).toHaveBeenCalledWith(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'], { useProcessExit: true });
  });

  it('keeps its own listener on each stop signal, so that a repeated signal is caught (and said) until the process exits', () => {
    const { service } = lifecycle();
    const listeners = new Map<string, (signal: NodeJS.Signals) => void>();
    const on = jest.spyOn(process, 'on').mockImplementation(((event: string, listener: (signal: NodeJS.Signals) => void) => {
      listeners.set(event, listener);
      return process;
    }) as never);
    const log = jest.spyOn(Logger.prototype, 'log');
    service.manage({ enableShutdownHooks: jest.fn() } as unknown as INestApplication);
    on.mockRestore();
    expect([...listeners.keys()]).toEqual(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2']);
    listeners.get('SIGTERM')!('SIGTERM');
    expect(log).not.toHaveBeenCalled(); // the first is Nest's to handle
    listeners.get('SIGINT')!('SIGINT');
    expect(log).toHaveBeenCalledWith('SIGINT received again; already stopping');
    log.mockRestore();
  });

  it('on a stop signal drains at once, sweeps idle connections, and is disarmed when the shutdown completes', async () => {
    jest.useFakeTimers();
    const { service, server } = lifecycle();
    service.beforeApplicationShutdown('SIGTERM');
    expect(service.isDraining).toBe(true);
    await jest.advanceTimersByTimeAsync(250);
    expect(server.closeIdleConnections).toHaveBeenCalledTimes(2);
    service.onApplicationShutdown('SIGTERM');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_TIMEOUT_MS * 2);
    expect(server.closeIdleConnections).toHaveBeenCalledTimes(2);
    expect(server.closeAllConnections).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
  });

  it('cuts the connections still open at SHUTDOWN_TIMEOUT_MS and exits 0', async () => {
    jest.useFakeTimers();
    const { service, server } = lifecycle();
    service.beforeApplicationShutdown('SIGINT');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_TIMEOUT_MS - 1);
    expect(exit).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(server.closeAllConnections).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(ExitCode.OK);
    service.onApplicationShutdown('SIGINT');
  });

  it('does not drain or arm a deadline on a plain app.close() (tests, or exit below)', async () => {
    jest.useFakeTimers();
    const { service, server } = lifecycle();
    service.beforeApplicationShutdown(undefined);
    await jest.advanceTimersByTimeAsync(SHUTDOWN_TIMEOUT_MS * 2);
    expect(service.isDraining).toBe(false);
    expect(server.closeIdleConnections).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
    service.onApplicationShutdown(undefined);
  });

  it('exit closes the app, then exits with the code, even when closing fails', async () => {
    const { service } = lifecycle();
    const order: string[] = [];
    const close = jest.fn(async () => {
      order.push('close');
      throw new Error('close failed');
    });
    exit.mockImplementation(((code: number) => order.push(`exit ${code}`)) as never);
    const on = jest.spyOn(process, 'on').mockImplementation(() => process);
    service.manage({ enableShutdownHooks: jest.fn(), close } as unknown as INestApplication);
    on.mockRestore();
    await service.exit(ExitCode.INSTANCE_LOST, 'lost');
    expect(order).toEqual(['close', `exit ${ExitCode.INSTANCE_LOST}`]);
  });
});
