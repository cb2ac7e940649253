import type { Server } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { AllConfig } from '../config/config.type.js';
import type { HttpConfig } from '../config/http.config.js';
import type { PortGuardConfig } from '../config/port-guard.config.js';
import { ExitCode } from '../lifecycle/lifecycle.constants.js';
import { FatalError } from '../lifecycle/lifecycle.errors.js';
import { LifecycleService } from '../lifecycle/lifecycle.service.js';
import { PortGuardWatchdog } from './port-guard.watchdog.js';
import { PortHolderFinder } from './port-holder.finder.js';
import { PortProbe, type PortState } from './port.probe.js';

/** The port is held by something that is not this service: at start-up the process stops (69) with this message. */
export class PortHeldError extends FatalError {
  override name = 'PortHeldError';

  constructor(message: string) {
    super(message, ExitCode.PORT_HELD, 'PortGuard');
  }
}

/** A bind can race another process; a few rounds of probe-then-bind settle it. */
const MAX_BIND_ROUNDS = 5;

/**
 * Decides, before the service listens, what to do with FLASK_PORT: free →
 * listen; held by an instance of this service → stand by under the watchdog;
 * held by anything else → stop with a message naming the holder. The bind
 * itself is the arbiter: when several standbys race for a freed port, the
 * losers see the winner and stand by again.
 */
@Injectable()
export class PortGuardService {
  private readonly logger = new Logger(PortGuardService.name);
  private readonly config: PortGuardConfig;
  private readonly http: HttpConfig;

  constructor(
    private readonly watchdog: PortGuardWatchdog,
    private readonly probe: PortProbe,
    private readonly holders: PortHolderFinder,
    private readonly lifecycle: LifecycleService,
    private readonly adapterHost: HttpAdapterHost,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('portGuard', { infer: true });
    this.http = config.getOrThrow('http', { infer: true });
  }

  /**
   * Serves on Nest's (initialised) HTTP server, or stands by; again on a takeover. Resolves once
   * either is settled.
   * @throws PortHeldError when a foreign program holds the port
   */
  async start(): Promise<'serving' | 'standby'> {
    const { host, port } = this.http;
    for (let round = 1; round <= MAX_BIND_ROUNDS; round++) {
      const state = await this.probe.probe(host, port, this.config.probeTimeoutMs);
      if (state.kind === 'ours') {
        this.watchdog.watch(host, port, state.instanceId, (lost) => this.onLoss(lost));
        return 'standby';
      }
      if (state.kind === 'foreign') throw new PortHeldError(await this.heldMessage(state.detail));
      if (await this.tryListen()) return 'serving';
      // EADDRINUSE: someone bound between our probe and our bind; look again.
    }
    throw new PortHeldError(await this.heldMessage('it stays held but does not answer'));
  }

  /**
   * Binds the port; false when it is already in use. Binds Nest's HTTP server
   * directly: app.listen would log an expected EADDRINUSE as an error.
   */
  private async tryListen(): Promise<boolean> {
    const { host, port } = this.http;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.removeListener('error', onError);
          resolve();
        });
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
      throw error;
    }
    this.watchdog.stop();
    this.logger.log(`Serving on http://${host}:${port} (Swagger UI at /docs)`);
    return true;
  }

  private async onLoss(state: PortState): Promise<void> {
    if (this.lifecycle.isDraining) return;
    if (this.config.onLoss === 'exit') {
      this.watchdog.stop();
      await this.lifecycle.exit(ExitCode.INSTANCE_LOST, `The instance on port ${this.http.port} was lost and WATCHDOG_ON_LOSS=exit`);
      return;
    }
    if (state.kind === 'foreign') return; // still held, by something that does not answer as ours: keep watching
    this.logger.log(`Taking over port ${this.http.port}`);
    try {
      const outcome = await this.start();
      if (outcome === 'standby') this.logger.log('Another standby took the port first; standing by again');
    } catch (error) {
      if (error instanceof PortHeldError) {
        this.logger.warn(error.message);
        return; // keep standing by; the next tick looks again
      }
      throw error;
    }
  }

  private async heldMessage(detail: string): Promise<string> {
    const { host, port } = this.http;
    const holders = await this.holders.find(port);
    return (
      `Port ${port} on ${host} is held by another program (${this.holders.describe(holders)}; ${detail}). ` +
      `Stop that program, or set FLASK_PORT to a free port.`
    );
  }
}
