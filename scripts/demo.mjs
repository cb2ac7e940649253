#!/usr/bin/env node
// `npm run demo`: from a fresh clone to the status page of a real Airflow run.
// Installs what is missing, builds, brings the local Airflow up, triggers
// Airflow_Lab2, starts the service on FLASK_PORT (5555) against it and prints
// the URLs. Ctrl-C stops what it started (Airflow only if the demo started it).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const airflowSh = fileURLToPath(new URL('./airflow/airflow.sh', import.meta.url));
const AIRFLOW = 'http://127.0.0.1:8080';
const DAG = 'Airflow_Lab2';
const PORT = 5555; // the seed's port; the service itself reads FLASK_PORT from the environment or .env
const say = (text) => process.stdout.write(`[demo] ${text}\n`);

function run(command, args) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

function airflowIsUp() {
  try {
    execFileSync('bash', [airflowSh, 'status'], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function airflowApi(method, path, body) {
  const login = await fetch(`${AIRFLOW}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'airflow', password: 'airflow' }),
  });
  const { access_token: token } = await login.json();
  const response = await fetch(`${AIRFLOW}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
  return response.json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  if (!existsSync(`${root}/node_modules/.package-lock.json`)) {
    say('installing npm packages (npm ci)…');
    run('npm', ['ci']);
  }
  say('building (npm run build)…');
  run('npm', ['run', 'build']);

  const startedAirflow = !airflowIsUp();
  run('bash', [airflowSh, 'install']);
  run('bash', [airflowSh, 'up']);

  let service;
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    if (service && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((resolve) => service.once('exit', resolve));
    }
    if (startedAirflow) run('bash', [airflowSh, 'down']);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  // Like the seed's pipeline, minus its final trigger of Airflow_Lab2_Flask: the demo serves the port itself.
  const run_ = await airflowApi('POST', `/api/v2/dags/${DAG}/dagRuns`, { logical_date: null, conf: { trigger_flask: false } });
  say(`triggered ${DAG} run ${run_.dag_run_id}`);

  service = spawn(process.execPath, ['dist/main.js'], { cwd: root, stdio: 'inherit', env: { ...process.env, FLASK_PORT: String(PORT) } });
  service.once('exit', (code) => {
    if (!stopping) {
      say(`the service exited (${code}); see its messages above`);
      void stop(code ?? 1);
    }
  });

  for (let i = 0; i < 120; i++) {
    const state = (await airflowApi('GET', `/api/v2/dags/${DAG}/dagRuns/${encodeURIComponent(run_.dag_run_id)}`)).state;
    if (state === 'success' || state === 'failed') {
      say(`the run finished: ${state}`);
      break;
    }
    await sleep(1000);
  }

  say('ready:');
  say(`  status page   http://localhost:${PORT}/   (redirects to /success or /failure)`);
  say(`  JSON          http://localhost:${PORT}/api/dags/${DAG}/status`);
  say(`  Swagger UI    http://localhost:${PORT}/docs`);
  say(`  Airflow UI    ${AIRFLOW}/   (airflow / airflow)`);
  say('Ctrl-C stops the service' + (startedAirflow ? ' and Airflow.' : ' (Airflow was already up and stays up).'));
}

main().catch((error) => {
  process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
