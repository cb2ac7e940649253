// Load runs with wrk (C, epoll; Debian package `wrk`) in their own processes, so the load generator
// never shares a measured server's event loop. Input: a JSON object as argv[2]:
//   single target: {url, connections, duration | amount, headers, script}
//     script: a wrk Lua script of bench/ that makes the requests (it reports through wrk-report.lua)
//   alternating:   {targets: [{name, url, headers, pid, callsUrl}], rounds, duration, connections, callsUrl}
//     runs `rounds` rounds of one `duration`-second slice per target, target after target, so that a
//     drift of the machine's speed (a shared VM) hits every target alike; per target it adds up the
//     slices, the server's CPU time (utime+stime of `pid`) and the Airflow calls made during its own
//     slices (total of the stand-in's GET callsUrl: the target's own, else the run's; none when null).
// `amount` repeats short runs until at least that many requests were answered.
// Output: one JSON line on stdout (an object, or {name: object} when alternating) with req/s, latency
// percentiles (ms) from wrk's histogram, and errors = non-2xx/3xx answers + socket errors (connect,
// read, write, timeout), as wrk counts them.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './lib/proc-stats.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const opts = JSON.parse(process.argv[2]);
const THREADS = Number(process.env.BENCH_WRK_THREADS ?? 1);

async function airflowCalls(url) {
  if (!url) return 0;
  const counts = await (await fetch(url)).json();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** One wrk run; resolves to wrk's counts (latencies in µs). */
function wrk(target, seconds) {
  // wrk takes whole seconds only (-d 1.5s is refused).
  const args = [
    '-t',
    String(THREADS),
    '-c',
    String(opts.connections ?? 50),
    '-d',
    `${Math.max(1, Math.round(seconds))}s`,
    '--timeout',
    '10s',
    '-s',
    path.join(BENCH, target.script ?? 'wrk-report.lua'),
  ];
  for (const [name, value] of Object.entries(target.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(target.url);
  return new Promise((resolve, reject) => {
    const env = { ...process.env, BENCH_WRK_REPORT: path.join(BENCH, 'wrk-report.lua') };
    const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`wrk ${args.join(' ')} failed (${code}): ${out.slice(-500)}`));
      resolve(JSON.parse(m[1]));
    });
  });
}

function newAcc() {
  return { runs: [], cpu: 0, airflowCalls: 0 };
}

function summary(acc) {
  const requests = acc.runs.reduce((s, r) => s + r.requests, 0);
  const seconds = acc.runs.reduce((s, r) => s + r.duration_us, 0) / 1e6;
  // Percentiles over several slices: the median of the slices' percentiles (wrk gives percentiles,
  // not its histogram; one slice with a hiccup must not stand for the row); with one slice, exact.
  const weighted = (key) => {
    const xs = acc.runs.map((r) => r[key] / 1000).sort((a, b) => a - b);
    return xs[Math.floor((xs.length - 1) / 2)];
  };
  const sum = (key) => acc.runs.reduce((s, r) => s + r[key], 0);
  const socketErrors = sum('connect') + sum('read') + sum('write') + sum('timeout');
  return {
    requests,
    seconds,
    rps: requests / (seconds || 1),
    p50: weighted('p50'),
    p90: weighted('p90'),
    p99: weighted('p99'),
    max: Math.max(...acc.runs.map((r) => r.max)) / 1000,
    non2xx3xx: sum('status'),
    socketErrors: { connect: sum('connect'), read: sum('read'), write: sum('write'), timeout: sum('timeout') },
    errors: sum('status') + socketErrors,
    cpuSeconds: acc.cpu,
    airflowCalls: acc.airflowCalls,
    slices: acc.runs.length,
    sliceP99: acc.runs.map((r) => r.p99 / 1000),
  };
}

if (opts.targets) {
  const accs = new Map(opts.targets.map((t) => [t.name, newAcc()]));
  for (let round = 0; round < (opts.rounds ?? 1); round++) {
    for (const target of opts.targets) {
      const acc = accs.get(target.name);
      const callsUrl = target.callsUrl !== undefined ? target.callsUrl : opts.callsUrl;
      const calls = await airflowCalls(callsUrl);
      const cpu = cpuSeconds(target.pid);
      acc.runs.push(await wrk(target, opts.duration));
      // Let requests still queued in the server finish, so their CPU and Airflow calls count here.
      await new Promise((resolve) => setTimeout(resolve, 150));
      acc.cpu += cpuSeconds(target.pid) - cpu;
      acc.airflowCalls += (await airflowCalls(callsUrl)) - calls;
    }
  }
  process.stdout.write(`${JSON.stringify(Object.fromEntries([...accs].map(([name, acc]) => [name, summary(acc)])))}\n`);
} else if (opts.amount) {
  const acc = newAcc();
  let done = 0;
  while (done < opts.amount) {
    const run = await wrk(opts, 3);
    acc.runs.push(run);
    done += run.requests;
  }
  process.stdout.write(`${JSON.stringify(summary(acc))}\n`);
} else {
  const acc = newAcc();
  acc.runs.push(await wrk(opts, opts.duration ?? 10));
  process.stdout.write(`${JSON.stringify(summary(acc))}\n`);
}
