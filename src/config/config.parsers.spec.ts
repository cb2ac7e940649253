import { describe, expect, it } from '@jest/globals';
import { parseAirflowConfig } from './airflow.config.js';
import { parseAppConfig } from './app.config.js';
import { ConfigValidationError } from './config.parsers.js';
import { parseDagStatusConfig } from './dag-status.config.js';

function errorOf(fn: () => unknown): ConfigValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('configuration', () => {
  it("keeps the seed's names and defaults", () => {
    expect(parseAppConfig({})).toEqual({ logLevel: 'log', shutdownTimeoutMs: 5000 });
    expect(parseAirflowConfig({})).toEqual({
      baseUrl: 'http://localhost:8080',
      username: 'airflow',
      password: 'airflow',
      auth: 'auto',
      apiVersion: 'auto',
      timeoutMs: 5000,
      healthCacheTtlMs: 2000,
      maxConcurrency: 4,
      priorityDagIds: ['Airflow_Lab2'],
    });
    expect(parseDagStatusConfig({})).toEqual({
      targetDagId: 'Airflow_Lab2',
      allowedDagIds: ['Airflow_Lab2'],
      cacheTtlMs: 2000,
      maxSuccessAge: { defaultMs: null, perDag: {} },
      verdictBasis: 'latest',
    });
  });

  it('reads set values', () => {
    const env = {
      LOG_LEVEL: 'DEBUG',
      AIRFLOW_WEBSERVER: 'https://airflow.example.com/base/',
      AIRFLOW_AUTH: 'basic',
      AIRFLOW_API_VERSION: 'v1',
      AIRFLOW_TIMEOUT_MS: '1500',
      TARGET_DAG_ID: 'my.dag-1',
      ALLOWED_DAG_IDS: ' a , b,a ',
      STATUS_CACHE_TTL_MS: '0',
    };
    expect(parseAppConfig(env)).toMatchObject({ logLevel: 'debug' });
    expect(parseAirflowConfig(env)).toMatchObject({
      baseUrl: 'https://airflow.example.com/base',
      auth: 'basic',
      apiVersion: 'v1',
      timeoutMs: 1500,
      healthCacheTtlMs: 0,
      priorityDagIds: ['my.dag-1'],
    });
    // The target is always allowed; duplicates are dropped.
    expect(parseDagStatusConfig(env)).toEqual({
      targetDagId: 'my.dag-1',
      allowedDagIds: ['my.dag-1', 'a', 'b'],
      cacheTtlMs: 0,
      maxSuccessAge: { defaultMs: null, perDag: {} },
      verdictBasis: 'latest',
    });
  });

  it('takes the DAG ids Airflow takes, in any script, wherever a setting names one', () => {
    const env = {
      TARGET_DAG_ID: 'entraînement_modèle',
      ALLOWED_DAG_IDS: 'データ_パイプライン,Airflow_Lab2',
      MAX_SUCCESS_AGE: '26h,entraînement_modèle=90m',
    };
    expect(parseAirflowConfig(env).priorityDagIds).toEqual(['entraînement_modèle']);
    expect(parseDagStatusConfig(env)).toMatchObject({
      targetDagId: 'entraînement_modèle',
      allowedDagIds: ['entraînement_modèle', 'データ_パイプライン', 'Airflow_Lab2'],
      maxSuccessAge: { defaultMs: 26 * 3_600_000, perDag: { entraînement_modèle: 90 * 60_000 } },
    });
  });

  it('keeps a password exactly as given, spaces included', () => {
    expect(parseAirflowConfig({ AIRFLOW_PASSWORD: ' s3cret ' }).password).toBe(' s3cret ');
  });

  it.each([
    [{ LOG_LEVEL: 'chatty' }, 'LOG_LEVEL', parseAppConfig],
    [{ AIRFLOW_WEBSERVER: 'ftp://x' }, 'AIRFLOW_WEBSERVER', parseAirflowConfig],
    [{ AIRFLOW_WEBSERVER: 'localhost:8080' }, 'AIRFLOW_WEBSERVER', parseAirflowConfig],
    [{ AIRFLOW_WEBSERVER: 'not a url' }, 'AIRFLOW_WEBSERVER', parseAirflowConfig],
    [{ AIRFLOW_AUTH: 'oauth' }, 'AIRFLOW_AUTH', parseAirflowConfig],
    [{ AIRFLOW_API_VERSION: 'v3' }, 'AIRFLOW_API_VERSION', parseAirflowConfig],
    [{ AIRFLOW_TIMEOUT_MS: '5s' }, 'AIRFLOW_TIMEOUT_MS', parseAirflowConfig],
    [{ TARGET_DAG_ID: 'bad id' }, 'TARGET_DAG_ID', parseDagStatusConfig],
    // A combining accent (decomposed "modèle") is not a letter: Airflow refuses it too.
    [{ TARGET_DAG_ID: 'mode\u0300le' }, 'TARGET_DAG_ID', parseDagStatusConfig],
    [{ TARGET_DAG_ID: 'é'.repeat(251) }, 'TARGET_DAG_ID', parseAirflowConfig],
    [{ ALLOWED_DAG_IDS: 'ok,<script>' }, 'ALLOWED_DAG_IDS', parseDagStatusConfig],
    [{ MAX_SUCCESS_AGE: '26h,bad id=90m' }, 'MAX_SUCCESS_AGE', parseDagStatusConfig],
    [{ ALLOWED_DAG_IDS: ' , ' }, 'ALLOWED_DAG_IDS', parseDagStatusConfig],
    [{ STATUS_CACHE_TTL_MS: '1.5' }, 'STATUS_CACHE_TTL_MS', parseDagStatusConfig],
    [{ STATUS_CACHE_TTL_MS: '3600001' }, 'STATUS_CACHE_TTL_MS', parseAirflowConfig],
  ] as const)('rejects %j naming %s', (env, variable, parse) => {
    const error = errorOf(() => (parse as (e: Record<string, string>) => unknown)(env));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });

  it('refuses credentials inside AIRFLOW_WEBSERVER without echoing them', () => {
    const error = errorOf(() => parseAirflowConfig({ AIRFLOW_WEBSERVER: 'http://admin:hunter2@airflow:8080' }));
    expect(error.message).toContain('AIRFLOW_WEBSERVER');
    expect(error.message).not.toContain('hunter2');
  });

  it.each([
    'http://user:secret@host:99999',
    'http://user:secret@exa mple:8080',
    'https://:secret@',
    'user:secret@airflow:8080',
    'ftp://user:secret@airflow',
  ])('never prints the credentials of a malformed AIRFLOW_WEBSERVER (%s)', (value) => {
    const error = errorOf(() => parseAirflowConfig({ AIRFLOW_WEBSERVER: value }));
    expect(error.message).toContain('AIRFLOW_WEBSERVER');
    expect(error.message).not.toContain('secret');
  });
});
