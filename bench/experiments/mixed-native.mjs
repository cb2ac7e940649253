#!/usr/bin/env node
// Where the mixed-load row's RSS goes beyond V8's heap: the built service (as deployed: `node
// dist/main.js`, its entry's flags) under bench/wrk-mixed.lua with the stand-in Airflow cycling its
// faults, as bench/scenarios/mixed.mjs runs it, sampled every second: RSS split by the kernel
// (anonymous, file-backed), and from /metrics V8's heap (committed) and external memory. "Native
// rest" = anonymous RSS − heap − external: malloc's arenas, thread stacks, Node's own buffers.
// Variants are environments of the service, one after the other, each on a fresh service.
//
//   node bench/experiments/mixed-native.mjs '{"as built":{},"2 arenas":{"MALLOC_ARENA_MAX":"2"}}'
//   env: MIXED_S (60), BENCH_SERVICE_DIR
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { load } from '../lib/measure.mjs';
import { killAll, killAllOnExit, stop } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { startStandInAirflow } from '../lib/stand-in.mjs';

const variants = JSON.parse(process.argv[2] ?? '{"as built":{}}');
const MIXED_S = Number(process.env.MIXED_S ?? 60);
const MB = 1024 * 1024;
killAllOnExit();

/** MB of the process by the kernel's account (/proc/PID/status). */
function kernel(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]) };
}

/** MB of V8's committed heap and of external memory, from prom-client's default metrics. */
async function v8(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / MB;
  return {
    heap: value('nodejs_heap_size_total_bytes'),
    used: value('nodejs_heap_size_used_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
}

async function sample(pid, base) {
  const s = { ...kernel(pid), ...(await v8(base)) };
  return { ...s, rest: s.anon - s.heap - s.external };
}

const f = (x) => x.toFixed(1);
const row = (name, when, s, rps = '') =>
  `| ${name} | ${when} | ${rps} | ${f(s.rss)} | ${f(s.anon)} | ${f(s.file)} | ${f(s.heap)} (${f(s.used)} used) | ${f(s.external)} | **${f(s.rest)}** | ${s.threads} |`;

const airflow = await startStandInAirflow();
const workDir = mkdtempSync(path.join(os.tmpdir(), 'mixed-native-'));
console.log(`${MIXED_S} s of bench/wrk-mixed.lua at 20 connections, Airflow cycling faults; MB`);
console.log('| variant | when | req/s | RSS | anon | file | V8 heap | external | native rest | threads |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, env] of Object.entries(variants)) {
  const service = await startService({ airflowUrl: airflow.url, workDir }, name.replace(/\W+/g, '-'), {
    AIRFLOW_TIMEOUT_MS: '1000',
    ...env,
  });
  const pid = service.child.pid;
  await sleep(3000);
  const idle = await sample(pid, service.base);
  const samples = [];
  const sampler = setInterval(
    () =>
      void sample(pid, service.base).then(
        (s) => samples.push(s),
        () => undefined,
      ),
    1000,
  );
  await fetch(`${airflow.url}/__faults?periodMs=3000`);
  let result;
  try {
    result = await load(`${service.base}/`, { duration: MIXED_S, connections: 20, script: 'wrk-mixed.lua' });
  } finally {
    clearInterval(sampler);
    await fetch(`${airflow.url}/__faults?periodMs=0`);
  }
  const end = await sample(pid, service.base);
  await sleep(10_000);
  const after = await sample(pid, service.base);
  const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a), idle);
  console.log(row(name, 'idle', idle));
  console.log(row(name, 'peak RSS', peak, Math.round(result.rps)));
  console.log(row(name, 'end of load', end));
  console.log(row(name, '10 s after', after));
  await stop(service.child);
}
killAll();
