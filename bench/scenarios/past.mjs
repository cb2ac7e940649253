// The past of every DAG (issue 20's cost): a stand-in Airflow of its own with BENCH_PAST_DAGS DAGs (1,000)
// of BENCH_PAST_RUNS hourly runs each (720: 30 days), a service watching every one (WATCH_DAGS=all,
// RELIABILITY_WINDOWS' default 7d,30d), and:
//  - RSS of the same service watching one DAG, idle, its past read (the reference);
//  - the read of every DAG's past after the first load: its duration, pages, runs held (the service's own
//    figures, from its log) and the most calls at once the stand-in counted (the watched ordinary call, one
//    at a time, included);
//  - an ordinary Airflow call (one DAG's latest run, one at a time) before and during that read: issue 17's
//    rule that the service never makes Airflow answer others more than 2x slower;
//  - RSS watching every DAG with its past held, over the one-DAG reference;
//  - then nothing changing for BENCH_PAST_WINDOW_S (20 s): calls per sync period by kind (no past read).
import { setTimeout as sleep } from 'node:timers/promises';
import { fmt } from '../lib/format.mjs';
import { firstLoad, pastLoad } from '../lib/mirror-log.mjs';
import { rssMb, steadyRss } from '../lib/proc-stats.mjs';
import { stop } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { settings } from '../lib/settings.mjs';
import { callsBetween, startStandInAirflow, total } from '../lib/stand-in.mjs';

const TARGET = 'dag_0001';
const PAST = 'GET /api/v2/dags/{dag_id}/dagRuns?run_after_gte=';
/** The ordinary call whose latency is watched, and how often (one at a time). */
const ORDINARY = '/api/v2/dags/dag_0002/dagRuns?order_by=-run_after&limit=1';
const ORDINARY_EVERY_MS = 100;
const BASELINE_CALLS = 50;
const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

/** Latency (ms) of the ordinary call, one at a time every ORDINARY_EVERY_MS until `stop()`; its p50, p99, max. */
function ordinaryCalls(url) {
  const ms = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${url}${ORDINARY}`, { headers: { authorization: 'Basic YWlyZmxvdzphaXJmbG93' } });
      await res.arrayBuffer();
      ms.push(performance.now() - started);
      await sleep(ORDINARY_EVERY_MS);
    }
  })();
  return async () => {
    running = false;
    await done;
    const sorted = [...ms].sort((a, b) => a - b);
    return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null };
  };
}

export async function measurePast(ctx) {
  const dags = settings.pastDags;
  const runsPerDag = settings.pastRuns;
  process.stderr.write(`• past, ${dags.toLocaleString('en-US')} DAGs × ${runsPerDag} runs: `);
  const airflow = await startStandInAirflow({ STAND_IN_DAGS: String(dags), STAND_IN_RUNS: String(runsPerDag) });
  const env = { TARGET_DAG_ID: TARGET, ALLOWED_DAG_IDS: TARGET };
  const local = { ...ctx, airflowUrl: airflow.url };
  try {
    // The reference: the same service watching one DAG (its past read too), idle.
    const one = await startService(local, 'past-one', env);
    await firstLoad(one.logFile);
    await pastLoad(one.logFile);
    await sleep(5000);
    const rssOneDag = await steadyRss(one.child.pid, 2 * settings.ttlMs);
    await stop(one.child);
    process.stderr.write(`one DAG idle ${fmt(rssOneDag, 1)} MB; `);

    // The ordinary call's latency with nothing else asking.
    const alone = ordinaryCalls(airflow.url);
    await sleep(ORDINARY_EVERY_MS * BASELINE_CALLS);
    const baseline = await alone();

    await airflow.stats(true);
    const service = await startService(local, `past-${dags}`, { ...env, WATCH_DAGS: 'all' });
    try {
      const during = ordinaryCalls(airflow.url);
      const load = await firstLoad(service.logFile);
      const past = await pastLoad(service.logFile);
      const ordinary = await during();
      const stats = await airflow.stats();
      const loadCalls = await airflow.callsByLabel(service.client);
      process.stderr.write(
        `first load ${fmt(load.seconds, 1)} s, past ${fmt(past.seconds, 1)} s (${past.pages} pages, ≤ ${stats.peakInFlight} calls at once, ${past.runs.toLocaleString('en-US')} runs); ordinary call p50 ${fmt(baseline.p50, 1)} → ${fmt(ordinary.p50, 1)} ms; `,
      );
      // Settled (the failed tasks of the newest failed runs are looked up after the pages), then idle.
      await sleep(5000);
      const before = await airflow.callsByLabel(service.client);
      const windowMs = settings.pastWindowS * 1000;
      await sleep(windowMs);
      const idleCalls = callsBetween(before, await airflow.callsByLabel(service.client));
      const rssWatched = await steadyRss(service.child.pid, 2 * settings.ttlMs);
      const periods = windowMs / settings.ttlMs;
      process.stderr.write(
        `RSS ${fmt(rssWatched, 1)} MB (+${fmt(rssWatched - rssOneDag, 1)}); idle ${fmt(total(idleCalls) / periods)} calls/period\n`,
      );
      return {
        dags,
        runsPerDag,
        ttlMs: settings.ttlMs,
        firstLoad: load,
        past: { ...past, peakInFlight: stats.peakInFlight, calls: loadCalls[PAST] ?? 0 },
        loadCalls,
        ordinary: { baseline, during: ordinary },
        idle: {
          windowS: settings.pastWindowS,
          calls: idleCalls,
          callsPerPeriod: total(idleCalls) / periods,
          pastCalls: idleCalls[PAST] ?? 0,
        },
        rss: { oneDag: rssOneDag, watched: rssWatched, added: rssWatched - rssOneDag, afterLoad: rssMb(service.child.pid) },
        labels: { PAST },
      };
    } finally {
      await stop(service.child);
    }
  } finally {
    await stop(airflow.child);
  }
}
