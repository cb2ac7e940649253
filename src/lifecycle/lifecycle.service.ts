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
 * The life of the process: whether it is draining (read by readiness), how it
 * stops on a signal, and how it exits on purpose.
 *
 * Stop signals (SIGTERM, SIGINT, SIGHUP, SIGUSR2: see lifecycle.signals.ts, which
 * holds them until this service takes them over) go through Nest's
 * `enableShutdownHooks` with `useProcessExit`.
 * Checked in @nestjs/core 12.5.1 (nest-application-context.js,
 * `listenToShutdownSignals`): once the shutdown hooks have run it calls
 * `process.exit(0)` instead of re-raising the signal (`process.kill`), so a
 * launcher such as an Airflow task sees a clean exit 0, not a kill; a second
 * signal while the first shutdown runs returns at once (`receivedSignal`); a
 * signal during start-up waits for `init()` to settle, then stops
 * (`runShutdownSequence`). Between the hooks below Nest closes the listener and
 * waits for the requests in flight (the Express adapter's `close`).
 *
 * What Nest does not do is here. As shutdown hooks: on the signal, readiness
 * turns 503, idle keep-alive sockets are swept, and a SHUTDOWN_TIMEOUT_MS
 * deadline cuts the connections still open and exits 0. And one listener of
 * our own: Nest removes its listeners at the end of the shutdown, just before
 * `process.exit(0)`, and a signal repeated in that window killed the process by
 * the signal (seen with two SIGTERMs a few ms apart); ours stays to the end.
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

  /**
   * server.ts's call, before anything slow (so that a signal during start-up is a
   * clean stop too): stop signals end the process gracefully with code 0, and
   * `exit` closes this app before it exits.
   */
  manage(app: INestApplication): void {
    this.app = app;
    app.enableShutdownHooks(STOP_SIGNALS, { useProcessExit: true });
    handOverSignals((level, message) => (level === 'warn' ? this.logger.warn(message) : this.logger.log(message)));
    // Beside Nest's listener, not instead of it: keeps a repeated signal caught until the process has exited.
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
