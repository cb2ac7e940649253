// Profiles the built service under load: starts the stand-in Airflow and `node [the entry's flags] --cpu-prof
// dist/server.unbundled.js` (the same code as the shipped bundle, dist/server.js, but loaded as
// separate modules, so that each sample can be charged to its package), drives one route with wrk (bench/load.mjs, own process) for BENCH_PROFILE_S seconds
// (default 10), stops the service so V8 writes the profile, then summarises it.
// Usage: node bench/profile.mjs [path=/api/dags/Airflow_Lab2/status]   env: LOG_LEVEL, BENCH_SERVICE_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { killAllOnExit, track } from './lib/processes.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const SERVICE_DIR = path.resolve(process.env.BENCH_SERVICE_DIR ?? path.join(BENCH, '..'));
const route = process.argv[2] ?? '/api/dags/Airflow_Lab2/status';
const seconds = Number(process.env.BENCH_PROFILE_S ?? 10);
const dir = mkdtempSync(path.join(os.tmpdir(), 'airflow-status-prof-'));
killAllOnExit();

/** Spawns a tracked child, ended with the profiler. */
function run(cmd, args, opts) {
  return track(spawn(cmd, args, opts), path.basename(args.find((a) => a.endsWith('.mjs') || a.endsWith('.js')) ?? cmd));
}
const airflow = run(process.execPath, [path.join(BENCH, 'stand-in-airflow.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const airflowPort = await new Promise((resolve) =>
  airflow.stdout.on('data', (d) => {
    const m = /LISTENING (\d+)/.exec(String(d));
    if (m) resolve(m[1]);
  }),
);
const port = 20000 + Math.floor(Math.random() * 20000);
const log = openSync(path.join(dir, 'service.log'), 'w');
const env = { ...process.env, FLASK_PORT: String(port), HOST: '127.0.0.1', AIRFLOW_WEBSERVER: `http://127.0.0.1:${airflowPort}` };
const spawnedAt = performance.now();
// The flags dist/main.js would start it with (the unbundled server is loaded directly, without the entry).
const { NODE_FLAGS } = await import(path.join(SERVICE_DIR, 'dist/config/node-flags.js'));
const svc = run(
  process.execPath,
  [
    ...NODE_FLAGS,
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--import',
    path.join(BENCH, 'prof-exit-hook.mjs'),
    path.join(SERVICE_DIR, 'dist/server.unbundled.js'),
  ],
  { cwd: SERVICE_DIR, env, stdio: ['ignore', log, log] },
);
const base = `http://127.0.0.1:${port}`;
for (;;) {
  try {
    if ((await fetch(`${base}/health/live`)).ok) break;
  } catch {
    /* not yet */
  }
  await sleep(20);
}
await fetch(`${base}${route}`);
const load = (duration) =>
  new Promise((resolve) => {
    const c = run(process.execPath, [path.join(BENCH, 'load.mjs'), JSON.stringify({ url: `${base}${route}`, duration })], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    c.benchGroup = true; // a load run leads its own process group (its wrk with it)
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', () => resolve(JSON.parse(out)));
  });
await load(2);
const skipMs = Math.round(performance.now() - spawnedAt);
const r = await load(seconds);
console.error(`${route}: ${Math.round(r.rps)} req/s under --cpu-prof, p99 ${r.p99.toFixed(2)} ms`);
const exited = new Promise((resolve) => svc.on('exit', resolve));
svc.kill('SIGUSR2');
await exited;
airflow.kill('SIGTERM');
const file = path.join(
  dir,
  readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
);
console.error(`profile: ${file}`);
console.error(`summary of the measured ${seconds} s only (start-up and warm-up, the first ${skipMs} ms, skipped); ${r.requests} requests`);
const summary = spawn(process.execPath, [path.join(BENCH, 'profile-summary.mjs'), file, ...process.argv.slice(3)], {
  stdio: 'inherit',
  env: { ...process.env, PROFILE_SKIP_MS: String(skipMs), PROFILE_REQUESTS: String(r.requests) },
});
summary.on('exit', (code) => process.exit(code ?? 1));
