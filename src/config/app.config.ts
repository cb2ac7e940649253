import { registerAs } from '@nestjs/config';
import { readEnum, readInt, type Env } from './config.parsers.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the process as a whole needs: its log level (server.ts) and its shutdown deadline (lifecycle). */
export interface AppConfig {
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export function parseAppConfig(env: Env): AppConfig {
  return {
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'log'),
    // Kubernetes gives 30 s by default before SIGKILL; 5 s leaves room for in-flight requests.
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 5000, 100, 600_000),
  };
}

export default registerAs('app', () => parseAppConfig(process.env));
