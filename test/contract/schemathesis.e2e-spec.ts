import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { FakeAirflow, type FakeAirflowOptions } from '../fake-airflow/fake-airflow.js';
import { ServiceProcess } from '../support/service-process.js';

/**
 * The service's own OpenAPI document (/docs-json), checked by schemathesis (pinned in scripts/contract/, installed
 * by scripts/test-prereqs.sh): all its checks, every phase including stateful, against the fake Airflow with
 * several DAGs, once per fault. Zero failures, and not one error line in the service's log.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCHEMATHESIS = resolve(ROOT, '.contract/venv/bin/schemathesis');
const CONFIG = resolve(ROOT, 'scripts/contract/schemathesis.toml');
const DAG = 'Airflow_Lab2';
const UNICODE_DAG = 'entraînement_modèle';
// Several schemathesis runs against a real process on a possibly loaded machine.
jest.setTimeout(900_000);

let fake: FakeAirflow;
let service: ServiceProcess;
let base: string;

beforeAll(async () => {
  if (!existsSync(SCHEMATHESIS)) throw new Error(`${SCHEMATHESIS} is missing: run scripts/test-prereqs.sh (npm test does)`);
  fake = await FakeAirflow.start({
    dags: {
      [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'failed' }), FakeAirflow.run({ dag_id: DAG, state: 'success' })],
      [UNICODE_DAG]: [FakeAirflow.run({ dag_id: UNICODE_DAG, state: 'success' })],
      Empty_DAG: [],
      Busy_DAG: Array.from({ length: 30 }, (_, i) => FakeAirflow.run({ dag_id: 'Busy_DAG', state: i % 2 ? 'running' : 'success' })),
    },
  });
  ({ service, base } = await ServiceProcess.serve({
    AIRFLOW_WEBSERVER: fake.url,
    TARGET_DAG_ID: DAG,
    // Known, not in ASCII, empty, busy, and one Airflow does not know (the dictionary of schemathesis.toml).
    ALLOWED_DAG_IDS: `${DAG},${UNICODE_DAG},Empty_DAG,Busy_DAG,Unknown_DAG`,
    // Short, so that a fault is met soon and runs see fresh reads as well as cached ones.
    STATUS_CACHE_TTL_MS: '200',
    AIRFLOW_TIMEOUT_MS: '300',
  }));
});

afterAll(async () => {
  service?.kill('SIGTERM');
  await service?.exited();
  await fake?.stop();
});

function schemathesis(): Promise<{ code: number; output: string }> {
  const args = [
    '--config-file',
    CONFIG,
    'run',
    `${base}/docs-json`,
    '--url',
    base,
    '--checks',
    'all',
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--max-examples',
    '30',
    '--seed',
    '20261202',
    '--workers',
    '1',
    '--request-timeout',
    '10',
    // An event stream never ends, so every successful request would run into the request timeout;
    // its contract (errors, ids, resume, the stream limit) is tested in test/events.e2e-spec.ts.
    '--exclude-path',
    '/api/events',
    '--no-color',
  ];
  return new Promise((done) => {
    execFile(
      SCHEMATHESIS,
      args,
      // In a scratch directory: schemathesis keeps a cache (.schemathesis/) where it runs.
      { cwd: mkdtempSync(resolve(tmpdir(), 'schemathesis-')), maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('the OpenAPI contract, property-based', () => {
  it.each<[string, Partial<FakeAirflowOptions>]>([
    ['a healthy Airflow', { fault: 'none' }],
    ['an Airflow answering 500', { fault: 'http500' }],
    ['an Airflow answering garbage', { fault: 'garbage' }],
    ['an Airflow resetting connections', { fault: 'reset' }],
    ['an Airflow that hangs', { fault: 'hang' }],
  ])('holds with %s', async (_name, scenario) => {
    fake.setScenario({ fault: 'none', ...scenario });
    const before = service.output.length;
    const { code, output } = await schemathesis();
    const log = service.output.slice(before);
    if (code !== 0) console.log(output);
    expect(code).toBe(0);
    expect(log.split('\n').filter((line) => line.includes('"level":"error"') || line.includes('"level":"fatal"'))).toEqual([]);
  });
});
