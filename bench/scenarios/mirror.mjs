// The mirror at scale (issue #17's figures): a stand-in Airflow of its own with N DAGs (1,000 and
// 5,000 by default, BENCH_MIRROR_DAGS), a service watching every one (WATCH_DAGS=all), and per N:
//  - RSS of the same service watching one DAG, idle (the reference);
//  - the first load: its duration (the service's own figure, from its log, and listening → loaded as
//    the harness sees it) and the peak of concurrent calls the stand-in counted;
//  - after BENCH_MIRROR_SETTLE_S more (0; the service reconciles only from ten minutes after its start),
//    nothing changing for BENCH_MIRROR_WINDOW_S (30 s): Airflow calls per sync period by kind (the
//    change feed, reconciliation, readiness probed every second), the DAG list on its own row;
//  - 50 runs changing per sync period (driven through the stand-in: half new running runs, half
//    those runs finishing): calls per period against the idle ones plus the pages of changes, and
//    how long a change takes to reach /api/events (one stream of every DAG, frames parsed) and
//    /api/dags/{id}/status (every tenth change polled), in sync periods;
//  - RSS watching N DAGs (after the idle window, and at most during the changes);
//  - GET /api/dags?limit=100 p50, one request at a time (the whole list when the build ignores the limit).
import { setTimeout as sleep } from 'node:timers/promises';
import { CALLS_PER_PERIOD } from '../lib/budget.mjs';
import { fmt } from '../lib/format.mjs';
import { scrape, sumOf, syncFigures, syncsBetween } from '../lib/metrics.mjs';
import { firstLoad, pastLoad, pastTasksLoad } from '../lib/mirror-log.mjs';
import { cpuSeconds, rssMb, steadyRss } from '../lib/proc-stats.mjs';
import { stop } from '../lib/processes.mjs';
import { startService } from '../lib/service.mjs';
import { openStatusStream, until } from '../lib/sse.mjs';
import { settings } from '../lib/settings.mjs';
import { callsBetween, startStandInAirflow, total } from '../lib/stand-in.mjs';

const TARGET = 'dag_0001';
/** Runs changing per sync period in the second window (the figure). */
const CHANGES_PER_PERIOD = 50;
/** Every how many changes one is followed by polling /api/dags/{id}/status, and how often. */
const POLL_EVERY = 10;
const POLL_MS = 50;
/** How often readiness is probed (Kubernetes probes every few seconds; more often here: it costs one call per TTL whatever the probes). */
const READY_PROBE_MS = 1000;
/** The idle reference: how long after its first load before its RSS is read. */
const SETTLE_MS = 5000;
/** /api/dags: requests one at a time for this long, at least MIN_SAMPLES of them. */
const API_DAGS_MS = 10_000;
const MIN_SAMPLES = 5;
const FEED = 'GET /api/v2/dags/~/dagRuns';
const DAG_LIST = 'GET /api/v2/dags';
const READINESS = 'GET /api/v2/dags/{dag_id}';
const now = () => performance.timeOrigin + performance.now();
const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

function latencyStats(ms) {
  const sorted = [...ms].sort((a, b) => a - b);
  const periods = (x) => (x === null ? null : x / settings.ttlMs);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? null,
    p50Periods: periods(percentile(sorted, 50)),
    p99Periods: periods(percentile(sorted, 99)),
  };
}

/** /health/ready every READY_PROBE_MS until stopped, as a kubelet would. */
function probeReadiness(base) {
  let running = true;
  const statuses = {};
  const done = (async () => {
    while (running) {
      try {
        const res = await fetch(`${base}/health/ready`);
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      } catch {
        statuses.error = (statuses.error ?? 0) + 1;
      }
      await sleep(READY_PROBE_MS);
    }
  })();
  return async () => {
    running = false;
    await done;
    return statuses;
  };
}

/**
 * Everything counted at one moment: calls by label, the stand-in's feed figures, syncs, CPU (before
 * and after the scrape of /metrics, which costs the service more than its syncs at thousands of DAGs).
 */
async function snapshot(airflow, service) {
  const cpuBefore = cpuSeconds(service.child.pid);
  const at = performance.now();
  const [byLabel, stats, samples] = await Promise.all([airflow.callsByLabel(service.client), airflow.stats(), scrape(service.base)]);
  return {
    at,
    byLabel,
    feed: stats.feeds[service.client] ?? { reads: 0, pages: 0, needed: 0 },
    syncs: syncFigures(samples),
    cpuBefore,
    cpuAfter: cpuSeconds(service.child.pid),
  };
}

/** What happened between two snapshots: calls by label and per sync period, syncs, feed pages, CPU. */
function between(a, b) {
  const ms = b.at - a.at;
  const syncs = syncsBetween(a.syncs, b.syncs);
  // Sync periods in the window: its length in TTLs, or the syncs it held when more (a window of 15.3
  // TTLs can hold 16 syncs, each with its calls).
  const periods = Math.max(ms / settings.ttlMs, syncs.syncs);
  const byLabel = callsBetween(a.byLabel, b.byLabel);
  const feed = { reads: b.feed.reads - a.feed.reads, pages: b.feed.pages - a.feed.pages, needed: b.feed.needed - a.feed.needed };
  const list = byLabel[DAG_LIST] ?? 0;
  const perPeriod = Object.fromEntries(Object.entries(byLabel).map(([label, n]) => [label, n / periods]));
  return {
    ms,
    periods,
    byLabel,
    perPeriod,
    // The figure: every call but the DAG list's, per sync period.
    callsPerPeriod: (total(byLabel) - list) / periods,
    // The same without the pages beyond the first of each feed read: what changes may add.
    callsPerPeriodBeyondPages: (total(byLabel) - list - (feed.pages - feed.reads)) / periods,
    feed,
    syncs,
    // The service's CPU between the two scrapes, as a share of one core.
    cpuShare: (b.cpuBefore - a.cpuAfter) / (ms / 1000),
  };
}

/**
 * One /api/events stream of every DAG, once it holds each DAG's first status, or once the service
 * closed it (then no change reaches it, and the window counts them missed).
 */
async function everyDagStream(base, dagCount, onStatus) {
  const opened = performance.now();
  const stream = await openStatusStream(`${base}/api/events`, onStatus);
  await until('the first status of every DAG on /api/events', () => stream.events >= dagCount || stream.closed, 120_000);
  const first = {
    events: stream.events,
    bytes: stream.bytes,
    dropped: stream.closed && stream.events < dagCount,
    ms: performance.now() - opened,
  };
  return { stream, first };
}

/** The changes window: 50 runs changing per sync period, their arrival on the stream and the status route. */
async function changesWindow(airflow, service, dagCount, windowMs) {
  const pending = new Map();
  const seenStream = [];
  const seenStatus = [];
  // The stream opens with one status event per DAG: the window starts once they are in.
  const { stream, first: opening } = await everyDagStream(service.base, dagCount, (data, at) => {
    const key = `${data.dag_id} ${data.run_id} ${data.state}`;
    const change = pending.get(key);
    if (change !== undefined && change.streamAt === null) change.streamAt = at;
  });
  try {
    const changes = [];
    const running = [];
    const pollers = [];
    let next = 0;
    const gap = settings.ttlMs / CHANGES_PER_PERIOD;
    const before = await snapshot(airflow, service);
    const started = performance.now();
    for (let i = 0; performance.now() - started < windowMs; i++) {
      // Half the changes start a run on the next DAG (spread over all of them), half finish the oldest run
      // started, once it has run a period and the service has shown it (else it would change unseen).
      const oldest = running[0];
      const finish =
        i % 2 === 1 &&
        oldest !== undefined &&
        now() - oldest.postedAt >= settings.ttlMs &&
        oldest.streamAt !== null &&
        (!oldest.polled || oldest.statusAt !== null);
      const dagId = finish ? running.shift().dagId : `dag_${String(((next++ * 7919) % dagCount) + 1).padStart(4, '0')}`;
      const state = finish ? 'success' : 'running';
      const postedAt = now();
      const made = await airflow.change(dagId, state, finish ? 'update' : 'new');
      const change = { dagId, runId: made.runId, state, postedAt, streamAt: null, statusAt: null, polled: i % POLL_EVERY === 0 };
      pending.set(`${dagId} ${made.runId} ${state}`, change);
      changes.push(change);
      if (!finish) running.push(change);
      if (change.polled) pollers.push(pollStatus(service.base, change));
      const wait = started + (i + 1) * gap - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const after = await snapshot(airflow, service);
    await until('every change on /api/events', () => changes.every((c) => c.streamAt !== null), 20 * settings.ttlMs).catch(() => undefined);
    await Promise.all(pollers);
    const served = new Map((await airflow.changes(changes[0]?.postedAt ?? 0)).map((c) => [`${c.dagId} ${c.runId} ${c.state}`, c.servedAt]));
    for (const c of changes) {
      if (c.streamAt !== null) seenStream.push(c.streamAt - c.postedAt);
      if (c.statusAt !== null) seenStatus.push(c.statusAt - c.postedAt);
    }
    const readAfter = changes
      .map((c) => served.get(`${c.dagId} ${c.runId} ${c.state}`))
      .map((at, i) => (at == null ? null : at - changes[i].postedAt))
      .filter((x) => x !== null);
    return {
      // How the stream of every DAG opened: its first statuses, their bytes, whether the service dropped it.
      stream: opening,
      window: between(before, after),
      changes: changes.length,
      changesPerPeriod: changes.length / ((after.at - before.at) / settings.ttlMs),
      finished: changes.filter((c) => c.state === 'success').length,
      missed: {
        stream: changes.filter((c) => c.streamAt === null).length,
        status: changes.filter((c) => c.polled && c.statusAt === null).length,
      },
      events: latencyStats(seenStream),
      status: latencyStats(seenStatus),
      // From the change to the service's read of it (the stand-in's first answer carrying it).
      read: latencyStats(readAfter),
    };
  } finally {
    stream.req.destroy();
  }
}

/** Polls /api/dags/{id}/status every POLL_MS until it shows `change`; notes when (gives up after 20 periods). */
async function pollStatus(base, change) {
  const deadline = performance.now() + 20 * settings.ttlMs;
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`${base}/api/dags/${change.dagId}/status`);
      const body = res.status === 200 ? await res.json() : (await res.arrayBuffer(), null);
      if (body !== null && body.run_id === change.runId && body.state === change.state) {
        change.statusAt = now();
        return;
      }
    } catch {
      /* the service went away: the change stays unseen */
    }
    await sleep(POLL_MS);
  }
}

/** GET /api/dags?limit=100, one request at a time: its p50, and whether the build honours the limit. */
async function apiDags(base, dagCount) {
  const probe = await fetch(`${base}/api/dags?limit=100`);
  const probeBody = await probe.text();
  if (probe.status !== 200) return { limitHonoured: false, status: probe.status, body: probeBody.slice(0, 300) };
  const entries = JSON.parse(probeBody).dags?.length ?? null;
  const limitHonoured = entries !== null && entries <= 100;
  const samples = [];
  let bytes = 0;
  const end = performance.now() + API_DAGS_MS;
  while (performance.now() < end || samples.length < MIN_SAMPLES) {
    const started = performance.now();
    const res = await fetch(`${base}/api/dags?limit=100`);
    bytes = (await res.arrayBuffer()).byteLength;
    samples.push(performance.now() - started);
  }
  const sorted = samples.sort((a, b) => a - b);
  return {
    limitHonoured,
    status: 200,
    entries,
    dags: dagCount,
    bytes,
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** V8's heap spaces in use (MB) and the mirror's own gauges, from /metrics. */
async function heapUsed(base) {
  const samples = await scrape(base);
  const out = {};
  for (const s of samples.filter((x) => x.name === 'nodejs_heap_space_size_used_bytes'))
    out[/space="(\w+)"/.exec(s.labels)[1]] = s.value / 2 ** 20;
  out.external = sumOf(samples, 'nodejs_external_memory_bytes') / 2 ** 20;
  return out;
}

async function mirrorPass(ctx, dagCount) {
  const windowMs = settings.mirrorWindowS * 1000;
  process.stderr.write(`• mirror, ${dagCount.toLocaleString('en-US')} DAGs: `);
  const airflow = await startStandInAirflow({ STAND_IN_DAGS: String(dagCount) });
  const env = { TARGET_DAG_ID: TARGET, ALLOWED_DAG_IDS: TARGET };
  const local = { ...ctx, airflowUrl: airflow.url };
  try {
    // The reference: the same service watching one DAG, idle.
    const one = await startService(local, `mirror-one-${dagCount}`, env);
    await firstLoad(one.logFile);
    await pastLoad(one.logFile);
    await sleep(SETTLE_MS);
    const rssOneDag = await steadyRss(one.child.pid, 2 * settings.ttlMs);
    await stop(one.child);
    process.stderr.write(`one DAG idle ${fmt(rssOneDag, 1)} MB; `);

    // The first load of every DAG.
    await airflow.stats(true);
    const spawned = performance.now();
    const service = await startService(local, `mirror-${dagCount}`, { ...env, WATCH_DAGS: 'all' });
    try {
      const load = await firstLoad(service.logFile);
      const loadedAfterMs = performance.now() - spawned;
      const stats = await airflow.stats();
      const loadCalls = await airflow.callsByLabel(service.client);
      const first = {
        seconds: load.seconds,
        dags: load.dags,
        loadedAfterMs,
        startMs: service.startMs,
        peakInFlight: stats.peakInFlight,
        peakReads: load.peakReads,
        calls: total(loadCalls),
        callsByLabel: loadCalls,
        cpuSeconds: cpuSeconds(service.child.pid),
        rss: rssMb(service.child.pid),
      };
      process.stderr.write(`first load ${fmt(first.seconds, 1)} s (≤ ${first.peakInFlight} calls at once); `);
      // Then each DAG's past (issue 20: a page each here, 10 runs): read before the windows, which measure the steady state.
      first.past = await pastLoad(service.logFile);
      // And the failed tasks of the past's failed runs (once each, one at a time): a one-time cost too.
      first.pastTasks = await pastTasksLoad(service.logFile);
      process.stderr.write(
        `past ${fmt(first.past.seconds, 1)} s, its failed tasks ${fmt(first.pastTasks.seconds, 1)} s (${first.pastTasks.runs} runs); `,
      );
      if (settings.mirrorSettleS > 0) await sleep(settings.mirrorSettleS * 1000);

      // Nothing changing, readiness probed (through both windows).
      const probing = probeReadiness(service.base);
      let idle, rssWatched, heapWatched, changes, readiness;
      const rssSamples = [];
      try {
        const idleBefore = await snapshot(airflow, service);
        await sleep(windowMs);
        idle = between(idleBefore, await snapshot(airflow, service));
        rssWatched = await steadyRss(service.child.pid, 2 * settings.ttlMs);
        heapWatched = await heapUsed(service.base);
        process.stderr.write(`idle ${fmt(idle.callsPerPeriod)} calls/period, RSS ${fmt(rssWatched, 1)} MB; `);

        // 50 runs changing per period, RSS sampled meanwhile.
        const sampler = setInterval(() => rssSamples.push(rssMb(service.child.pid)), 250);
        try {
          changes = await changesWindow(airflow, service, dagCount, windowMs);
        } finally {
          clearInterval(sampler);
        }
      } finally {
        readiness = await probing();
      }
      process.stderr.write(
        `${fmt(changes.changesPerPeriod, 0)} changes/period: ${fmt(changes.window.callsPerPeriod)} calls/period, events p99 ${fmt(changes.events.p99Periods)} periods, status p99 ${fmt(changes.status.p99Periods)}; `,
      );

      const api = await apiDags(service.base, dagCount);
      const rssAfterApi = rssMb(service.child.pid);
      process.stderr.write(`/api/dags?limit=100 ${api.limitHonoured ? '' : '(limit not honoured) '}p50 ${fmt(api.p50, 1)} ms\n`);

      // The DAG list on its own: its pages per read, over the service's life.
      const lists = (await airflow.stats()).lists[service.client] ?? { reads: 0, pages: 0 };
      return {
        dags: dagCount,
        firstLoad: first,
        idle,
        changes,
        readiness,
        dagList: { ...lists, callsPerRead: lists.pages / Math.max(1, lists.reads), periodMs: settings.dagListPeriodMs },
        rss: {
          oneDag: rssOneDag,
          watched: rssWatched,
          peakWithChanges: Math.max(...rssSamples.filter((x) => x !== null)),
          afterApiDags: rssAfterApi,
          heapWatched,
        },
        apiDags: api,
      };
    } finally {
      await stop(service.child);
    }
  } finally {
    await stop(airflow.child);
  }
}

export async function measureMirror(ctx) {
  const passes = [];
  for (const dags of settings.mirrorDags) passes.push(await mirrorPass(ctx, dags));
  return {
    windowS: settings.mirrorWindowS,
    settleS: settings.mirrorSettleS,
    ttlMs: settings.ttlMs,
    changesPerPeriod: CHANGES_PER_PERIOD,
    callsBound: CALLS_PER_PERIOD,
    passes,
    labels: { FEED, DAG_LIST, READINESS },
  };
}
