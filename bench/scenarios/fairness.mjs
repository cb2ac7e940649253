// Fair reads: the latency of /health/ready and / (what readiness and people depend on) while clients hammer
// /api/dags/{dagId}/runs with every limit from 1 to 100 over many allowed DAGs, against a slow Airflow. Each
// route is sampled one request at a time, unloaded then loaded; target: loaded p99 within one Airflow round
// trip of the unloaded p99. With the mirror, / reads the mirror and readiness has sockets of its own; what
// the hammer still sends to Airflow is the runs beyond the ten the mirror keeps (limit > 10: one read per
// DAG per TTL), which share the pool with the mirror's syncs: the syncs' mean duration per phase says
// whether they queue behind them.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { scrape, syncFigures, syncsBetween } from '../lib/metrics.mjs';
import { firstLoad } from '../lib/mirror-log.mjs';
import { stop, track } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { BENCH, DAG_ID } from '../lib/settings.mjs';
import { callsBetween, startStandInAirflow, total } from '../lib/stand-in.mjs';

/** The slow Airflow's latency per answer: a busy api-server across a network. */
const RTT_MS = 200;
/** More allowed DAGs than the service's shared pool has sockets: their long reads queue there each TTL. */
const OTHER_DAGS = 24;
/** Concurrent /runs clients (wrk connections, in wrk's own process). */
const HAMMER_CLIENTS = 16;
/** How long each phase samples the two routes. */
const SAMPLE_MS = 10_000;
/** Pause between two samples, so that sampling is a trickle beside the hammer. */
const SAMPLE_GAP_MS = 20;

async function timed(url) {
  const started = performance.now();
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

/** /health/ready and / one after the other until `ms` have passed. */
async function sample(base, ms) {
  const out = { ready: [], root: [] };
  const until = performance.now() + ms;
  while (performance.now() < until) {
    out.ready.push(await timed(`${base}/health/ready`));
    out.root.push(await timed(`${base}/`));
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_GAP_MS));
  }
  return out;
}

/** wrk on /runs for `seconds`, in its own process; resolves to its counts when it ends. */
function hammer(base, dags, seconds) {
  const child = track(
    spawn('wrk', ['-t1', `-c${HAMMER_CLIENTS}`, `-d${seconds}s`, '-s', path.join(BENCH, 'fairness-hammer.lua'), base], {
      env: { ...process.env, FAIR_DAGS: dags.join(',') },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    'wrk(fairness)',
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const line = /FAIRJSON (\{.*\})/.exec(out)?.[1];
      if (code !== 0 || !line) return reject(new Error(`wrk (fairness) exited ${code}: ${out}`));
      const r = JSON.parse(line);
      resolve({ requests: r.requests, rps: r.requests / (r.duration_us / 1e6), non2xx: r.non2xx, socketErrors: r.socket_errors });
    });
  });
}

function stats(samples) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  const statuses = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  return { n: ms.length, p50: at(0.5), p99: at(0.99), max: ms[ms.length - 1], statuses };
}

export async function measureFairness(ctx) {
  const airflow = await startStandInAirflow({ STAND_IN_DELAY_MS: String(RTT_MS) });
  const others = Array.from({ length: OTHER_DAGS }, (_, i) => `Bench_DAG_${i}`);
  const service = await startService({ ...ctx, airflowUrl: airflow.url }, 'fairness', {
    ALLOWED_DAG_IDS: [DAG_ID, ...others].join(','),
  });
  try {
    await timed(`${service.base}/health/ready`); // version and token, once, before either phase
    await firstLoad(service.logFile); // every DAG read whole once: the phases compare steady states
    const syncsAtStart = syncFigures(await scrape(service.base));
    const unloaded = await sample(service.base, SAMPLE_MS);
    const syncsBefore = syncFigures(await scrape(service.base));
    const callsBefore = await airflow.callsByLabel(service.client);
    // The hammer runs a second longer than the sampling, which starts once wrk is up.
    const hammered = hammer(service.base, [DAG_ID, ...others], SAMPLE_MS / 1000 + 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const loaded = await sample(service.base, SAMPLE_MS);
    const hammerFigures = await hammered;
    const airflowCallsByLabel = callsBetween(callsBefore, await airflow.callsByLabel(service.client));
    const syncsAfter = syncFigures(await scrape(service.base));
    return {
      rttMs: RTT_MS,
      dags: OTHER_DAGS + 1,
      clients: HAMMER_CLIENTS,
      sampleMs: SAMPLE_MS,
      hammer: hammerFigures,
      airflowCalls: total(airflowCallsByLabel),
      airflowCallsByLabel,
      // The mirror's syncs in each phase: their number and mean duration (a sync is one call when nothing changes).
      syncs: { unloaded: syncsBetween(syncsAtStart, syncsBefore), loaded: syncsBetween(syncsBefore, syncsAfter) },
      rows: [
        { id: 'fair-ready', label: '/health/ready', unloaded: stats(unloaded.ready), loaded: stats(loaded.ready) },
        { id: 'fair-root', label: '/ (redirect)', unloaded: stats(unloaded.root), loaded: stats(loaded.root) },
      ],
    };
  } finally {
    await stop(service.child);
    await stop(airflow.child);
  }
}
