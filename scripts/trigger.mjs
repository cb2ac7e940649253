#!/usr/bin/env node
// `npm run trigger -- [--fail]`: one manual run of Airflow_Lab2 on the local Airflow (or
// AIRFLOW_WEBSERVER), without the launcher DAG, and its outcome once it ends. `--fail` makes its
// `train` task fail, so the status page turns to /failure.
import { AirflowRest } from './airflow/airflow-rest.mjs';

const DAG = 'Airflow_Lab2';
const url = process.env.AIRFLOW_WEBSERVER ?? 'http://127.0.0.1:8080';
const fail = process.argv.includes('--fail');
const airflow = new AirflowRest(url, process.env.AIRFLOW_USERNAME ?? 'airflow', process.env.AIRFLOW_PASSWORD ?? 'airflow');

try {
  const { dag_run_id: runId } = await airflow.trigger(DAG, { trigger_flask: false, ...(fail ? { fail: true } : {}) });
  process.stdout.write(`[trigger] ${DAG} run ${runId}${fail ? ' (set to fail)' : ''} triggered at ${url}; waiting for it to end…\n`);
  // Two minutes: the run takes a few seconds once the scheduler has picked it up.
  const { state } = await airflow.waitForRun(DAG, runId, ['success', 'failed'], 120_000);
  process.stdout.write(`[trigger] ${runId}: ${state}\n`);
} catch (error) {
  process.stderr.write(`[trigger] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
