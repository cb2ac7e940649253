import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { processesAgainstFakeAirflow } from '../support/process-harness.js';
import { isPortFree, servingInstanceOn, ServiceProcess, until } from '../support/service-process.js';

const DAG = 'Airflow_Lab2';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// A tsc compile in watch mode on a loaded 2-core machine (load 6-7 seen): every wait is on a condition,
// with room for three of them (first compile, the recompile, npm start).
jest.setTimeout(600_000);
const COMPILE_MS = 240_000;

const harness = processesAgainstFakeAirflow(DAG);

/**
 * A copy of the project (its sources, configs and nest-cli.json; node_modules linked), configured
 * only by a top-level .env, since editing the real src/ would race the rest of the suite.
 */
let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'start-dev-'));
  for (const file of ['package.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(ROOT, file), join(project, file));
  }
  cpSync(join(ROOT, 'src'), join(project, 'src'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
  const env = harness.env();
  writeFileSync(
    join(project, '.env'),
    Object.entries(env)
      .map(([name, value]) => `${name}=${value}\n`)
      .join(''),
  );
});

const running: ServiceProcess[] = [];
afterEach(async () => {
  for (const npm of running.splice(0)) {
    // The npm process leads its own group: the Nest CLI and the service go with it.
    if (npm.child.exitCode === null && npm.child.signalCode === null) process.kill(-npm.child.pid!, 'SIGKILL');
    await npm.exited();
  }
  rmSync(project, { recursive: true, force: true });
});

/** `npm run <script>` in the copy, with no setting in its environment: only .env configures it. */
function npmRun(script: string): ServiceProcess {
  const child = spawn('npm', ['run', script], {
    cwd: project,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const npm = ServiceProcess.adopt(child);
  running.push(npm);
  return npm;
}

async function servesFromDotEnv(npm: ServiceProcess, other?: string): Promise<string> {
  const id = await until(
    'an instance to serve on the port of .env',
    async () => {
      const serving = await servingInstanceOn(harness.port);
      return serving !== other ? serving : null;
    },
    COMPILE_MS,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${npm.output.slice(-3000)}`, { cause: error });
  });
  // .env's AIRFLOW_WEBSERVER and TARGET_DAG_ID: the fake Airflow's run of the DAG.
  const res = await fetch(`http://127.0.0.1:${harness.port}/api/dags/${DAG}/status`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ dag_id: DAG, state: 'success' });
  return id;
}

/** Ctrl-C in the terminal: SIGINT to the whole group. The service stops gracefully and nothing is left. */
async function stops(npm: ServiceProcess): Promise<void> {
  const group = -npm.child.pid!;
  process.kill(group, 'SIGINT');
  await npm.exited();
  expect(npm.output).toContain('"message":"Stopped"');
  await until('every process of the group to exit', async () => {
    try {
      process.kill(group, 0);
      return null;
    } catch {
      return true;
    }
  });
  expect(await isPortFree(harness.port)).toBe(true);
}

describe('npm run start:dev (the Nest CLI in watch mode, nest-cli.json)', () => {
  it('serves as .env says, restarts on a source change and stops on Ctrl-C; npm start then serves its build from the same .env', async () => {
    const dev = npmRun('start:dev');
    const first = await servesFromDotEnv(dev);

    appendFileSync(join(project, 'src/main.ts'), "\nprocess.stdout.write('start:dev test: edited source running\\n');\n");
    const second = await servesFromDotEnv(dev, first);
    expect(second).not.toBe(first);
    expect(dev.output).toContain('start:dev test: edited source running');
    await stops(dev);

    const start = npmRun('start');
    await servesFromDotEnv(start);
    expect(start.output).toContain('start:dev test: edited source running');
    await stops(start);
  });
});
