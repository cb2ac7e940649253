// Brings the local Airflow up once for every real-Airflow suite (plain ESM: Jest
// loads global setup outside its module mapper). One that was already up, say
// from `npm run demo`, is reused and left running.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/airflow/airflow.sh', import.meta.url));
// 8080 as in CI; `npm run compat` sets another port (and AIRFLOW_DIR) for each Airflow it tries.
const port = process.env.AIRFLOW_TEST_PORT ?? '8080';
// The status_probe_* DAGs (dags/status_probes.py) of silent-failures.e2e-spec.ts exist in this Airflow only (local-airflow.ts: PROBE_FOLDER).
const probes =
  process.env.AIRFLOW_STATUS_PROBE_DAGS ?? `${process.env.AIRFLOW_DIR ?? fileURLToPath(new URL('../../.airflow', import.meta.url))}/probes`;

function airflowSh(...args) {
  execFileSync('bash', [script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, AIRFLOW_PORT: port, AIRFLOW_STATUS_PROBE_DAGS: probes },
  });
}

export default function globalSetup() {
  airflowSh('install');
  let wasUp = true;
  try {
    execFileSync('bash', [script, 'status'], { stdio: 'ignore', env: { ...process.env, AIRFLOW_PORT: port } });
  } catch {
    wasUp = false;
  }
  globalThis.__startedAirflow = !wasUp;
  airflowSh('up');
}

export function teardown() {
  if (globalThis.__startedAirflow) airflowSh('down');
}
