import { registerAs } from '@nestjs/config';
import { readEnum, readInt, type Env } from './config.parsers.js';

export const PORT_GUARD_ON_LOSS = ['takeover', 'exit'] as const;
export type PortGuardOnLoss = (typeof PORT_GUARD_ON_LOSS)[number];

/** How the port guard and its watchdog treat the port of the `http` namespace. */
export interface PortGuardConfig {
  probeTimeoutMs: number;
  watchdogIntervalSeconds: number;
  onLoss: PortGuardOnLoss;
}

export function parsePortGuardConfig(env: Env): PortGuardConfig {
  return {
    // Our /health/live answers in about a millisecond; 1.5 s tolerates a loaded machine.
    probeTimeoutMs: readInt(env, 'PORT_PROBE_TIMEOUT_MS', 1500, 100, 60_000),
    // The seed watched its running API every 30 s; 1 s is allowed for tests.
    watchdogIntervalSeconds: readInt(env, 'WATCHDOG_INTERVAL_SECONDS', 30, 1, 86_400),
    onLoss: readEnum(env, 'WATCHDOG_ON_LOSS', PORT_GUARD_ON_LOSS, 'takeover'),
  };
}

export default registerAs('portGuard', () => parsePortGuardConfig(process.env));
