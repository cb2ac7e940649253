#!/usr/bin/env node
// `npm run demo`: from a fresh clone to the status page of a real Airflow run.
// Installs what is missing, builds, brings the local Airflow up, triggers
// Airflow_Lab2, starts the service on 127.0.0.1:5555 against it and prints a
// short summary. Any stop signal (Ctrl-C, SIGTERM from `timeout` or an IDE, SIGHUP,
// or npm itself going away) stops what it started: the service, and Airflow if
// the demo started it. The steps' output goes to files under .airflow/demo/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AirflowRest, waitFor } from './airflow/airflow-rest.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// The Node LTS the project brings (the `node` devDependency): on a fresh clone the demo itself may run
// on an older node, which only installs it.
const projectNode = () => (existsSync(`${root}/node_modules/.bin/node`) ? `${root}/node_modules/.bin/node` : process.execPath);
const airflowSh = fileURLToPath(new URL('./airflow/airflow.sh', import.meta.url));
const logDir = `${root}.airflow/demo`;
const setupLog = `${logDir}/setup.log`;
const serviceLog = `${logDir}/service.log`;
// One spelling for every local URL: Airflow and the service listen on 127.0.0.1 only.
const AIRFLOW = 'http://127.0.0.1:8080';
const PORT = 5555; // the seed's port
const SERVICE = `http://127.0.0.1:${PORT}`;
const DAG = 'Airflow_Lab2';
/** How often the demo checks that npm (its parent) is still there: a killed npm cannot pass a signal on. */
const PARENT_CHECK_MS = 1000;
const airflow = new AirflowRest(AIRFLOW);
const started = Date.now();
const say = (text) => process.stdout.write(`[demo] ${text}\n`);
const rel = (path) => path.slice(root.length);
const seconds = (since) => Math.round((Date.now() - since) / 1000);

/** @type {import('node:child_process').ChildProcess | null} */
let step = null;
/** @type {import('node:child_process').ChildProcess | null} */
let service = null;
let startedAirflow = false;
let stopping = false;

/** Runs one setup step with its output appended to setup.log; rejects naming the step and the log. */
function run(what, command, args) {
  const out = openSync(setupLog, 'a');
  return new Promise((resolve, reject) => {
    // Its own process group, so that stopping the step stops what it spawned too.
    step = spawn(command, args, { cwd: root, stdio: ['ignore', out, out], detached: true });
    step.once('exit', (code, signal) => {
      step = null;
      if (code === 0) resolve();
      else reject(new Error(`${what} failed (${signal ?? `exit ${code}`}); its output is in ${rel(setupLog)}:\n${tail(setupLog, 15)}`));
    });
  });
}

function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function airflowIsUp() {
  return new Promise((resolve) =>
    spawn('bash', [airflowSh, 'status'], { cwd: root, stdio: 'ignore' }).once('exit', (code) => resolve(code === 0)),
  );
}

async function stop(code, why) {
  if (stopping) return;
  stopping = true;
  say(`${why}: stopping${startedAirflow ? ' the service and Airflow' : ' the service'}…`);
  if (step?.exitCode === null) {
    try {
      process.kill(-step.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((resolve) => (step?.exitCode === null ? step.once('exit', resolve) : resolve()));
  }
  if (service?.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
  }
  if (startedAirflow) {
    await run('stopping Airflow', 'bash', [airflowSh, 'down']).catch((error) => say(error.message));
  }
  say('stopped.');
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(0, signal));
// npm killed outright (SIGKILL) cannot forward anything; its child sees its parent change.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0, 'npm went away');
}, PARENT_CHECK_MS).unref();

async function main() {
  mkdirSync(logDir, { recursive: true });
  say(`setting up; step output goes to ${rel(setupLog)}`);
  if (!existsSync(`${root}node_modules/.package-lock.json`)) {
    say('installing npm packages (npm ci)…');
    await run('npm ci', 'npm', ['ci', '--no-audit', '--no-fund']);
  }
  say('building the service (npm run build)…');
  await run('the build', 'npm', ['run', 'build']);

  const airflowWasUp = await airflowIsUp();
  say('installing the pinned Airflow if needed (first time: about 35 s)…');
  await run('installing Airflow', 'bash', [airflowSh, 'install']);
  if (airflowWasUp) {
    say(`Airflow is already up at ${AIRFLOW}; using it (and leaving it up)`);
  } else {
    const upSince = Date.now();
    say('starting Airflow on 127.0.0.1:8080 (about a minute)…');
    startedAirflow = true;
    await run('starting Airflow', 'bash', [airflowSh, 'up']);
    say(`Airflow is up after ${seconds(upSince)} s`);
  }

  // Like the seed's pipeline, minus its final trigger of Airflow_Lab2_Flask: the demo serves the port itself.
  const { dag_run_id: runId } = await airflow.trigger(DAG, { trigger_flask: false });
  say(`triggered ${DAG} run ${runId}`);

  const log = openSync(serviceLog, 'a');
  service = spawn(projectNode(), ['dist/main.js'], {
    cwd: root,
    stdio: ['ignore', log, log],
    env: { ...process.env, FLASK_PORT: String(PORT), HOST: '127.0.0.1', AIRFLOW_WEBSERVER: AIRFLOW },
  });
  service.once('exit', (code) => {
    if (!stopping) void stop(code ?? 1, `the service exited (${code}); see ${rel(serviceLog)}:\n${tail(serviceLog, 10)}\n[demo]`);
  });
  // The service answers within seconds; 30 s covers a loaded machine.
  await waitFor('the service to answer', 30_000, async () => ((await fetch(`${SERVICE}/health/live`)).ok ? true : null));

  try {
    // Two minutes: the run takes a few seconds once the scheduler has picked it up.
    const { state } = await airflow.waitForRun(DAG, runId, ['success', 'failed'], 120_000);
    say(`the run finished: ${state}`);
  } catch (error) {
    say(`${error.message}; the status page says how far the run got`);
  }

  process.stdout.write(
    [
      '',
      `[demo] ready after ${seconds(started)} s:`,
      `  status page   ${SERVICE}/   (redirects to /success or /failure)`,
      `  JSON          ${SERVICE}/api/dags/${DAG}/status`,
      `  Swagger UI    ${SERVICE}/docs`,
      `  Airflow UI    ${AIRFLOW}/   (airflow / airflow)`,
      `  service log   ${rel(serviceLog)}`,
      `  failing run   npm run trigger -- --fail   (in another terminal; then reload the status page)`,
      `  stop          Ctrl-C here (or any stop signal to npm): stops the service${startedAirflow ? ' and Airflow' : '; Airflow was already up and stays up'}`,
      '',
    ].join('\n'),
  );
}

main().catch((error) => void stop(1, error instanceof Error ? error.message : String(error)));
