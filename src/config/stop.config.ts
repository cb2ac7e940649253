import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { parseAppConfig, type AppConfig } from './app.config.js';
import type { Env } from './config.parsers.js';
import { parseHttpConfig, type HttpConfig } from './http.config.js';
import { parsePortGuardConfig, type PortGuardConfig } from './port-guard.config.js';

/**
 * The settings of the stop command, read the way the service reads them: the
 * environment, then `.env` for what the environment does not set.
 */
export function loadStopConfig(envFile = '.env'): { http: HttpConfig; portGuard: PortGuardConfig; app: AppConfig } {
  let fromFile: Env = {};
  try {
    fromFile = parseEnv(readFileSync(envFile, 'utf8'));
  } catch {
    // No .env: the environment and the defaults are enough.
  }
  const env: Env = { ...fromFile, ...process.env };
  // In the service's order, so that of several bad values the same one is reported.
  return { http: parseHttpConfig(env), portGuard: parsePortGuardConfig(env), app: parseAppConfig(env) };
}
