#!/usr/bin/env node
// npm run bench: the ceiling (bare node:http), this service and the seed's Flask design, side by side,
// under one load generator (wrk, in its own process; installed with apt-get when missing and run as
// root), against a stand-in Airflow that counts
// calls. Prints a markdown table and target checks. A benchmark, not a test: it exits 0 even when a
// target fails, non-zero only when the harness itself breaks. Needs `npm run build` first.
//
// Env: BENCH_DURATION_S (10), BENCH_WARMUP_S (2), BENCH_CONNECTIONS (50), STATUS_CACHE_TTL_MS (2000),
//      BENCH_MEMORY_REQUESTS (100000), BENCH_STARTS (5), BENCH_ROUNDS (5: alternating slices, see below), BENCH_PYTHON (python3), BENCH_SKIP_SEED (unset),
//      BENCH_SERVICE_DIR (repo root: the directory holding dist/main.js, e.g. a scratch copy),
//      BENCH_SERVICE_NODE_OPTIONS (NODE_OPTIONS for the service only), BENCH_ONLY (see below).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const SERVICE_DIR = path.resolve(process.env.BENCH_SERVICE_DIR ?? ROOT);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_S ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const TTL_MS = Number(process.env.STATUS_CACHE_TTL_MS ?? 2000);
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
// wrk runs whole seconds: an alternating slice is DURATION / ROUNDS rounded, at least 1 s.
const SLICE_S = Math.max(1, Math.round(DURATION / ROUNDS));
// BENCH_ONLY=memory,warn,… runs a subset (for experiments) of: starts, memory, live, root, success, warn, seed.
// The ceiling and the cached status always run: every ratio is to the ceiling.
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((x) => x.trim())) : null;
const want = (part) => !ONLY || ONLY.has(part);
const DAG_ID = 'Airflow_Lab2';
const STATUS_PATH = `/api/dags/${DAG_ID}/status`;
const WORK = mkdtempSync(path.join(os.tmpdir(), 'airflow-status-bench-'));

// ---------------------------------------------------------------------------------------------
// Children: every process we start is tracked and ended on exit, error or Ctrl-C.
const children = new Set();

function track(child, name) {
  child.benchName = name;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function killAll() {
  for (const child of children) {
    try {
      // A load process leads its own process group, so its wrk goes with it.
      if (child.benchGroup) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping every child\n`);
    killAll();
    process.exit(130);
  });
}

async function stop(child, signal = 'SIGTERM', graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts a bench helper that prints `LISTENING <port>` once it listens. */
function startListener(name, command, args, env = {}) {
  const child = track(spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }), name);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitHttp(url, { timeoutMs = 20_000, intervalMs = 10, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${child.benchName} exited (${child.exitCode}) before answering ${url}`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status < 400) return res;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

const CLK_TCK = 100;
/** utime + stime of a process, in seconds (NaN when unknown). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Load: wrk runs driven by bench/load.mjs, in its own process.
function load(url, { duration, amount, headers } = {}) {
  return runLoad({ url, connections: CONNECTIONS, duration, amount, headers });
}

function runLoad(opts) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [path.join(BENCH, 'load.mjs'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'], detached: true }), 'load');
    child.benchGroup = true;
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`bench/load.mjs exited ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (error) {
        reject(error);
      }
    });
  });
}

let airflowUrl;
async function airflowCalls() {
  const res = await fetch(`${airflowUrl}/__calls`);
  const counts = await res.json();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

const rows = [];
/** wrk counts non-2xx/3xx answers but not which status: one request after the row checks it is the expected one. */
async function unexpectedStatus(url, expect) {
  if (!expect) return null;
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  return res.status === expect ? null : `answers ${res.status}, expected ${expect}`;
}
/** Warm-up, then a measured run; Airflow calls counted over the measured run only. */
async function measure(label, url, { headers, note, expect, pid } = {}) {
  process.stderr.write(`• ${label}: ${WARMUP} s warm-up + ${DURATION} s… `);
  if (WARMUP > 0) await load(url, { duration: WARMUP, headers });
  const before = await airflowCalls();
  const cpuBefore = cpuSeconds(pid);
  const result = await load(url, { duration: DURATION, headers });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const calls = (await airflowCalls()) - before;
  const unexpected = await unexpectedStatus(url, expect);
  // The server's own CPU: share of one core, and CPU time per request.
  const row = { label, url, ...result, airflowCalls: calls, unexpected, note, cpuShare: cpu / result.seconds, cpuUsPerRequest: (cpu * 1e6) / result.requests, maxCalls: Math.ceil((DURATION * 1000) / TTL_MS) + 1 };
  rows.push(row);
  process.stderr.write(`${Math.round(result.rps)} req/s, p99 ${result.p99?.toFixed(2)} ms, ${calls} Airflow calls\n`);
  return row;
}

/**
 * Several targets measured in alternating slices (ROUNDS rounds of DURATION/ROUNDS s each, target after
 * target), after a warm-up of each: the machine's speed drifts (a shared VM), and alternating makes
 * the drift hit every target alike, so their ratios hold. Each target totals DURATION s.
 */
async function measureAlternating(targets) {
  const slice = SLICE_S;
  process.stderr.write(`• ${targets.map((t) => t.label).join(' | ')}: ${WARMUP} s warm-up each, then ${ROUNDS} rounds of ${slice} s slices… `);
  for (const t of targets) if (WARMUP > 0) await load(t.url, { duration: WARMUP });
  const results = await runLoad({
    targets: targets.map((t, i) => ({ name: String(i), url: t.url, pid: t.pid })),
    rounds: ROUNDS,
    duration: slice,
    connections: CONNECTIONS,
    callsUrl: `${airflowUrl}/__calls`,
  });
  const out = [];
  for (const [i, t] of targets.entries()) {
    const r = results[String(i)];
    const unexpected = await unexpectedStatus(t.url, t.expect);
    const row = { label: t.label, url: t.url, note: t.note, ...r, unexpected, cpuShare: r.cpuSeconds / r.seconds, cpuUsPerRequest: (r.cpuSeconds * 1e6) / r.requests, maxCalls: ROUNDS * (Math.ceil((slice * 1000) / TTL_MS) + 1), alternating: true };
    rows.push(row);
    out.push(row);
  }
  process.stderr.write(`${out.map((r) => Math.round(r.rps)).join(' | ')} req/s\n`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The service.
function serviceEnv(port, extra = {}) {
  return {
    FLASK_PORT: String(port),
    HOST: '127.0.0.1',
    AIRFLOW_WEBSERVER: airflowUrl,
    TARGET_DAG_ID: DAG_ID,
    STATUS_CACHE_TTL_MS: String(TTL_MS),
    AIRFLOW_AUTH: 'auto',
    ...extra,
  };
}

async function startService(label, extra = {}, nodeArgs = []) {
  const port = await freePort();
  const logFile = path.join(WORK, `service-${label}.log`);
  const fd = openSync(logFile, 'w');
  const env = { ...process.env, ...serviceEnv(port, extra) };
  delete env.LOG_LEVEL;
  if (extra.LOG_LEVEL) env.LOG_LEVEL = extra.LOG_LEVEL;
  // Node flags for the service alone (e.g. --max-semi-space-size=2), never for the harness or load generator.
  if (process.env.BENCH_SERVICE_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVICE_NODE_OPTIONS;
  const started = performance.now();
  const child = track(spawn(process.execPath, [...nodeArgs, path.join(SERVICE_DIR, 'dist/main.js')], { cwd: SERVICE_DIR, env, stdio: ['ignore', fd, fd] }), `service(${label})`);
  closeSync(fd);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${base}/health/live`, { child });
  } catch (error) {
    throw new Error(`${error.message}\n--- ${logFile} ---\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
  }
  return { child, base, logFile, startMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// The seed's Flask app, in a venv made on first run.
function ensureVenv() {
  const venv = path.join(BENCH, '.venv');
  const py = path.join(venv, 'bin', 'python');
  const stamp = path.join(venv, '.requirements');
  const wanted = readFileSync(path.join(BENCH, 'requirements.txt'), 'utf8');
  if (existsSync(py) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return py;
  process.stderr.write('• creating bench/.venv for the seed\'s Flask app (first run)…\n');
  let r = spawnSync(PYTHON, ['-m', 'venv', venv], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${PYTHON} -m venv failed`);
  r = spawnSync(py, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', path.join(BENCH, 'requirements.txt')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('pip install -r bench/requirements.txt failed');
  writeFileSync(stamp, wanted);
  return py;
}

function pyVersions(py) {
  const r = spawnSync(py, ['-c', 'import sys, flask, werkzeug, requests; from importlib.metadata import version as v; print(sys.version.split()[0], v("flask"), v("werkzeug"), requests.__version__)'], { encoding: 'utf8' });
  const [python, flask, werkzeug, requests] = r.stdout.trim().split(' ');
  return { python, flask, werkzeug, requests };
}

// ---------------------------------------------------------------------------------------------
/** wrk is a Debian package: installed here when missing (as root with apt-get), else a clear demand. */
function ensureWrk() {
  if (spawnSync('wrk', ['-v']).error === undefined) return;
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).error === undefined && !process.env.BENCH_NO_INSTALL;
  if (canInstall) {
    process.stderr.write('• wrk is missing: apt-get install -y wrk…\n');
    let r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
      r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    if (r.status === 0 && spawnSync('wrk', ['-v']).error === undefined) return;
  }
  throw new Error('the load generator wrk is required: install it (Debian/Ubuntu: sudo apt-get install -y wrk) and run again');
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const v = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const wrk = /wrk (\S+)/.exec(`${v.stdout}${v.stderr}`)?.[1] ?? 'unknown';
  return { nproc: os.availableParallelism(), cpu, memGb: (os.totalmem() / 2 ** 30).toFixed(1), node: process.version, kernel: os.release(), wrk, wrkThreads: Number(process.env.BENCH_WRK_THREADS ?? 1) };
}

const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!existsSync(path.join(SERVICE_DIR, 'dist/main.js'))) throw new Error(`${SERVICE_DIR}/dist/main.js is missing: run \`npm run build\` first`);
  ensureWrk();
  const m = machine();
  const loadBefore = os.loadavg();
  process.stderr.write(`bench: ${m.nproc} cores, ${m.cpu}, node ${m.node}; load generator wrk ${m.wrk}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}; logs in ${WORK}\n`);

  const airflow = await startListener('stand-in Airflow', process.execPath, [path.join(BENCH, 'stand-in-airflow.mjs'), '0']);
  airflowUrl = `http://127.0.0.1:${airflow.port}`;

  // 1. Start-to-listening: spawn → first 200 from /health/live, median of STARTS.
  const starts = [];
  for (let i = 0; i < (want('starts') ? STARTS : 0); i++) {
    const s = await startService(`start-${i}`);
    starts.push(s.startMs);
    await stop(s.child);
  }
  process.stderr.write(`• start→listening: ${starts.map((x) => Math.round(x)).join(', ')} ms\n`);

  // 2. The service at the default LOG_LEVEL (log).
  const svc = await startService('log');
  const rssStart = rssMb(svc.child.pid);
  const statusUrl = `${svc.base}${STATUS_PATH}`;
  const statusRes = await fetch(statusUrl);
  const statusBody = Buffer.from(await statusRes.arrayBuffer());
  if (statusRes.status !== 200) throw new Error(`${STATUS_PATH} answered ${statusRes.status}: ${statusBody}`);

  // 3. The ceiling (a bare node:http server answering the very same bytes), the cached status at the
  //    default LOG_LEVEL and at LOG_LEVEL=warn, in alternating slices.
  const ceiling = await startListener('ceiling', process.execPath, [path.join(BENCH, 'ceiling-server.mjs'), '0'], { BODY_B64: statusBody.toString('base64') });
  const quiet = want('warn') ? await startService('warn', { LOG_LEVEL: 'warn' }) : null;
  const logBytesBefore = statSync(svc.logFile).size;
  const [ceil, status, quietStatus] = await measureAlternating([
    { label: 'ceiling: bare node:http, fixed JSON', url: `http://127.0.0.1:${ceiling.port}/`, note: `${statusBody.length}-byte body`, pid: ceiling.child.pid },
    { label: `service ${STATUS_PATH} (cached)`, url: statusUrl, note: 'LOG_LEVEL=log', expect: 200, pid: svc.child.pid },
    ...(quiet ? [{ label: `service ${STATUS_PATH} (cached)`, url: `${quiet.base}${STATUS_PATH}`, note: 'LOG_LEVEL=warn', expect: 200, pid: quiet.child.pid }] : []),
  ]);
  const logBytesPerRequest = (statSync(svc.logFile).size - logBytesBefore) / (status.requests * (1 + WARMUP / DURATION));
  await stop(ceiling.child);
  if (quiet) await stop(quiet.child);

  // 4. Memory: RSS after warm-up, then across MEMORY_REQUESTS more requests in two halves.
  const rssWarm = rssMb(svc.child.pid);
  let rssHalf = null;
  let rssEnd = null;
  let rssPeak = rssWarm;
  let memoryRun = null;
  // RSS swings by tens of MB as V8 grows and shrinks its young generation; a leak shows as the
  // second half's peak above the first half's.
  let rssPeaks = [null, null];
  if (want('memory')) {
    const rssSamples = [];
    let half = 0;
    const sampler = setInterval(() => rssSamples.push({ half, mb: rssMb(svc.child.pid) }), 250);
    process.stderr.write(`• memory: ${MEMORY_REQUESTS} requests on ${STATUS_PATH}… `);
    const callsBefore = await airflowCalls();
    const memStarted = performance.now();
    const first = await load(statusUrl, { amount: MEMORY_REQUESTS / 2 });
    rssHalf = rssMb(svc.child.pid);
    half = 1;
    const second = await load(statusUrl, { amount: MEMORY_REQUESTS / 2 });
    rssEnd = rssMb(svc.child.pid);
    const elapsedMs = performance.now() - memStarted;
    memoryRun = { calls: (await airflowCalls()) - callsBefore, elapsedMs, requests: first.requests + second.requests, errors: first.errors + second.errors, rps: (first.requests + second.requests) / (first.seconds + second.seconds) };
    clearInterval(sampler);
    const peakOf = (h) => Math.max(...rssSamples.filter((x) => x.half === h && x.mb !== null).map((x) => x.mb));
    rssPeaks = [Math.max(rssWarm, peakOf(0), rssHalf), Math.max(peakOf(1), rssEnd)];
    rssPeak = Math.max(...rssPeaks);
    process.stderr.write(`RSS ${fmt(rssWarm, 1)} → ${fmt(rssHalf, 1)} → ${fmt(rssEnd, 1)} MB (peak ${fmt(rssPeak, 1)})\n`);
  }

  if (want('live')) await measure('service /health/live', `${svc.base}/health/live`, { expect: 200, pid: svc.child.pid });
  if (want('root')) await measure('service / (redirect)', `${svc.base}/`, { expect: 302, pid: svc.child.pid });
  if (want('success')) await measure('service /success (HTML page)', `${svc.base}/success`, { expect: 200, pid: svc.child.pid });
  await stop(svc.child);

  // 6. The seed's design: Flask's built-in server, one Airflow call per page view.
  let seedInfo = null;
  let seedError = null;
  if (want('seed') && !process.env.BENCH_SKIP_SEED) {
    try {
      const py = ensureVenv();
      seedInfo = pyVersions(py);
      const port = await freePort();
      const flask = track(
        spawn(py, [path.join(BENCH, 'seed_flask_app.py')], {
          env: { ...process.env, FLASK_PORT: String(port), AIRFLOW_WEBSERVER: airflowUrl, TARGET_DAG_ID: DAG_ID, PYTHONUNBUFFERED: '1' },
          // Werkzeug logs one line per request to stderr, as the seed's server does; kept, into a file.
          stdio: ['ignore', 'ignore', openSync(path.join(WORK, 'seed-flask.log'), 'w')],
        }),
        'seed Flask',
      );
      await waitHttp(`http://127.0.0.1:${port}/health`, { child: flask });
      await measure('seed design: Flask /success', `http://127.0.0.1:${port}/success`, { expect: 200, note: 'app.run(threaded=True)', pid: flask.pid });
      await measure('seed design: Flask / (redirect)', `http://127.0.0.1:${port}/`, { expect: 302, pid: flask.pid });
      await stop(flask);
    } catch (error) {
      seedError = error.message;
      process.stderr.write(`seed Flask app: ${seedError}\n`);
    }
  }
  const airflowCallsByPath = await (await fetch(`${airflowUrl}/__calls`)).json();
  await stop(airflow.child);

  // ---------------------------------------------------------------------------------------------
  const out = [];
  const say = (line = '') => out.push(line);
  say(`## airflow-status-api benchmark — ${new Date().toISOString()}`);
  say();
  say(`Machine: ${m.nproc} cores (${m.cpu}), ${m.memGb} GiB, Linux ${m.kernel}, Node ${m.node}${seedInfo ? `, Python ${seedInfo.python}, Flask ${seedInfo.flask} (Werkzeug ${seedInfo.werkzeug}), requests ${seedInfo.requests}` : ''}.`);
  say(`Load average (1, 5, 15 min) before the run: ${loadBefore.map((x) => x.toFixed(2)).join(', ')}; after: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')} (other work on this VM skews every number).`);
  say(`Load generator: wrk ${m.wrk} (-t${m.wrkThreads}: one load thread, leaving the other core to the server), ${CONNECTIONS} connections, its own process, ${WARMUP} s warm-up then ${DURATION} s per row, all on 127.0.0.1. Rows marked ⇄ are measured in alternating slices (${ROUNDS} rounds of ${SLICE_S} s each, one target after the other) so that the drift of this shared VM's speed hits them alike. Latency: wrk's percentiles (for ⇄ rows the median of the slices' percentiles; every slice's p99 is in result.json). Errors: wrk's non-2xx/3xx answers plus its socket errors (connect, read, write, timeout). STATUS_CACHE_TTL_MS=${TTL_MS}; the stand-in Airflow answers in well under 1 ms. Server CPU: utime+stime of the server process during the row.`);
  say();
  say('| target | req/s | p50 ms | p99 ms | errors | Airflow calls | × ceiling | server CPU (core, µs/req) |');
  say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const label = `${r.alternating ? '⇄ ' : ''}${r.note ? `${r.label} — ${r.note}` : r.label}`;
    say(`| ${label} | ${Math.round(r.rps).toLocaleString('en-US')} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors}${r.unexpected ? ` (${r.unexpected})` : ''} | ${r.airflowCalls} | ${fmt(r.rps / ceil.rps)} | ${fmt(r.cpuShare * 100, 0)} %, ${fmt(r.cpuUsPerRequest, 0)} |`);
  }
  if (seedError) say(`| seed design: Flask | skipped: ${seedError.replace(/\n/g, ' ')} | | | | | | |`);
  say();
  const quietRow = rows.find((r) => r.note === 'LOG_LEVEL=warn');
  if (quietRow) say(`LOG_LEVEL=log writes one JSON access-log line per non-probe request (${fmt(logBytesPerRequest, 0)} bytes/request to stdout, here a file); LOG_LEVEL=warn writes none: cached status ${Math.round(status.rps)} → ${Math.round(quietRow.rps)} req/s (${fmt((quietRow.rps / status.rps - 1) * 100, 0)} %).`);
  if (starts.length) say(`Start to listening (spawn → first 200 from /health/live), ${STARTS} starts: median ${Math.round(median(starts))} ms (${starts.map((x) => Math.round(x)).join(', ')}).`);
  if (rssEnd !== null) say(`Resident memory (VmRSS) of the service: ${fmt(rssStart, 1)} MB at start, ${fmt(rssWarm, 1)} MB after warm-up, ${fmt(rssHalf, 1)} MB after ${MEMORY_REQUESTS / 2} more requests, ${fmt(rssEnd, 1)} MB after ${MEMORY_REQUESTS}; peak ${fmt(rssPeak, 1)} MB (sampled every 250 ms; peak of each half ${fmt(rssPeaks[0], 1)}, ${fmt(rssPeaks[1], 1)} MB). Those ${memoryRun.requests} requests on the cached status, at ${CONNECTIONS} connections in 3 s wrk runs: ${fmt(memoryRun.elapsedMs / 1000, 1)} s, ${Math.round(memoryRun.rps)} req/s, ${memoryRun.errors} errors, ${memoryRun.calls} Airflow calls.`);
  say();

  // Target checks.
  const serviceRows = rows.filter((r) => r.label.startsWith('service'));
  // Continuous runs: ceil(duration / TTL) + 1 (the first miss, then one per expiry). Alternating rows:
  // the cache can expire while another target is loaded, so the bound is per slice.
  const callRuns = serviceRows.map((r) => ({ name: r.note ? `${r.label} ${r.note}` : r.label, calls: r.airflowCalls, max: r.maxCalls }));
  if (memoryRun) callRuns.push({ name: `${MEMORY_REQUESTS} requests`, calls: memoryRun.calls, max: Math.ceil(memoryRun.elapsedMs / TTL_MS) + 1 });
  const checks = [
    [`cached status ≥ 0.5 × ceiling`, status.rps >= 0.5 * ceil.rps, `${fmt(status.rps / ceil.rps)} ×`],
    [`cached status: zero errors`, status.errors === 0 && !status.unexpected, `${status.errors} errors${status.unexpected ? `, ${status.unexpected}` : ''}`],
    [`cached status: p99 < 10 ms at ${CONNECTIONS} connections`, status.p99 < 10, `p99 ${fmt(status.p99)} ms`],
    [
      `Airflow calls ≤ ~1 per DAG per TTL (${TTL_MS} ms), every service run: calls ≤ ceil(run time / TTL) + 1`,
      callRuns.every((r) => r.calls <= r.max),
      callRuns.map((r) => `${r.calls} ≤ ${r.max}`).join(', '),
    ],
  ];
  if (starts.length) checks.push(['start to listening < 1.5 s (median)', median(starts) < 1500, `${Math.round(median(starts))} ms`]);
  if (rssEnd !== null) {
    checks.push(['RSS < 120 MB throughout', rssPeak < 120, `peak ${fmt(rssPeak, 1)} MB`]);
    checks.push([
      `RSS flat across ${MEMORY_REQUESTS} requests (peak of the second half ≤ peak of the first + 5 MB)`,
      rssPeaks[1] <= rssPeaks[0] + 5,
      `peaks ${fmt(rssPeaks[0], 1)} → ${fmt(rssPeaks[1], 1)} MB; after warm-up → end ${fmt(rssWarm, 1)} → ${fmt(rssEnd, 1)} MB`,
    ]);
  }
  say('| check | result | measured |');
  say('| --- | --- | --- |');
  for (const [name, ok, value] of checks) say(`| ${name} | ${ok ? 'PASS' : 'FAIL'} | ${value} |`);
  say();
  say(`Reproduce: \`npm ci && npm run build && npm run bench\` (first run creates bench/.venv for the seed's Flask app).`);
  process.stdout.write(`${out.join('\n')}\n`);
  writeFileSync(path.join(WORK, 'result.json'), JSON.stringify({ machine: m, seed: seedInfo, rows, starts, rss: { rssStart, rssWarm, rssHalf, rssEnd, rssPeak, rssPeaks }, memoryRun, logBytesPerRequest, airflowCallsByPath, checks }, null, 2));
  process.stderr.write(`raw results: ${path.join(WORK, 'result.json')}\n`);
  return seedError ? 2 : 0;
}

main()
  .then((code) => {
    killAll();
    process.exit(code);
  })
  .catch((error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
    killAll();
    process.exit(1);
  });
