#!/usr/bin/env node
// Where the mirror's time and memory go at scale: a stand-in Airflow with DAGS DAGs (default 5000),
// the built service (dist/main.unbundled.js: the bundle's code as separate modules, so each sample is
// charged to its file) watching every one (WATCH_DAGS=all) under `--cpu-prof`, then the steps of
// STEPS in order, each timed:
//   load    until the first load is done (the service's gauge)
//   idle    IDLE_S seconds of syncs with nothing changing
//   events  one /api/events stream of every DAG (EVENTS_QUERY, e.g. '?dag_id=dag_0001'), until
//           it holds each DAG's first status or the service ends it
//   api     one GET /api/dags
//   heap    a heap snapshot (HEAP_FILE, default in the profile's directory) through the probe of
//           sse-memory-probe.mjs, after a full GC; and process.memoryUsage()
// and the CPU profile's summary (bench/profile-summary.mjs) from the first step on.
//   node bench/experiments/mirror-profile.mjs      env: DAGS, STEPS (load,idle,events,api), IDLE_S (10), TOP (25)
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { firstLoad } from '../lib/mirror-log.mjs';
import { rssMb } from '../lib/proc-stats.mjs';
import { freePort, killAll, killAllOnExit, track, waitHttp } from '../lib/processes.mjs';
import { harness } from '../lib/settings.mjs';
import { openStatusStream, until } from '../lib/sse.mjs';
import { startStandInAirflow } from '../lib/stand-in.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DAGS = Number(process.env.DAGS ?? 5000);
const STEPS = (process.env.STEPS ?? 'load,idle,events,api').split(',');
const IDLE_S = Number(process.env.IDLE_S ?? 10);
killAllOnExit();

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'airflow-status-mirror-prof-'));
  const airflow = await startStandInAirflow({ STAND_IN_DAGS: String(DAGS) });
  const logFile = path.join(dir, 'service.log');
  const port = await freePort();
  const probePort = await freePort();
  const child = track(
    spawn(
      process.execPath,
      [
        ...harness.serviceNodeFlags,
        '--expose-gc',
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        '--import',
        path.join(HERE, '..', 'prof-exit-hook.mjs'),
        '--import',
        path.join(HERE, 'sse-memory-probe.mjs'),
        path.join(harness.serviceDir, 'dist/main.unbundled.js'),
      ],
      {
        cwd: harness.serviceDir,
        env: {
          ...process.env,
          FLASK_PORT: String(port),
          HOST: '127.0.0.1',
          AIRFLOW_WEBSERVER: airflow.clientUrl('profile'),
          TARGET_DAG_ID: 'dag_0001',
          ALLOWED_DAG_IDS: 'dag_0001',
          WATCH_DAGS: 'all',
          SSE_PROBE_PORT: String(probePort),
        },
        stdio: ['ignore', openSync(logFile, 'w'), 'inherit'],
      },
    ),
    'service(profile)',
  );
  const base = `http://127.0.0.1:${port}`;
  const spawned = performance.now();
  await waitHttp(`${base}/health/live`, { child, timeoutMs: 60_000 });
  console.error(`listening after ${Math.round(performance.now() - spawned)} ms; ${DAGS} DAGs`);
  for (const step of STEPS) {
    const started = performance.now();
    if (step === 'load') {
      const load = await firstLoad(logFile);
      console.error(`load: ${load.seconds} s for ${load.dags} DAGs by the service's log (at most ${load.peakReads} reads at once)`);
    } else if (step === 'idle') {
      await sleep(IDLE_S * 1000);
    } else if (step === 'events') {
      let first = null;
      const stream = await openStatusStream(`${base}/api/events${process.env.EVENTS_QUERY ?? ''}`, () => (first ??= performance.now()));
      await until('every DAG on the stream', () => stream.events >= DAGS || stream.closed, 600_000);
      const got = `${stream.events} statuses, ${(stream.bytes / 2 ** 20).toFixed(1)} MB${stream.closed ? ', then the service closed it' : ''}`;
      console.error(`events: first status after ${first === null ? '–' : Math.round(first - started)} ms; ${got}`);
      stream.req.destroy();
    } else if (step === 'api') {
      const res = await fetch(`${base}/api/dags`);
      const bytes = (await res.arrayBuffer()).byteLength;
      console.error(`api: ${res.status}, ${(bytes / 2 ** 20).toFixed(1)} MB`);
    } else if (step === 'heap') {
      const file = process.env.HEAP_FILE ?? path.join(dir, `mirror-${DAGS}.heapsnapshot`);
      const before = await (await fetch(`http://127.0.0.1:${probePort}/?gc=1`)).json();
      await fetch(`http://127.0.0.1:${probePort}/snapshot?file=${encodeURIComponent(file)}`);
      const mb = (x) => (x / 2 ** 20).toFixed(1);
      console.error(
        `heap: after a full GC rss ${mb(before.memory.rss)}, heapUsed ${mb(before.memory.heapUsed)}, external ${mb(before.memory.external)}, arrayBuffers ${mb(before.memory.arrayBuffers)} MB; snapshot ${file}`,
      );
    }
    console.error(`${step}: ${((performance.now() - started) / 1000).toFixed(1)} s; RSS ${rssMb(child.pid)?.toFixed(1)} MB`);
  }
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGUSR2');
  await exited;
  const file = path.join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
  );
  console.error(`profile: ${file}`);
  const summary = spawn(process.execPath, [path.join(HERE, '..', 'profile-summary.mjs'), file, process.env.TOP ?? '25'], {
    stdio: 'inherit',
  });
  await new Promise((resolve) => summary.on('exit', resolve));
}

main()
  .then(() => {
    killAll();
    process.exit(0);
  })
  .catch((error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
