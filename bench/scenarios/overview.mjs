// Every DAG at a glance, with 10 allowed DAGs: GET /api/dags (when the service has it) and the
// /dags page, cached; and the SSE fan-out: 1,000 streams open on /api/events, one state change at a
// time in the stand-in Airflow, and the time from the service's read of that change (the stand-in
// notes when it first served it) until each stream has the event, the RSS the streams add, and the
// Airflow calls meanwhile (against the mirror's budget: a few per sync period, whatever the DAGs).
import { callBudget } from '../lib/budget.mjs';
import { fmt } from '../lib/format.mjs';
import { load, measure } from '../lib/measure.mjs';
import { rssMb, steadyRss } from '../lib/proc-stats.mjs';
import { stop } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { openStreams, until } from '../lib/sse.mjs';
import { DAG_ID, settings, want } from '../lib/settings.mjs';
import { callsBetween, total } from '../lib/stand-in.mjs';

/** The figures: 10 allowed DAGs, 1,000 streams (MAX_EVENT_STREAMS's default). */
const DAG_COUNT = 10;
const STREAMS = 1000;
/** Changes measured, one after the other, each seen by every stream: 5 × 1,000 samples. */
const CHANGES = 5;
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function fanOut({ service, airflow }, dagIds) {
  const pid = service.child.pid;
  process.stderr.write(`• SSE fan-out: ${STREAMS} streams on /api/events (${dagIds.length} DAGs), ${CHANGES} state changes… `);
  const openAll = () => openStreams(`${service.base}/api/events`, STREAMS, dagIds.length);
  // RSS before any stream; then a first round, opened and closed, grows the heap as a burst of
  // 1,000 connections does, so the RSS after it and with the second round open tells what open
  // streams hold (retained); against the first figure, what they cost with that growth (added).
  const rssBefore = await steadyRss(pid, settings.ttlMs);
  for (const s of await openAll()) s.req.destroy();
  const rssWarm = await steadyRss(pid, settings.ttlMs);
  const streams = await openAll();
  const rssWithStreams = await steadyRss(pid, settings.ttlMs);
  const callsBefore = await airflow.callsByLabel(service.client);
  const started = performance.now();
  const latencies = [];
  const lastStreamMs = [];
  for (let change = 1; change <= CHANGES; change++) {
    const marker = `manual__bench_${change}`;
    for (const s of streams) {
      s.marker = marker;
      s.seenAt = null;
    }
    const state = change % 2 === 1 ? 'failed' : 'success';
    await airflow.change(DAG_ID, state);
    await until(`every stream to have change ${change}`, () => streams.every((s) => s.seenAt !== null));
    const servedAt = await airflow.served(DAG_ID);
    const these = streams.map((s) => s.seenAt - servedAt);
    latencies.push(...these);
    lastStreamMs.push(Math.max(...these));
  }
  const elapsedMs = performance.now() - started;
  const airflowCallsByLabel = callsBetween(callsBefore, await airflow.callsByLabel(service.client));
  const airflowCalls = total(airflowCallsByLabel);
  const rssEnd = rssMb(pid);
  for (const s of streams) s.req.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    streams: STREAMS,
    dags: dagIds.length,
    changes: CHANGES,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1),
    lastStreamMs,
    rssBefore,
    rssWarm,
    rssWithStreams,
    rssEnd,
    rssAddedMb: rssWithStreams - rssBefore,
    rssRetainedMb: rssWithStreams - rssWarm,
    airflowCalls,
    airflowCallsByLabel,
    elapsedMs,
    // The mirror's budget, whatever the DAGs: a few calls per sync period, the DAG list (one call per
    // DAG of ALLOWED_DAG_IDS each DAG_LIST_PERIOD_MS), and the failed tasks of each failed run once.
    maxCalls: callBudget(elapsedMs, { listed: dagIds.length, failedRuns: Math.ceil(CHANGES / 2) }),
  };
  process.stderr.write(
    `p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms, last stream ${lastStreamMs.map((x) => fmt(x, 0)).join('/')} ms; RSS +${fmt(result.rssAddedMb, 1)} MB (after a warm round +${fmt(result.rssRetainedMb, 1)} MB); ${airflowCalls} Airflow calls in ${fmt(elapsedMs / 1000, 1)} s\n`,
  );
  return result;
}

export async function measureOverview(ctx) {
  const dagIds = [DAG_ID, ...Array.from({ length: DAG_COUNT - 1 }, (_, i) => `Bench_DAG_${i + 2}`)];
  const env = { ALLOWED_DAG_IDS: dagIds.join(',') };
  const rows = want('api-dags') || want('dags') ? await measurePages(ctx, env) : [];
  // The fan-out on a service of its own: after the rows above, a heap already grown by their load
  // would hide most of what 1,000 streams add (+4.8 MB against +15 MB on a fresh one, 2026-12-02).
  let fanout;
  if (want('fanout')) {
    const service = await startService(ctx, 'fanout', env);
    try {
      fanout = await fanOut({ service, airflow: ctx.airflow }, dagIds);
    } finally {
      await stop(service.child);
    }
  }
  return { rows, fanout };
}

/** The /api/dags and /dags rows, on one service with the DAGs of `env`. */
async function measurePages(ctx, env) {
  const service = await startService(ctx, 'overview', env);
  try {
    const rows = [];
    const note = `${DAG_COUNT} allowed DAGs`;
    const pages = [];
    // GET /api/dags comes with the overview's JSON half (issue #9); measured when the service has it.
    const api = await fetch(`${service.base}/api/dags`);
    await api.arrayBuffer();
    if (api.status === 200) pages.push({ id: 'api-dags', label: `service /api/dags (JSON, ${DAG_COUNT} DAGs, cached)`, path: '/api/dags' });
    pages.push({ id: 'dags', label: `service /dags (HTML page, ${DAG_COUNT} DAGs, cached)`, path: '/dags' });
    const measured = pages.filter((p) => want(p.id));
    // A fresh service: every page warmed before the first row, or the first row pays for the others' first runs.
    for (const page of measured) if (settings.warmupS > 0) await load(`${service.base}${page.path}`, { duration: settings.warmupS });
    for (const page of measured) {
      const row = await measure(ctx.airflow, {
        id: page.id,
        label: page.label,
        url: `${service.base}${page.path}`,
        note,
        expect: 200,
        pid: service.child.pid,
        client: service.client,
        budget: { listed: DAG_COUNT },
      });
      rows.push(row);
    }
    return rows;
  } finally {
    await stop(service.child);
  }
}
