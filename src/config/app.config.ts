import { registerAs } from '@nestjs/config';
import { readEnum, readHost, readInt, type Env } from './config.parsers.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export function parseAppConfig(env: Env): AppConfig {
  return {
    host: readHost(env, 'HOST', '0.0.0.0'),
    // The seed's variable name is kept so existing deployments need no change.
    port: readInt(env, 'FLASK_PORT', 5555, 1, 65535),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'log'),
    // Kubernetes gives 30 s by default before SIGKILL; 5 s leaves room for in-flight requests.
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 5000, 100, 600_000),
  };
}

export default registerAs('app', () => parseAppConfig(process.env));
