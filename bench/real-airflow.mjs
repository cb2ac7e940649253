#!/usr/bin/env node
// npm run bench:airflow -- --dags 300 [--seconds 75] [--port 8350] [--previous DIR] [--airflow 2.10.5]
//                           [--variant KEY=VALUE[,KEY=VALUE]]... [--name NAME] [--keep-airflow] [--report]
//
// Issue 17's proof on a real Airflow: what watching every DAG of it costs that Airflow, with this
// build and, side by side, the previous design (a checkout built in DIR, e.g. of eedd1d9:
// `git worktree add ../old eedd1d9 && cd ../old && npm ci && npm run build`), which read each
// watched DAG once per STATUS_CACHE_TTL_MS and knew them only from ALLOWED_DAG_IDS.
//
//  1. A local Airflow (scripts/airflow/airflow.sh, on --port; --airflow X.Y.Z: the one
//     `npm run compat` installs) with dags/scale_dags.py generating N DAGs (AIRFLOW_STATUS_SCALE_DAGS).
//  2. One finished run per generated DAG, triggered over the REST API one at a time.
//  3. Baseline, nothing else asking: an ordinary call's latency (the latest run of one DAG, 30 calls,
//     one every 2 s as in the windows below), and the api-server's CPU meanwhile.
//  4. Each design for --seconds at default settings, watching every DAG, one /api/events stream
//     open: the same ordinary call every 2 s, /health/ready every second, airflow_calls_total and
//     the api-server's CPU every 5 s, the mirror's first load. Then the service stops and Airflow
//     must answer again within a bounded time, else it is restarted (the old design can wedge it).
//
// The figures go to bench/results/real-airflow-<airflow version>-<N>.json and, from every such
// file, into BENCHMARKS.md between its bench:real-airflow markers. A benchmark, not a test: it
// exits 0 whatever the figures say, 1 when the harness itself breaks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AirflowRest, waitFor } from '../scripts/airflow/airflow-rest.mjs';
import { killAll, killAllOnExit, stop } from './lib/processes.mjs';
import { cpuSeconds } from './lib/proc-stats.mjs';
import { startService } from './lib/service.mjs';
import { BENCH, ROOT } from './lib/settings.mjs';

const { values: opts } = parseArgs({
  options: {
    dags: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '75' },
    port: { type: 'string', default: process.env.AIRFLOW_PORT ?? '8350' },
    previous: { type: 'string' },
    airflow: { type: 'string' },
    'keep-airflow': { type: 'boolean', default: false },
    // Another row of this build with other settings, e.g. --variant AIRFLOW_MAX_CONCURRENCY=2 (repeatable; KEY=VALUE,KEY=VALUE).
    variant: { type: 'string', multiple: true, default: [] },
    // Only write BENCHMARKS.md again from the results files.
    report: { type: 'boolean', default: false },
    // An experiment of its own: its results file and heading carry this name, beside the plain run's.
    name: { type: 'string' },
  },
});
const N = Number(opts.dags);
const WINDOW_S = Number(opts.seconds);
const PORT = Number(opts.port);
if (!(N >= 1 && N <= 5000) || !(WINDOW_S >= 10) || !(PORT > 0)) {
  process.stderr.write(
    'usage: npm run bench:airflow -- --dags N (1-5000) [--seconds S (>= 10)] [--port P] [--previous DIR] [--airflow X.Y.Z]\n',
  );
  process.exit(2);
}
const BASE = `http://127.0.0.1:${PORT}`;
const ids = Array.from({ length: N }, (_, i) => `scale_${String(i + 1).padStart(4, '0')}`);
/** The DAG of the ordinary call. */
const PROBE_DAG = ids[0];
/** The same bound as the issue's measurement: an ordinary call that takes longer has failed. */
const CALL_TIMEOUT_MS = 30_000;
/** Triggers at once: SQLite takes one write at a time, so more only meet "database is locked". */
const TRIGGER_CONCURRENCY = 1;
/** How long Airflow may take to answer again once a design's service has stopped. */
const RECOVERY_S = 120;
const say = (text) => process.stderr.write(`[bench:airflow] ${text}\n`);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'airflow-status-real-'));
const airflowLog = path.join(workDir, 'airflow.log');

// ---------------------------------------------------------------------------------- Airflow

/** The environment of airflow.sh: the scale DAGs, this port, and the compat install of --airflow. */
function airflowEnv() {
  const env = {
    ...process.env,
    AIRFLOW_PORT: String(PORT),
    AIRFLOW_STATUS_SCALE_DAGS: String(N),
    // Parsed at start; every 10 s (the repo's default) re-parsing hundreds of DAGs would load the host.
    AIRFLOW_MIN_FILE_PROCESS_INTERVAL: '600',
    AIRFLOW_WAIT_DAGS: `Airflow_Lab2,${ids[0]},${ids[N - 1]}`,
    AIRFLOW_UP_TIMEOUT: '600',
  };
  if (opts.airflow) {
    const lock = path.join(ROOT, 'scripts/airflow/compat', `${opts.airflow}.txt`);
    if (!existsSync(lock)) throw new Error(`${lock} is missing: run npm run compat -- ${opts.airflow} once first`);
    env.AIRFLOW_DIR = path.join(ROOT, '.airflow/compat', opts.airflow);
    env.AIRFLOW_REQUIREMENTS = lock;
  }
  return env;
}

function airflowSh(...args) {
  const fd = openSync(airflowLog, 'a');
  execFileSync('bash', [path.join(ROOT, 'scripts/airflow/airflow.sh'), ...args], {
    cwd: ROOT,
    env: airflowEnv(),
    stdio: ['ignore', fd, fd],
  });
}

function airflowHome() {
  return path.join(airflowEnv().AIRFLOW_DIR ?? path.join(ROOT, '.airflow'), 'home');
}

/** Every process of the api-server's (Airflow 2: the webserver's) session: its workers included. */
function apiServerPids() {
  const run = path.join(airflowHome(), 'run');
  const leader = ['api-server', 'webserver'].map((c) => path.join(run, `${c}.pid`)).find((f) => existsSync(f));
  if (!leader) return [];
  const sid = readFileSync(leader, 'utf8').trim();
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        // pid (comm) state ppid pgrp session …
        return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[3] === sid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds used so far by the api-server's processes (those alive now). */
function apiServerCpu() {
  return apiServerPids().reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0);
}

/**
 * Starts again any Airflow component that died (`airflow.sh up` starts the missing ones): on SQLite,
 * Airflow 3.3's scheduler exits on a "database is locked" that outlasts its wait, as it did here
 * under a load average of 15 while runs were being created. Resolves to the number restarted.
 */
function reviveComponents() {
  const run = path.join(airflowHome(), 'run');
  const dead = readdirSync(run)
    .filter((f) => f.endsWith('.pid'))
    .filter((f) => {
      try {
        process.kill(Number(readFileSync(path.join(run, f), 'utf8')), 0);
        return false;
      } catch {
        return true;
      }
    });
  if (dead.length === 0) return 0;
  say(`Airflow's ${dead.map((f) => f.replace('.pid', '')).join(', ')} died: starting it again`);
  airflowSh('up');
  return dead.length;
}

let rest;
let authHeader;
let api;

async function connect() {
  rest = new AirflowRest(BASE);
  api = await rest.apiVersion();
  if (api === 'v1') authHeader = `Basic ${Buffer.from('airflow:airflow').toString('base64')}`;
  else {
    const res = await fetch(`${BASE}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'airflow', password: 'airflow' }),
    });
    authHeader = `Bearer ${(await res.json()).access_token}`;
  }
}

const scaleDagCount = async () => (await rest.request('GET', '/dags?tags=scale&limit=1')).total_entries;

/**
 * What AIRFLOW_STATUS_SCALE_DAGS the running Airflow's DAG parser was started with (the dag-processor;
 * Airflow 2's scheduler): undefined when none runs, '' when it had none.
 */
function runningScaleDags() {
  const run = path.join(airflowHome(), 'run');
  for (const component of ['dag-processor', 'scheduler']) {
    const file = path.join(run, `${component}.pid`);
    if (!existsSync(file)) continue;
    try {
      const environ = readFileSync(`/proc/${readFileSync(file, 'utf8').trim()}/environ`, 'utf8').split('\0');
      return environ.find((v) => v.startsWith('AIRFLOW_STATUS_SCALE_DAGS='))?.split('=')[1] ?? '';
    } catch {
      // not running
    }
  }
  return undefined;
}

/** Airflow up with exactly the N scale DAGs: one running with another number is restarted. */
async function airflowUp() {
  say(`Airflow on ${BASE} with ${N} scale DAGs (log: ${airflowLog})`);
  const started = Date.now();
  const running = runningScaleDags();
  if (running !== undefined && running !== String(N)) {
    say(`it runs with ${running || 'no'} scale DAGs: restarting it`);
    airflowSh('down');
  }
  airflowSh('up');
  await connect();
  // A bigger N before: the DAGs beyond N turn stale once the file is parsed, at start.
  await waitFor(`exactly ${N} active scale DAGs`, 180_000, async () => ((await scaleDagCount()) === N ? true : null), 2000);
  return (Date.now() - started) / 1000;
}

async function airflowRestart() {
  say('restarting Airflow');
  airflowSh('down');
  await airflowUp();
}

async function version() {
  const v = await rest.request('GET', '/version');
  return v.version;
}

// ---------------------------------------------------------------------------------- runs

/** Runs `work` over `items`, `limit` at a time. */
async function pool(items, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const runCount = async (query) => (await rest.request('GET', `/dags/~/dagRuns?limit=1&${query}`)).total_entries;

/**
 * Triggers a run; SQLite (the local Airflow's database) answers a write that meets another with
 * 500 "database is locked": tried again a few times.
 */
async function trigger(dagId, retries) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rest.trigger(dagId);
    } catch (error) {
      if (attempt >= 5 || !/→ 5\d\d/.test(error.message)) throw error;
      retries.count += 1;
      await sleep(500 * attempt);
    }
  }
}

/**
 * One new run per scale DAG, over the REST API, TRIGGER_CONCURRENCY at a time; resolves once none
 * is unfinished. The scheduler finishes an EmptyOperator's task itself, so a run costs no task process.
 */
async function createRuns() {
  const since = new Date(Date.now() - 5000).toISOString();
  const started = Date.now();
  const retries = { count: 0 };
  const restarts = { count: 0 };
  await pool(ids, TRIGGER_CONCURRENCY, (dagId) => trigger(dagId, retries));
  const triggeredS = (Date.now() - started) / 1000;
  say(`${N} runs triggered in ${triggeredS.toFixed(1)} s; waiting for them to finish`);
  await waitFor(
    'every run to finish',
    900_000,
    async () => {
      restarts.count += reviveComponents();
      return (await runCount('state=queued&state=running')) === 0 ? true : null;
    },
    2000,
  );
  const finishedS = (Date.now() - started) / 1000;
  const success = await runCount(`state=success&updated_at_gte=${encodeURIComponent(since)}`);
  const failed = await runCount(`state=failed&updated_at_gte=${encodeURIComponent(since)}`);
  say(`all finished ${finishedS.toFixed(1)} s after the first trigger: ${success} success, ${failed} failed`);
  return {
    triggeredS,
    finishedS,
    success,
    failed,
    concurrency: TRIGGER_CONCURRENCY,
    retries: retries.count,
    componentRestarts: restarts.count,
  };
}

// ---------------------------------------------------------------------------------- measuring

/** The ordinary call: the latest run of one DAG, as any Airflow client makes it. */
async function ordinaryCall() {
  const order = api === 'v1' ? '-execution_date' : '-run_after';
  const started = performance.now();
  try {
    const res = await fetch(`${BASE}/api/${api}/dags/${PROBE_DAG}/dagRuns?order_by=${order}&limit=1`, {
      headers: { Authorization: authHeader },
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status, at: Date.now() };
  } catch {
    return { ms: performance.now() - started, status: 'timeout', at: Date.now() };
  }
}

function summarize(calls) {
  const ok = calls.filter((c) => c.status === 200).map((c) => c.ms);
  const sorted = [...ok].sort((a, b) => a - b);
  return {
    count: calls.length,
    ok: ok.length,
    failed: calls.length - ok.length,
    p50: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null,
    max: calls.length ? Math.max(...calls.map((c) => c.ms)) : null,
  };
}

/** Ordinary calls in the baseline: one every CALL_PERIOD_MS, as during a design's window. */
const BASELINE_CALLS = 30;
const CALL_PERIOD_MS = 2000;

/** Nothing else asking Airflow: the ordinary call paced as in the windows, and the api-server's CPU meanwhile. */
async function baseline() {
  say(`baseline: ${BASELINE_CALLS} ordinary calls, one every ${CALL_PERIOD_MS / 1000} s, nothing else asking Airflow`);
  const cpu0 = apiServerCpu();
  const started = Date.now();
  const calls = [];
  for (let i = 0; i < BASELINE_CALLS; i++) {
    const at = Date.now();
    calls.push(await ordinaryCall());
    await sleep(Math.max(0, at + CALL_PERIOD_MS - Date.now()));
  }
  const cpuPct = ((apiServerCpu() - cpu0) / ((Date.now() - started) / 1000)) * 100;
  return { cpuPct, loadAverage: os.loadavg(), calls: summarize(calls), samples: calls.map((c) => Math.round(c.ms)) };
}

/** prom text → { name{labels}: value } for the series we read. */
async function scrape(base) {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const calls = {};
  let firstLoad = null;
  for (const line of text.split('\n')) {
    let m = /^airflow_calls_total\{([^}]*)\} (\S+)$/.exec(line);
    if (m) {
      const endpoint = /endpoint="([^"]*)"/.exec(m[1])[1];
      const outcome = /outcome="([^"]*)"/.exec(m[1])[1];
      calls[`${endpoint} ${outcome}`] = Number(m[2]);
      continue;
    }
    m = /^airflow_status_mirror_first_load_seconds (\S+)$/.exec(line);
    if (m && Number(m[1]) > 0) firstLoad = Number(m[1]);
  }
  return { calls, firstLoad };
}

const total = (calls) => Object.values(calls).reduce((a, b) => a + b, 0);

/** The service's one event stream: counts its status events. */
function openEvents(base) {
  const stream = { statusEvents: 0, status: null, req: null };
  stream.req = http.get(`${base}/api/events`, { headers: { Accept: 'text/event-stream' } }, (res) => {
    stream.status = res.statusCode;
    res.setEncoding('utf8');
    res.on('data', (chunk) => (stream.statusEvents += chunk.split('event: status').length - 1));
    res.on('error', () => undefined);
  });
  stream.req.on('error', () => undefined);
  return stream;
}

/** Polls Airflow's version every 2 s (5 s each) until it answers: seconds until then, or null after RECOVERY_S. */
async function recovery() {
  const started = Date.now();
  while (Date.now() - started < RECOVERY_S * 1000) {
    try {
      const res = await fetch(`${BASE}/api/${api}/version`, { headers: { Authorization: authHeader }, signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.ok) return (Date.now() - started) / 1000;
    } catch {
      /* not yet */
    }
    await sleep(2000);
  }
  return null;
}

/** One design watching every scale DAG for WINDOW_S: what Airflow and the service went through. */
async function measureDesign(label, serviceDir, env) {
  say(`${label}: the service watches ${N} DAGs for ${WINDOW_S} s`);
  const t0 = Date.now();
  const cpu0 = apiServerCpu();
  const service = await startService({ airflowUrl: BASE, workDir, serviceDir, realAirflow: true }, label, {
    AIRFLOW_USERNAME: 'airflow',
    AIRFLOW_PASSWORD: 'airflow',
    WATCH_DAGS: '',
    ALLOWED_DAG_IDS: '',
    ...env,
  });
  const stream = openEvents(service.base);
  const end = t0 + WINDOW_S * 1000;
  const ready = [];
  const samples = [];
  let firstLoad = null;
  let firstLoadAtS = null;

  const readiness = (async () => {
    while (Date.now() < end) {
      const at = Date.now();
      try {
        const res = await fetch(`${service.base}/health/ready`, { signal: AbortSignal.timeout(10_000) });
        const body = await res.text();
        ready.push({
          s: (at - t0) / 1000,
          status: res.status,
          ms: Date.now() - at,
          body: res.status === 200 ? undefined : body.slice(0, 2000),
        });
      } catch (error) {
        ready.push({ s: (at - t0) / 1000, status: 'error', ms: Date.now() - at, body: String(error) });
      }
      await sleep(Math.max(0, at + 1000 - Date.now()));
    }
  })();
  const sampler = (async () => {
    while (Date.now() < end + 1) {
      const at = Date.now();
      try {
        const m = await scrape(service.base);
        samples.push({ s: (at - t0) / 1000, cpu: apiServerCpu() - cpu0, calls: m.calls });
        if (m.firstLoad !== null && firstLoad === null) {
          firstLoad = m.firstLoad;
          firstLoadAtS = (at - t0) / 1000;
        }
      } catch {
        samples.push({ s: (at - t0) / 1000, cpu: apiServerCpu() - cpu0, calls: null });
      }
      if (at >= end) break;
      await sleep(Math.max(0, Math.min(end, at + 5000) - Date.now()));
    }
  })();
  const calls = [];
  const caller = (async () => {
    while (Date.now() < end) {
      const at = Date.now();
      calls.push({ ...(await ordinaryCall()), s: (at - t0) / 1000 });
      await sleep(Math.max(0, at + CALL_PERIOD_MS - Date.now()));
    }
  })();
  await Promise.all([readiness, sampler]);
  const windowS = (Date.now() - t0) / 1000;
  const loadAverage = os.loadavg();
  const cpuWindow = apiServerCpu() - cpu0;
  stream.req.destroy();
  const stopped = Date.now();
  await stop(service.child);
  // A call still waiting on Airflow is waited for (up to its 30 s): it is part of what the window cost.
  await caller;
  const log = readFileSync(service.logFile, 'utf8');
  const loadLine = /"timestamp":(\d+),"message":"Mirror loaded (\d+) DAG\(s\) in ([\d.]+) s \(at most (\d+) reads at once\)/.exec(log);
  // When the first load ended, in seconds of the window: the log line's time, else the scrape that saw it.
  const loadEndS = loadLine ? (Number(loadLine[1]) - t0) / 1000 : firstLoadAtS;
  const recoveredS = await recovery();
  let after = null;
  if (recoveredS !== null) {
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(await ordinaryCall());
    after = summarize(calls);
  }

  // Rates over the whole window and over its last 30 s (steady state once the first load is over).
  const valid = samples.filter((x) => x.calls !== null);
  const last = valid.at(-1);
  const tailStart = [...valid].reverse().find((x) => x.s <= last.s - 30) ?? valid[0];
  const perMin = (a, b) => (b.s > a.s ? ((total(b.calls) - total(a.calls ?? {})) / (b.s - a.s)) * 60 : null);
  const byEndpoint = {};
  for (const [key, n] of Object.entries(last.calls)) {
    const [endpoint, outcome] = key.split(' ');
    byEndpoint[endpoint] ??= {};
    byEndpoint[endpoint][outcome] = n;
  }
  const notReady = ready.filter((r) => r.status !== 200);
  return {
    label,
    windowS,
    loadAverage,
    calls: summarize(calls),
    callsDuringFirstLoad: loadEndS === null ? null : summarize(calls.filter((c) => c.s < loadEndS)),
    callsAfterFirstLoad: loadEndS === null ? null : summarize(calls.filter((c) => c.s >= loadEndS)),
    callSamples: calls.map((c) => [Math.round(c.s), c.status === 200 ? Math.round(c.ms) : c.status]),
    ready: {
      polls: ready.length,
      non200: notReady.length,
      firstNon200: notReady[0] ?? null,
      maxMs: Math.max(...ready.map((r) => r.ms)),
    },
    airflowCalls: {
      total: total(last.calls),
      perMinWindow: perMin({ s: 0, calls: {} }, last),
      perMinLast30s: perMin(tailStart, last),
      last30sFrom: tailStart.s,
      byEndpoint,
    },
    apiServerCpuPct: {
      window: (cpuWindow / windowS) * 100,
      last30s: last.s > tailStart.s ? ((last.cpu - tailStart.cpu) / (last.s - tailStart.s)) * 100 : null,
      // The busiest interval between two samples (5 s): an api-server that wedges is busy first, then idle.
      peak: Math.max(...samples.slice(1).map((x, i) => ((x.cpu - samples[i].cpu) / (x.s - samples[i].s)) * 100)),
    },
    firstLoad: loadLine
      ? { dags: Number(loadLine[2]), seconds: Number(loadLine[3]), peak: Number(loadLine[4]), endS: loadEndS }
      : firstLoad
        ? { seconds: firstLoad }
        : null,
    statusEvents: stream.statusEvents,
    streamStatus: stream.status,
    rssMb: service.rssAtStart,
    afterStop: { recoveredS, secondsAfterStop: (Date.now() - stopped) / 1000, calls: after },
    samples,
  };
}

// ---------------------------------------------------------------------------------- report

const RESULTS_DIR = path.join(BENCH, 'results');
const DOC = path.join(ROOT, 'BENCHMARKS.md');
const BEGIN =
  '<!-- bench:real-airflow:begin (generated by `npm run bench:airflow` from bench/results/real-airflow-*.json: edit neither by hand) -->';
const END = '<!-- bench:real-airflow:end -->';
const ms = (x) => (x === null || x === undefined ? '—' : `${Math.round(x)}`);
const n1 = (x) => (x === null || x === undefined ? '—' : x.toFixed(1));

function callCell(c, base) {
  if (!c || c.count === 0) return '—';
  const ratio = base.p50 && c.p50 ? ` (${(c.p50 / base.p50).toFixed(1)}×)` : '';
  return `${ms(c.p50)}${ratio} / ${ms(c.max)}`;
}

function endpoints(d) {
  return Object.entries(d.airflowCalls.byEndpoint)
    .map(
      ([endpoint, outcomes]) =>
        `${endpoint} ${Object.entries(outcomes)
          .map(([o, n]) => (o === 'ok' ? n : `${n} ${o}`))
          .join(' + ')}`,
    )
    .join(', ');
}

/** Calls per endpoint in the window's last 30 s (from the /metrics samples), per sync period of the default TTL (2 s). */
function steadyEndpoints(d) {
  const valid = d.samples.filter((x) => x.calls !== null);
  const last = valid.at(-1);
  const from = [...valid].reverse().find((x) => x.s <= last.s - 30) ?? valid[0];
  const periods = (last.s - from.s) / 2;
  const per = {};
  for (const [key, n] of Object.entries(last.calls)) {
    const endpoint = key.split(' ')[0];
    per[endpoint] = (per[endpoint] ?? 0) + n - (from.calls[key] ?? 0);
  }
  return Object.entries(per)
    .filter(([, n]) => n > 0)
    .map(([endpoint, n]) => `${endpoint} ${(n / periods).toFixed(2)}`)
    .join(', ');
}

/** A readiness failure in a few words: its status and Airflow's reason and message. */
function readinessError(poll) {
  try {
    const { reason, message } = JSON.parse(poll.body).error.airflow;
    return `${poll.status} ${reason} (${message})`;
  } catch {
    return `${poll.status} ${String(poll.body).slice(0, 120)}`;
  }
}

function renderOne(r) {
  const b = r.baseline.calls;
  const m = r.machine;
  const head = `**Airflow ${r.airflow.version}, ${r.dags} generated DAGs${r.name ? `: ${r.name}` : ''}** (${r.started.slice(0, 16).replace('T', ' ')} UTC on ${m.nproc} cores (${m.cpu}), ${m.memGb} GiB, Linux ${m.kernel}, Node ${m.node}; ${r.windowS} s per design; load average before ${r.loadAverage.before.map((x) => x.toFixed(1)).join(', ')}, during the baseline ${r.baseline.loadAverage.map((x) => x.toFixed(1)).join(', ')}, after ${r.loadAverage.after.map((x) => x.toFixed(1)).join(', ')}). Runs: ${r.runs.success} successful of ${r.dags} triggered over the REST API ${r.runs.concurrency} at a time in ${n1(r.runs.triggeredS)} s (${r.runs.retries} retried after "database is locked"${r.runs.componentRestarts ? `; ${r.runs.componentRestarts} Airflow component restarted after it died on one` : ''}), all finished ${n1(r.runs.finishedS)} s after the first. Baseline, nothing else asking: the ordinary call p50 ${ms(b.p50)} ms, max ${ms(b.max)} ms (${b.count} calls, one every ${CALL_PERIOD_MS / 1000} s); the api-server meanwhile at ${n1(r.baseline.cpuPct)} % of a core.`;
  const rows = r.designs.map((d) => {
    const fl = d.firstLoad ? `${n1(d.firstLoad.seconds)} s${d.firstLoad.peak ? ` (${d.firstLoad.peak} at once)` : ''}` : '—';
    const after =
      d.afterStop.recoveredS === null
        ? `**no answer within ${RECOVERY_S} s: restarted**`
        : `${n1(d.afterStop.recoveredS)} s, then p50 ${ms(d.afterStop.calls?.p50)} ms`;
    const failed = `${d.calls.failed ? `**${d.calls.failed}**` : 0} of ${d.calls.count}`;
    return `| ${d.label} | ${callCell(d.calls, b)} | ${callCell(d.callsDuringFirstLoad, b)} | ${callCell(d.callsAfterFirstLoad, b)} | ${failed} | ${d.ready.non200} of ${d.ready.polls} | ${Math.round(d.airflowCalls.perMinWindow)} | ${d.airflowCalls.perMinLast30s === null ? '—' : Math.round(d.airflowCalls.perMinLast30s)} | ${n1(d.apiServerCpuPct.window)} % (peak ${Math.round(d.apiServerCpuPct.peak)} %) | ${n1(d.apiServerCpuPct.last30s)} % | ${fl} | ${after} |`;
  });
  const details = r.designs.map(
    (d) =>
      `- ${d.label}: load average at the window's end ${d.loadAverage.map((x) => x.toFixed(1)).join(', ')}; Airflow calls in the window by endpoint (ok unless said): ${endpoints(d)}; in its last 30 s, per 2 s period: ${steadyEndpoints(d)}; ${d.statusEvents} status events on the stream; the ordinary calls (second of the window: ms): ${d.callSamples.map(([sec, v]) => `${sec}: ${v}`).join(', ')}${d.ready.firstNon200 ? `; first readiness failure at ${n1(d.ready.firstNon200.s)} s: ${readinessError(d.ready.firstNon200)}` : ''}.`,
  );
  return [
    head,
    '',
    '| design | ordinary call p50 / max ms (× baseline p50), whole window | … during the first load | … after it | … failed (30 s) | /health/ready not 200 | Airflow calls / min | … last 30 s | api-server CPU (peak 5 s) | … last 30 s | first load | Airflow answers again after the stop |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    ...details,
  ].join('\n');
}

function renderAll() {
  const files = existsSync(RESULTS_DIR) ? readdirSync(RESULTS_DIR).filter((f) => /^real-airflow-.*\.json$/.test(f)) : [];
  const results = files.map((f) => JSON.parse(readFileSync(path.join(RESULTS_DIR, f), 'utf8')));
  results.sort(
    (a, b) =>
      b.airflow.version.localeCompare(a.airflow.version, 'en', { numeric: true }) ||
      a.dags - b.dags ||
      (a.name ?? '').localeCompare(b.name ?? ''),
  );
  return results.map(renderOne).join('\n\n');
}

function writeDoc() {
  const doc = readFileSync(DOC, 'utf8');
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) {
    say(`BENCHMARKS.md has no bench:real-airflow markers; expected the lines\n${BEGIN}\n${END}`);
    return;
  }
  writeFileSync(DOC, `${doc.slice(0, begin + BEGIN.length)}\n\n${renderAll()}\n\n${doc.slice(end)}`);
  say('BENCHMARKS.md: figures written');
}

// ---------------------------------------------------------------------------------- main

async function main() {
  if (opts.report) return writeDoc();
  if (!existsSync(path.join(ROOT, 'dist/main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');
  if (opts.previous && !existsSync(path.join(opts.previous, 'dist/main.js')))
    throw new Error(`${opts.previous}/dist/main.js is missing: build it first`);
  const result = {
    schema: 1,
    name: opts.name ?? null,
    started: new Date().toISOString(),
    dags: N,
    windowS: WINDOW_S,
    loadAverage: { before: os.loadavg() },
  };
  say(`work directory (service logs): ${workDir}`);
  result.airflowUpS = await airflowUp();
  result.airflow = { version: await version(), api };
  result.machine = {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model,
    memGb: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: os.release(),
  };
  result.runs = await createRuns();
  result.baseline = await baseline();
  say(
    `baseline: p50 ${ms(result.baseline.calls.p50)} ms, max ${ms(result.baseline.calls.max)} ms; api-server ${n1(result.baseline.cpuPct)} % of a core`,
  );
  const designs = [['this build: WATCH_DAGS=all (mirror)', ROOT, { WATCH_DAGS: 'all' }]];
  for (const variant of opts.variant) {
    const env = Object.fromEntries(variant.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    designs.push([`this build, ${variant.replaceAll(',', ', ')}`, ROOT, { WATCH_DAGS: 'all', ...env }]);
  }
  // The previous design had no WATCH_DAGS: every generated DAG listed by hand.
  if (opts.previous) {
    const dir = path.resolve(opts.previous);
    const commit = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    designs.push([`previous design (${commit}): ALLOWED_DAG_IDS = the ${N} DAGs`, dir, { ALLOWED_DAG_IDS: ids.join(',') }]);
  }
  result.designs = [];
  for (const [label, dir, env] of designs) {
    const design = await measureDesign(label, dir, env);
    result.designs.push(design);
    // Nothing more is measured on an Airflow that stopped answering.
    if (design.afterStop.recoveredS === null) await airflowRestart();
  }
  result.restarted = result.designs.some((d) => d.afterStop.recoveredS === null);
  result.loadAverage.after = os.loadavg();
  result.finished = new Date().toISOString();
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(
    RESULTS_DIR,
    `real-airflow-${result.airflow.version}-${N}${opts.name ? `-${opts.name.replace(/[^\w.-]+/g, '-')}` : ''}.json`,
  );
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  say(`results: ${file}`);
  process.stdout.write(`\n${renderOne(result)}\n`);
  writeDoc();
}

let exitCode = 0;
killAllOnExit();
try {
  await main();
} catch (error) {
  say(`failed: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  killAll();
  if (!opts['keep-airflow'] && !opts.report) {
    say('stopping Airflow (--keep-airflow leaves it up)');
    try {
      airflowSh('down');
    } catch (error) {
      say(`airflow.sh down failed: ${error.message}`);
    }
  }
}
process.exit(exitCode);
