#!/usr/bin/env node
// `npm run demo`: from a fresh clone to the status page of a real Airflow run.
// Installs what is missing, builds, brings the local Airflow up, triggers
// Airflow_Lab2, starts the service on FLASK_PORT (5555) against it and prints
// the URLs. Ctrl-C stops what it started (Airflow only if the demo started it).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AirflowRest } from './airflow/airflow-rest.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// The Node LTS the project brings (the `node` devDependency): on a fresh clone the demo itself may run
// on an older node, which only installs it.
const projectNode = () => (existsSync(`${root}/node_modules/.bin/node`) ? `${root}/node_modules/.bin/node` : process.execPath);
const airflowSh = fileURLToPath(new URL('./airflow/airflow.sh', import.meta.url));
const AIRFLOW = 'http://127.0.0.1:8080';
const airflow = new AirflowRest(AIRFLOW);
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
  const { dag_run_id: runId } = await airflow.trigger(DAG, { trigger_flask: false });
  say(`triggered ${DAG} run ${runId}`);

  service = spawn(projectNode(), ['dist/main.js'], { cwd: root, stdio: 'inherit', env: { ...process.env, FLASK_PORT: String(PORT) } });
  service.once('exit', (code) => {
    if (!stopping) {
      say(`the service exited (${code}); see its messages above`);
      void stop(code ?? 1);
    }
  });

  try {
    // Two minutes: the run takes a few seconds once the scheduler has picked it up.
    const { state } = await airflow.waitForRun(DAG, runId, ['success', 'failed'], 120_000);
    say(`the run finished: ${state}`);
  } catch (error) {
    say(`${error.message}; the status page says how far the run got`);
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
