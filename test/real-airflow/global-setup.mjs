// Brings the local Airflow up once for every real-Airflow suite (plain ESM: Jest
// loads global setup outside its module mapper). One that was already up, say
// from `npm run demo`, is reused and left running.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/airflow/airflow.sh', import.meta.url));
// 8080 as in CI; `npm run compat` sets another port (and AIRFLOW_DIR) for each Airflow it tries.
const port = process.env.AIRFLOW_TEST_PORT ?? '8080';

function airflowSh(...args) {
  execFileSync('bash', [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, AIRFLOW_PORT: port } });
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
