import { describe, expect, it } from '@jest/globals';
import { parseAccessConfig } from './access.config.js';
import { parseAirflowConfig } from './airflow.config.js';
import { parseAppConfig } from './app.config.js';
import { ConfigValidationError, type Env } from './config.parsers.js';
import { parseDagStatusConfig } from './dag-status.config.js';
import { parseEventsConfig } from './events.config.js';
import { parseHttpConfig } from './http.config.js';
import { parseMirrorConfig } from './mirror.config.js';
import { parsePortGuardConfig } from './port-guard.config.js';

/** Every namespace's parser, by the name the service registers it under. */
const NAMESPACES: Record<string, (env: Env) => unknown> = {
  access: parseAccessConfig,
  airflow: parseAirflowConfig,
  app: parseAppConfig,
  dagStatus: parseDagStatusConfig,
  events: parseEventsConfig,
  http: parseHttpConfig,
  mirror: parseMirrorConfig,
  portGuard: parsePortGuardConfig,
};

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
  it('parses each variable in one namespace; the others read that namespace', () => {
    const readers = new Map<string, Set<string>>();
    for (const [namespace, parse] of Object.entries(NAMESPACES)) {
      const env = new Proxy<Env>(
        {},
        {
          get: (_target, name) => {
            if (typeof name === 'string') readers.set(name, (readers.get(name) ?? new Set()).add(namespace));
            return undefined;
          },
        },
      );
      parse(env);
    }
    const twice = [...readers]
      .filter(([, namespaces]) => namespaces.size > 1)
      .map(([name, namespaces]) => `${name}: ${[...namespaces].join(', ')}`);
    expect(twice).toEqual([]);
    expect(readers.get('STATUS_CACHE_TTL_MS')).toEqual(new Set(['dagStatus']));
    expect(readers.get('TARGET_DAG_ID')).toEqual(new Set(['dagStatus']));
    expect(readers.get('FLASK_PORT')).toEqual(new Set(['http']));
  });

  it("keeps the seed's names and defaults", () => {
    expect(parseAppConfig({})).toEqual({ logLevel: 'log', shutdownTimeoutMs: 5000 });
    expect(parseAirflowConfig({})).toEqual({
      baseUrl: 'http://localhost:8080',
      username: 'airflow',
      password: 'airflow',
      auth: 'auto',
      apiVersion: 'auto',
      timeoutMs: 5000,
      maxConcurrency: 4,
    });
    expect(parseDagStatusConfig({})).toEqual({
      targetDagId: 'Airflow_Lab2',
      allowedDagIds: ['Airflow_Lab2'],
      cacheTtlMs: 2000,
      maxSuccessAge: { fallback: null, perDag: {} },
      verdictBasis: 'latest',
      overdueGrace: { fallback: 600_000, perDag: {} },
      pausedIsFailure: { fallback: true, perDag: {} },
      runningLongFactor: { fallback: 3, perDag: {} },
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
    });
    // The target is always allowed; duplicates are dropped.
    expect(parseDagStatusConfig(env)).toEqual({
      targetDagId: 'my.dag-1',
      allowedDagIds: ['my.dag-1', 'a', 'b'],
      cacheTtlMs: 0,
      maxSuccessAge: { fallback: null, perDag: {} },
      verdictBasis: 'latest',
      overdueGrace: { fallback: 600_000, perDag: {} },
      pausedIsFailure: { fallback: true, perDag: {} },
      runningLongFactor: { fallback: 3, perDag: {} },
    });
  });

  it('takes the DAG ids Airflow takes, in any script, wherever a setting names one', () => {
    const env = {
      TARGET_DAG_ID: 'entraînement_modèle',
      ALLOWED_DAG_IDS: 'データ_パイプライン,Airflow_Lab2',
      MAX_SUCCESS_AGE: '26h,entraînement_modèle=90m',
    };
    expect(parseDagStatusConfig(env)).toMatchObject({
      targetDagId: 'entraînement_modèle',
      allowedDagIds: ['entraînement_modèle', 'データ_パイプライン', 'Airflow_Lab2'],
      maxSuccessAge: { fallback: 26 * 3_600_000, perDag: { entraînement_modèle: 90 * 60_000 } },
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
    [{ TARGET_DAG_ID: 'é'.repeat(251) }, 'TARGET_DAG_ID', parseDagStatusConfig],
    [{ ALLOWED_DAG_IDS: 'ok,<script>' }, 'ALLOWED_DAG_IDS', parseDagStatusConfig],
    [{ MAX_SUCCESS_AGE: '26h,bad id=90m' }, 'MAX_SUCCESS_AGE', parseDagStatusConfig],
    [{ ALLOWED_DAG_IDS: ' , ' }, 'ALLOWED_DAG_IDS', parseDagStatusConfig],
    [{ STATUS_CACHE_TTL_MS: '1.5' }, 'STATUS_CACHE_TTL_MS', parseDagStatusConfig],
    [{ STATUS_CACHE_TTL_MS: '3600001' }, 'STATUS_CACHE_TTL_MS', parseDagStatusConfig],
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
