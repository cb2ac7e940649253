import type { Server } from 'node:http';
import { Injectable, Logger, type BeforeApplicationShutdown, type INestApplication, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { AllConfig } from '../config/config.type.js';
import { ExitCode } from './lifecycle.constants.js';
import { exitProcess } from './lifecycle.exit.js';
import { handOverSignals, STOP_SIGNALS } from './lifecycle.signals.js';

/** While draining, idle keep-alive sockets are closed this often so they cannot hold the stop. */
const IDLE_SWEEP_MS = 100;

/**
 * The life of the process: whether it is draining (read by readiness), how it stops on a signal,
 * and how it exits on purpose. Stop signals go through Nest's shutdown hooks with `useProcessExit`
 * (@nestjs/core 12.5: exit 0 rather than re-raising the signal, so that a launcher sees a clean
 * exit; Nest closes the listener and waits for requests in flight). What Nest does not do is here:
 * readiness 503, idle keep-alive sockets swept, the SHUTDOWN_TIMEOUT_MS deadline, and a listener
 * that outlives Nest's (a signal repeated as Nest removed its own killed the process).
 */
@Injectable()
export class LifecycleService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(LifecycleService.name);
  private readonly shutdownTimeoutMs: number;
  private app: INestApplication | null = null;
  private drainingSince: Date | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private sweep: NodeJS.Timeout | null = null;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    config: ConfigService<AllConfig, true>,
  ) {
    this.shutdownTimeoutMs = config.getOrThrow('app', { infer: true }).shutdownTimeoutMs;
  }

  get isDraining(): boolean {
    return this.drainingSince !== null;
  }

  beginDrain(): void {
    this.drainingSince ??= new Date();
  }

  /** Before anything slow, so that a signal during start-up is a clean stop too. */
  manage(app: INestApplication): void {
    this.app = app;
    app.enableShutdownHooks(STOP_SIGNALS, { useProcessExit: true });
    handOverSignals((level, message) => (level === 'warn' ? this.logger.warn(message) : this.logger.log(message)));
    let signalled = false;
    for (const signal of STOP_SIGNALS) {
      process.on(signal, (received: NodeJS.Signals) => {
        if (signalled) this.logger.log(`${received} received again; already stopping`);
        signalled = true;
      });
    }
  }

  /** Stops on purpose, not on a signal: logs why, closes the app (its shutdown hooks run), and exits with `code`. */
  async exit(code: ExitCode, reason: string): Promise<never> {
    this.logger.error(`${reason}: exiting with code ${code}`);
    try {
      await this.app?.close();
    } catch (error) {
      this.logger.error(`Error while stopping: ${error instanceof Error ? error.message : String(error)}`);
    }
    return exitProcess(code);
  }

  /** Nest calls it after a stop signal (with its name) and on app.close() (without): only a signal drains. */
  beforeApplicationShutdown(signal?: string): void {
    if (signal === undefined) return;
    this.beginDrain();
    this.logger.log(`${signal} received: finishing requests in flight, then exiting`);
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.sweep = setInterval(() => server?.closeIdleConnections(), IDLE_SWEEP_MS);
    this.deadline = setTimeout(() => {
      this.logger.warn(`Requests still open after SHUTDOWN_TIMEOUT_MS (${this.shutdownTimeoutMs} ms): closing them`);
      server?.closeAllConnections();
      exitProcess(ExitCode.OK);
    }, this.shutdownTimeoutMs);
  }

  onApplicationShutdown(signal?: string): void {
    if (this.sweep) clearInterval(this.sweep);
    if (this.deadline) clearTimeout(this.deadline);
    this.sweep = this.deadline = null;
    if (signal !== undefined) this.logger.log('Stopped');
  }
}
