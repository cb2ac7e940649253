import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AllConfig } from '../config/config.type.js';
import type { PortGuardConfig } from '../config/port-guard.config.js';
import { PortProbe, type PortState } from './port.probe.js';

/** The name of the watchdog's interval in SchedulerRegistry. */
export const WATCHDOG_INTERVAL = 'watchdog';
/** A free port is a certain loss; a slow or odd answer counts only when it repeats, as one can be load. */
export const MISSES_BEFORE_LOSS = 2;

/** Told when the watched instance no longer answers as ours. */
export type LossHandler = (state: PortState) => Promise<void>;

/**
 * The port guard's scheduled provider, the standby's surveillance: every
 * WATCHDOG_INTERVAL_SECONDS it asks the instance holding the port who it is,
 * logs what changed, and hands a loss to the port guard's handler. A tick
 * never rejects and never overlaps the previous one.
 */
@Injectable()
export class PortGuardWatchdog implements OnApplicationShutdown {
  private readonly logger = new Logger(PortGuardWatchdog.name);
  private readonly config: PortGuardConfig;
  private host = '';
  private port = 0;
  private watchedInstance: string | null = null;
  private lastSeen: PortState['kind'] | null = null;
  private onLoss: LossHandler | null = null;
  private ticking = false;
  private misses = 0;

  constructor(
    private readonly scheduler: SchedulerRegistry,
    private readonly probe: PortProbe,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.getOrThrow('portGuard', { infer: true });
  }

  get isWatching(): boolean {
    return this.scheduler.doesExist('interval', WATCHDOG_INTERVAL);
  }

  /** Starts (or goes on) watching the instance `instanceId` on host:port. */
  watch(host: string, port: number, instanceId: string, onLoss: LossHandler): void {
    this.host = host;
    this.port = port;
    this.onLoss = onLoss;
    if (this.watchedInstance !== instanceId) {
      this.logger.log(
        `Standing by: instance ${instanceId} serves port ${port}; checking it every ${this.config.watchdogIntervalSeconds} s`,
      );
    }
    this.watchedInstance = instanceId;
    this.lastSeen = 'ours';
    this.misses = 0;
    if (!this.isWatching) {
      const timer = setInterval(() => void this.tick(), this.config.watchdogIntervalSeconds * 1000);
      this.scheduler.addInterval(WATCHDOG_INTERVAL, timer);
    }
  }

  stop(): void {
    if (this.isWatching) this.scheduler.deleteInterval(WATCHDOG_INTERVAL);
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  /** One check. Public for tests; never rejects. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const state = await this.probe.probe(this.host, this.port, this.config.probeTimeoutMs);
      if (state.kind === 'ours') {
        if (state.instanceId !== this.watchedInstance) {
          this.logger.log(`Port ${this.port} is now served by instance ${state.instanceId}; watching it`);
          this.watchedInstance = state.instanceId;
        } else if (this.lastSeen !== 'ours') {
          this.logger.log(`Instance ${state.instanceId} on port ${this.port} answers again`);
        } else {
          this.logger.debug(`Instance ${state.instanceId} on port ${this.port} answers`);
        }
        this.lastSeen = 'ours';
        this.misses = 0;
        return;
      }
      if (this.lastSeen !== state.kind) {
        this.logger.warn(
          state.kind === 'free'
            ? `Instance ${this.watchedInstance} stopped answering: port ${this.port} is free`
            : `Instance ${this.watchedInstance} stopped answering on port ${this.port} (${state.detail})`,
        );
      }
      this.lastSeen = state.kind;
      this.misses += 1;
      if (state.kind === 'free' || this.misses >= MISSES_BEFORE_LOSS) await this.onLoss?.(state);
    } catch (error) {
      this.logger.error(`Watchdog check failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.ticking = false;
    }
  }
}
