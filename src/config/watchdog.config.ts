import { registerAs } from '@nestjs/config';
import { readEnum, readInt, type Env } from './config.parsers.js';

export const WATCHDOG_ON_LOSS = ['takeover', 'exit'] as const;
export type WatchdogOnLoss = (typeof WATCHDOG_ON_LOSS)[number];

export interface WatchdogConfig {
  intervalSeconds: number;
  onLoss: WatchdogOnLoss;
  probeTimeoutMs: number;
}

export function parseWatchdogConfig(env: Env): WatchdogConfig {
  return {
    // The seed watched its running API every 30 s; 1 s is allowed for tests.
    intervalSeconds: readInt(env, 'WATCHDOG_INTERVAL_SECONDS', 30, 1, 86_400),
    onLoss: readEnum(env, 'WATCHDOG_ON_LOSS', WATCHDOG_ON_LOSS, 'takeover'),
    // Our /health/live answers in about a millisecond; 1.5 s tolerates a loaded machine.
    probeTimeoutMs: readInt(env, 'PORT_PROBE_TIMEOUT_MS', 1500, 100, 60_000),
  };
}

export default registerAs('watchdog', () => parseWatchdogConfig(process.env));
