import { registerAs } from '@nestjs/config';
import { ConfigValidationError, readEnum, readHttpUrl, readInt, readSecret, readString, type Env } from './config.parsers.js';

export const AIRFLOW_AUTH_MODES = ['auto', 'jwt', 'basic', 'none'] as const;
export type AirflowAuthMode = (typeof AIRFLOW_AUTH_MODES)[number];

export const AIRFLOW_API_VERSIONS = ['auto', 'v2', 'v1'] as const;
export type AirflowApiVersionSetting = (typeof AIRFLOW_API_VERSIONS)[number];

export interface AirflowConfig {
  baseUrl: string;
  username: string;
  password: string;
  auth: AirflowAuthMode;
  apiVersion: AirflowApiVersionSetting;
  timeoutMs: number;
  /** Calls in flight to Airflow at once, apart from the priority lane (tokens, version probe, readiness). */
  maxConcurrency: number;
}

export function parseAirflowConfig(env: Env): AirflowConfig {
  const auth = readEnum(env, 'AIRFLOW_AUTH', AIRFLOW_AUTH_MODES, 'auto');
  const apiVersion = readEnum(env, 'AIRFLOW_API_VERSION', AIRFLOW_API_VERSIONS, 'auto');
  if (auth === 'jwt' && apiVersion === 'v1') {
    // Known before any call: Airflow 2's API (v1) has no /auth/token to get a JWT from.
    throw new ConfigValidationError(
      'AIRFLOW_AUTH',
      'cannot be jwt with AIRFLOW_API_VERSION=v1: Airflow 2 has no /auth/token; use auto or basic',
    );
  }
  return {
    baseUrl: readHttpUrl(env, 'AIRFLOW_WEBSERVER', 'http://localhost:8080'),
    username: readString(env, 'AIRFLOW_USERNAME', 'airflow'),
    password: readSecret(env, 'AIRFLOW_PASSWORD', 'airflow'),
    auth,
    apiVersion,
    // Long enough for a busy api-server, short enough that a probe with a 10 s timeout still gets our answer.
    timeoutMs: readInt(env, 'AIRFLOW_TIMEOUT_MS', 5000, 100, 120_000),
    // A real api-server answers a few dozen reads per second in all; four at a time never piles work up in it.
    maxConcurrency: readInt(env, 'AIRFLOW_MAX_CONCURRENCY', 4, 1, 32),
  };
}

export default registerAs('airflow', () => parseAirflowConfig(process.env));
