import { registerAs } from '@nestjs/config';
import { readEnum, readHost, readInt, type Env } from './config.parsers.js';

export const PORT_GUARD_ON_LOSS = ['takeover', 'exit'] as const;
export type PortGuardOnLoss = (typeof PORT_GUARD_ON_LOSS)[number];

/** Where the service listens and how the port guard and its watchdog treat that port. */
export interface PortGuardConfig {
  host: string;
  port: number;
  probeTimeoutMs: number;
  watchdogIntervalSeconds: number;
  onLoss: PortGuardOnLoss;
}

export function parsePortGuardConfig(env: Env): PortGuardConfig {
  return {
    host: readHost(env, 'HOST', '0.0.0.0'),
    // The seed's variable name is kept so existing deployments need no change.
    port: readInt(env, 'FLASK_PORT', 5555, 1, 65535),
    // Our /health/live answers in about a millisecond; 1.5 s tolerates a loaded machine.
    probeTimeoutMs: readInt(env, 'PORT_PROBE_TIMEOUT_MS', 1500, 100, 60_000),
    // The seed watched its running API every 30 s; 1 s is allowed for tests.
    watchdogIntervalSeconds: readInt(env, 'WATCHDOG_INTERVAL_SECONDS', 30, 1, 86_400),
    onLoss: readEnum(env, 'WATCHDOG_ON_LOSS', PORT_GUARD_ON_LOSS, 'takeover'),
  };
}

export default registerAs('portGuard', () => parsePortGuardConfig(process.env));
