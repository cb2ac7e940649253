// Mixed load: a fresh service's resident memory idle, then under every route at once (bench/wrk-mixed.lua:
// pages, JSON routes, bad ids, unknown routes, /metrics, /docs-json, probes) at `settings.mixedConnections`
// connections for `settings.mixedS` seconds, while the stand-in Airflow cycles through its faults.
// What a pod's memory request and limit are sized from (deploy/helm/airflow-status-api/values.yaml).
import { setTimeout as sleep } from 'node:timers/promises';
import { load } from '../lib/measure.mjs';
import { rssMb } from '../lib/proc-stats.mjs';
import { fmt } from '../lib/format.mjs';
import { stop } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { settings } from '../lib/settings.mjs';

/** RSS sampling period: fine enough to catch the young generation's swings. */
const SAMPLE_MS = 250;
/** Idle: the RSS a few seconds after start, once start-up garbage is collected or not. */
const IDLE_S = 3;
/** V8's heap spaces as prom-client reports them on /metrics (MB by space), or null. */
async function heapSpaces(base) {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const spaces = {};
    for (const m of text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\d+)/gm)) spaces[m[1]] = Number(m[2]) / 2 ** 20;
    return spaces;
  } catch {
    return null;
  }
}

/** The largest size each space reached across samples. */
function maxBySpace(samples) {
  const max = {};
  for (const sample of samples) for (const [space, mb] of Object.entries(sample ?? {})) max[space] = Math.max(max[space] ?? 0, mb);
  return max;
}

/** A new fault every few TTLs, so each is seen by several reads and the recovery too. */
const FAULT_PERIOD_MS = 3000;

export async function measureMixed(ctx) {
  // A short Airflow deadline so that the stand-in's slow fault ends in timeouts within the row.
  const service = await startService(ctx, 'mixed', { AIRFLOW_TIMEOUT_MS: '1000' });
  const pid = service.child.pid;
  await sleep(IDLE_S * 1000);
  const idle = rssMb(pid);
  const idleHeap = await heapSpaces(service.base);
  const heapSamples = [];
  const heapSampler = setInterval(() => void heapSpaces(service.base).then((x) => heapSamples.push(x)), 1000);
  const samples = [];
  const sampler = setInterval(() => {
    const mb = rssMb(pid);
    if (mb !== null) samples.push(mb);
  }, SAMPLE_MS);
  process.stderr.write(
    `• mixed load: every route, ${settings.mixedConnections} connections, ${settings.mixedS} s, Airflow cycling faults every ${FAULT_PERIOD_MS} ms… `,
  );
  await fetch(`${ctx.airflowUrl}/__faults?periodMs=${FAULT_PERIOD_MS}`);
  const callsBefore = await ctx.airflow.calls(service.client);
  let result;
  try {
    result = await load(`${service.base}/`, { duration: settings.mixedS, connections: settings.mixedConnections, script: 'wrk-mixed.lua' });
  } finally {
    clearInterval(sampler);
    clearInterval(heapSampler);
    await fetch(`${ctx.airflowUrl}/__faults?periodMs=0`);
  }
  const calls = (await ctx.airflow.calls(service.client)) - callsBefore;
  const end = rssMb(pid);
  await stop(service.child);
  const sorted = [...samples].sort((a, b) => a - b);
  const rss = {
    start: service.rssAtStart,
    idle,
    peak: Math.max(idle, ...samples),
    median: sorted[Math.floor(sorted.length / 2)],
    end,
  };
  process.stderr.write(
    `${Math.round(result.rps)} req/s; RSS idle ${fmt(rss.idle, 1)} MB, median ${fmt(rss.median, 1)}, peak ${fmt(rss.peak, 1)} MB\n`,
  );
  return {
    rss,
    run: { rps: result.rps, p50: result.p50, p99: result.p99, requests: result.requests, socketErrors: result.socketErrors, calls },
    // MB by V8 heap space, idle and the largest under load: where the difference goes.
    heap: { idle: idleHeap, peak: maxBySpace(heapSamples) },
    nodeFlags: service.nodeFlags,
    nodeOptions: service.nodeOptions ?? null,
  };
}
