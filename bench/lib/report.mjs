// The markdown of a run, from its results JSON alone: what `npm run bench` prints and what
// `npm run bench:report` writes into BENCHMARKS.md.
import { fmt, median } from './format.mjs';

/** Every measured row, in table order. */
function tableRows(results) {
  const s = results.scenarios;
  return [...(s.cached?.rows ?? []), ...(s.routes?.rows ?? []), ...(s.overview?.rows ?? []), ...(s.seed?.rows ?? [])];
}

const rowById = (results, id) => tableRows(results).find((r) => r.id === id);

/** The targets, as [name, passed, measured]. */
function checks(results) {
  const { settings: cfg, scenarios: s } = results;
  const ceil = rowById(results, 'ceiling');
  const status = rowById(results, 'status');
  const serviceRows = tableRows(results).filter((r) => r.label.startsWith('service'));
  // The mirror's budget of each run (bench/lib/budget.mjs): 3 per sync period whatever the DAGs, plus
  // the DAG list every DAG_LIST_PERIOD_MS; alternating rows count their own slices only.
  const callRuns = serviceRows.map((r) => ({ calls: r.airflowCalls, max: r.maxCalls }));
  if (s.memory) callRuns.push({ calls: s.memory.run.calls, max: s.memory.run.maxCalls });
  const fan = s.overview?.fanout;
  if (fan) callRuns.push({ calls: fan.airflowCalls, max: fan.maxCalls });
  const list = [
    [`cached status ≥ 0.5 × ceiling`, status.rps >= 0.5 * ceil.rps, `${fmt(status.rps / ceil.rps)} ×`],
    [
      `cached status: zero errors`,
      status.errors === 0 && !status.unexpected,
      `${status.errors} errors${status.unexpected ? `, ${status.unexpected}` : ''}`,
    ],
    [`cached status: p99 < 10 ms at ${cfg.connections} connections`, status.p99 < 10, `p99 ${fmt(status.p99)} ms`],
    [
      `Airflow calls ≤ 3 per sync period (TTL ${cfg.ttlMs} ms) whatever the DAGs, plus the DAG list every ${(cfg.dagListPeriodMs ?? 60_000) / 1000} s, every service run: calls ≤ 3 × (ceil(run time / TTL) + 1) + DAGs listed × (ceil(run time / list period) + 1)`,
      callRuns.every((r) => r.calls <= r.max),
      callRuns.map((r) => `${r.calls} ≤ ${r.max}`).join(', '),
    ],
  ];
  if (s.fairness) {
    const { rttMs, rows } = s.fairness;
    list.push([
      `fair reads: /health/ready and / p99 while /runs is hammered ≤ unloaded p99 + one Airflow round trip (${rttMs} ms)`,
      rows.every((r) => r.loaded.p99 <= r.unloaded.p99 + rttMs),
      rows.map((r) => `${r.label} ${fmt(r.unloaded.p99, 0)} → ${fmt(r.loaded.p99, 0)} ms`).join(', '),
    ]);
  }
  const starts = s.starts?.ms ?? [];
  if (starts.length) list.push(['start to listening < 1.5 s (median)', median(starts) < 1500, `${Math.round(median(starts))} ms`]);
  if (s.memory) {
    const { rss } = s.memory;
    list.push(['RSS < 120 MB throughout', rss.peak < 120, `peak ${fmt(rss.peak, 1)} MB`]);
    list.push([
      `RSS flat across ${cfg.memoryRequests} requests (peak of the second half ≤ peak of the first + 5 MB)`,
      rss.halfPeaks[1] <= rss.halfPeaks[0] + 5,
      `peaks ${fmt(rss.halfPeaks[0], 1)} → ${fmt(rss.halfPeaks[1], 1)} MB; after warm-up → end ${fmt(rss.afterWarmUp, 1)} → ${fmt(rss.end, 1)} MB`,
    ]);
  }
  if (s.mixed) {
    const { rss } = s.mixed;
    list.push([
      `mixed load: RSS peak ≤ idle + 60 MB (every route, ${cfg.mixedConnections} connections, Airflow cycling faults)`,
      rss.peak <= rss.idle + 60,
      `idle ${fmt(rss.idle, 1)} MB, peak ${fmt(rss.peak, 1)} MB (+${fmt(rss.peak - rss.idle, 1)})`,
    ]);
  }
  list.push(...mirrorChecks(results));
  const past = results.scenarios.past;
  if (past) {
    list.push([
      `past, ${past.dags.toLocaleString('en-US')} DAGs × ${past.runsPerDag} runs: no read of the past once it is held (the changes feed keeps it)`,
      past.idle.pastCalls === 0,
      `${past.idle.pastCalls} past reads in ${past.idle.windowS} s`,
    ]);
    list.push([
      `past, ${past.dags.toLocaleString('en-US')} DAGs: Airflow's ordinary call within 2 × its p50 while the past is read (issue 17's rule)`,
      past.ordinary.during.p50 <= 2 * past.ordinary.baseline.p50,
      `p50 ${fmt(past.ordinary.baseline.p50, 1)} → ${fmt(past.ordinary.during.p50, 1)} ms`,
    ]);
  }
  if (fan) {
    list.push([
      `SSE fan-out: p99 < 250 ms from the service's read of a change to each of ${fan.streams.toLocaleString('en-US')} streams`,
      fan.p99 < 250,
      `p99 ${fmt(fan.p99, 1)} ms`,
    ]);
    list.push([
      `SSE fan-out: RSS added by ${fan.streams.toLocaleString('en-US')} open streams < 40 MB`,
      fan.rssAddedMb < 40,
      `${fmt(fan.rssAddedMb, 1)} MB`,
    ]);
  }
  return list;
}

/** MB by V8 heap space, largest first: "new 24.0, old 40.1, …". */
const spaces = (heap) =>
  Object.entries(heap ?? {})
    .filter(([, mb]) => mb >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([space, mb]) => `${space.replace(/_space$/, '')} ${fmt(mb, 1)}`)
    .join(', ');

function setup(results) {
  const { machine: m, settings: cfg, loadAverage } = results;
  const seed = results.scenarios.seed?.versions;
  const avg = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
  return [
    `Machine: ${m.nproc} cores (${m.cpu}), ${m.memGb} GiB, Linux ${m.kernel}, Node ${m.node}${seed ? `, Python ${seed.python}, Flask ${seed.flask} (Werkzeug ${seed.werkzeug}), requests ${seed.requests}` : ''}.`,
    `Load average (1, 5, 15 min) before the run: ${avg(loadAverage.before)}; after: ${avg(loadAverage.after)} (other work on this VM skews every number).`,
    `Load generator: wrk ${m.wrk} (-t${m.wrkThreads}: one load thread, leaving the other core to the server), ${cfg.connections} connections, its own process, ${cfg.warmupS} s warm-up then ${cfg.durationS} s per row, all on 127.0.0.1. Rows marked ⇄ are measured in alternating slices (${cfg.rounds} rounds of ${cfg.sliceS} s each, one target after the other) so that the drift of this shared VM's speed hits them alike. Latency: wrk's percentiles (for ⇄ rows the median of the slices' percentiles; every slice's p99 is in the results JSON). Errors: wrk's non-2xx/3xx answers plus its socket errors (connect, read, write, timeout). STATUS_CACHE_TTL_MS=${cfg.ttlMs}; the stand-in Airflow answers in well under 1 ms. Server CPU: utime+stime of the server process during the row.${cfg.serviceNodeFlags?.length ? ` The service runs as \`node dist/main.js\` does, however it is started, with the node flags \`${cfg.serviceNodeFlags.join(' ')}\`.` : ''}${cfg.serviceNodeOptions ? ` NODE_OPTIONS=\`${cfg.serviceNodeOptions}\`.` : ''}`,
  ];
}

function table(results) {
  const ceil = rowById(results, 'ceiling');
  const lines = [
    '| target | req/s | p50 ms | p99 ms | errors | Airflow calls | × ceiling | server CPU (core, µs/req) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of tableRows(results)) {
    const label = `${r.alternating ? '⇄ ' : ''}${r.note ? `${r.label} — ${r.note}` : r.label}`;
    lines.push(
      `| ${label} | ${Math.round(r.rps).toLocaleString('en-US')} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors}${r.unexpected ? ` (${r.unexpected})` : ''} | ${r.airflowCalls} | ${fmt(r.rps / ceil.rps)} | ${fmt(r.cpuShare * 100, 0)} %, ${fmt(r.cpuUsPerRequest, 0)} |`,
    );
  }
  const seedError = results.scenarios.seed?.error;
  if (seedError) lines.push(`| seed design: Flask | skipped: ${seedError.replace(/\n/g, ' ')} | | | | | | |`);
  return lines;
}

function notes(results) {
  const { settings: cfg, scenarios: s } = results;
  const lines = [];
  const status = rowById(results, 'status');
  const quiet = rowById(results, 'status-warn');
  if (quiet)
    lines.push(
      `LOG_LEVEL=log writes one JSON access-log line per non-probe request (${fmt(s.cached.logBytesPerRequest, 0)} bytes/request to stdout, here a file); LOG_LEVEL=warn writes none: cached status ${Math.round(status.rps)} → ${Math.round(quiet.rps)} req/s (${fmt((quiet.rps / status.rps - 1) * 100, 0)} %).`,
    );
  const starts = s.starts?.ms ?? [];
  if (starts.length)
    lines.push(
      `Start to listening (spawn → first 200 from /health/live), ${cfg.starts} starts: median ${Math.round(median(starts))} ms (${starts.map((x) => Math.round(x)).join(', ')}).`,
    );
  if (s.memory) {
    const { rss, run } = s.memory;
    lines.push(
      `Resident memory (VmRSS) of the service: ${fmt(rss.start, 1)} MB at start, ${fmt(rss.afterWarmUp, 1)} MB after warm-up, ${fmt(rss.afterHalf, 1)} MB after ${cfg.memoryRequests / 2} more requests, ${fmt(rss.end, 1)} MB after ${cfg.memoryRequests}; peak ${fmt(rss.peak, 1)} MB (sampled every 250 ms; peak of each half ${fmt(rss.halfPeaks[0], 1)}, ${fmt(rss.halfPeaks[1], 1)} MB). Those ${run.requests} requests on the cached status, at ${cfg.connections} connections in 3 s wrk runs: ${fmt(run.elapsedMs / 1000, 1)} s, ${Math.round(run.rps)} req/s, ${run.errors} errors, ${run.calls} Airflow calls.`,
    );
  }
  if (s.mixed) {
    const { rss, run, heap, nodeFlags = [], nodeOptions } = s.mixed;
    const flags = [...nodeFlags, ...(nodeOptions ? [`NODE_OPTIONS=${nodeOptions}`] : [])].join(' ');
    lines.push(
      `Mixed load (the sizing row of the Helm chart's memory): a fresh service (node flags: ${flags ? `\`${flags}\`` : 'none'}), every route in turn (bench/wrk-mixed.lua: /, /success, /failure, JSON routes, bad ids, unknown DAG and route, /metrics, /docs-json, probes) at ${cfg.mixedConnections} connections for ${cfg.mixedS} s while the stand-in Airflow cycles through 503, 500, HTML, reset, a hang past the deadline and 401: ${Math.round(run.rps).toLocaleString('en-US')} req/s, p99 ${fmt(run.p99)} ms, ${run.calls} Airflow calls. RSS ${fmt(rss.start, 1)} MB at start, ${fmt(rss.idle, 1)} MB idle, ${fmt(rss.median, 1)} MB median and ${fmt(rss.peak, 1)} MB peak under the load (sampled every 250 ms). V8 heap spaces (MB, from /metrics) idle: ${spaces(heap.idle)}; largest under load: ${spaces(heap.peak)}.`,
    );
  }
  const fan = s.overview?.fanout;
  if (fan)
    lines.push(
      `SSE fan-out (GET /api/events, ${fan.dags} allowed DAGs): ${fan.streams.toLocaleString('en-US')} streams open, ${fan.changes} state changes of one DAG in the stand-in Airflow, one after the other. From the stand-in's first answer carrying the change (the service's read) to the event in each stream, read by the harness's one process: p50 ${fmt(fan.p50, 1)} ms, p99 ${fmt(fan.p99, 1)} ms, max ${fmt(fan.max, 1)} ms (the last stream, per change: ${fan.lastStreamMs.map((x) => fmt(x, 0)).join(', ')} ms). RSS (median over a TTL) ${fmt(fan.rssBefore, 1)} MB before any stream, ${fmt(fan.rssWithStreams, 1)} MB with the streams open: +${fmt(fan.rssAddedMb, 1)} MB, of which the heap's growth from a burst of 1,000 connections (a first round opened and closed: ${fmt(fan.rssWarm, 1)} MB after it, so +${fmt(fan.rssRetainedMb, 1)} MB held by the open streams themselves); ${fmt(fan.rssEnd, 1)} MB after the changes. Airflow calls meanwhile: ${fan.airflowCalls} in ${fmt(fan.elapsedMs / 1000, 1)} s (${byLabel(fan.airflowCallsByLabel)}; the mirror's budget ${fan.maxCalls}: 3 per sync period, the DAG list, one task-instance read per failed run).`,
    );
  const seedPage = rowById(results, 'seed-success');
  if (seedPage)
    lines.push(
      `Against the seed's design: the cached status serves ${Math.round(status.rps / seedPage.rps)} × the requests of the seed's Flask /success (${Math.round(status.rps).toLocaleString('en-US')} against ${Math.round(seedPage.rps).toLocaleString('en-US')} req/s) with ${status.airflowCalls} Airflow calls instead of ${seedPage.airflowCalls}.`,
    );
  return lines;
}

/** Fair reads: the routes readiness and people use, unloaded and while /runs is hammered against a slow Airflow. */
function fairnessTable(results) {
  const f = results.scenarios.fairness;
  if (!f) return [];
  const statuses = (st) =>
    Object.entries(st.statuses)
      .map(([code, n]) => `${n}×${code}`)
      .join(' ');
  const hammer = `${f.hammer.requests} requests, ${f.hammer.non2xx} not 2xx, ${f.hammer.socketErrors} socket errors`;
  const syncs = f.syncs
    ? ` The mirror's syncs: ${f.syncs.unloaded.syncs} unloaded, mean ${fmt(f.syncs.unloaded.meanMs, 0)} ms; ${f.syncs.loaded.syncs} hammered, mean ${fmt(f.syncs.loaded.meanMs, 0)} ms.`
    : '';
  const calls = f.airflowCallsByLabel ? ` (${byLabel(f.airflowCallsByLabel)})` : '';
  return [
    `Fair reads: wrk, ${f.clients} connections, hammers /api/dags/{dagId}/runs?limit=1..100 (random) over ${f.dags} allowed DAGs (${Math.round(f.hammer.rps)} req/s: ${hammer}; ${f.airflowCalls} Airflow calls in ${f.sampleMs / 1000} s${calls}) against a stand-in Airflow answering in ${f.rttMs} ms; meanwhile each route is asked one request at a time (${f.sampleMs / 1000} s per phase).${syncs}`,
    '',
    '| route | unloaded p50 ms | unloaded p99 ms | hammered p50 ms | hammered p99 ms | hammered answers |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...f.rows.map(
      (r) =>
        `| ${r.label} | ${fmt(r.unloaded.p50)} | ${fmt(r.unloaded.p99)} | ${fmt(r.loaded.p50)} | ${fmt(r.loaded.p99)} | ${statuses(r.loaded)} |`,
    ),
    '',
  ];
}

/** "12 ~/dagRuns, 3 {dag_id}/dagRuns, …": a run's Airflow calls by the stand-in's labels, shortened. */
function byLabel(calls) {
  return Object.entries(calls ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${n} ${label.replace(/^GET \/api\/v2\//, '')}`)
    .join(', ');
}

const perPeriod = (w, label) => fmt(w.perPeriod[label] ?? 0);
const RECONCILE = [
  'GET /api/v2/dags/{dag_id}/dagRuns',
  'GET /api/v2/dags/{dag_id}/dagRuns?state=',
  'GET /api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances',
];
const FEED = 'GET /api/v2/dags/~/dagRuns';
const READINESS = 'GET /api/v2/dags/{dag_id}';
const sumPerPeriod = (w, labels) => fmt(labels.reduce((a, label) => a + (w.perPeriod[label] ?? 0), 0));

/** The mirror at scale (bench/scenarios/mirror.mjs): calls, delays, memory, first load, per number of DAGs. */
function mirrorTables(results) {
  const m = results.scenarios.mirror;
  if (!m) return [];
  const periods = (x) => fmt(x, 2);
  const lines = [
    `The mirror at scale (issue #17): a stand-in Airflow of its own per row with that many DAGs (10 runs each), the service watching every one (\`WATCH_DAGS=all\`, STATUS_CACHE_TTL_MS=${m.ttlMs}, DAG_LIST_PERIOD_MS=${(m.passes[0]?.dagList.periodMs ?? 60_000) / 1000} s, AIRFLOW_MAX_CONCURRENCY 4), /health/ready probed every second; windows of ${m.windowS} s${m.settleS ? `, from ${m.settleS} s after the first load` : ', right after the first load'}. Calls are per sync period (the window's length in TTLs, or its syncs when it held more), by the stand-in's count; feed = \`~/dagRuns\` pages, reconciliation = DAGs read whole again (and their lookups), readiness = \`GET /dags/{TARGET_DAG_ID}\`, DAG list = \`GET /dags\` pages per read (every DAG_LIST_PERIOD_MS, apart).`,
    '',
    '| watched DAGs | first load | peak concurrent calls (stand-in; whole reads, as the service counts them) | idle: calls / period (feed + reconciliation + readiness) | DAG list: calls per read | 50 changes / period: calls / period (feed pages: read, needed) | sync mean ms idle → changes | service CPU idle → changes |',
    '| ---: | --- | ---: | --- | ---: | --- | --- | --- |',
  ];
  for (const p of m.passes) {
    const { idle, changes, firstLoad: f } = p;
    const w = changes.window;
    lines.push(
      `| ${p.dags.toLocaleString('en-US')} | ${fmt(f.seconds, 1)} s (listening → loaded ${fmt((f.loadedAfterMs - f.startMs) / 1000, 1)} s; ${f.calls.toLocaleString('en-US')} calls) | ${f.peakInFlight}; ${f.peakReads ?? '–'} | **${fmt(idle.callsPerPeriod)}** (${perPeriod(idle, FEED)} + ${sumPerPeriod(idle, RECONCILE)} + ${perPeriod(idle, READINESS)}) | ${fmt(p.dagList.callsPerRead, 0)} | **${fmt(w.callsPerPeriod)}** (${perPeriod(w, FEED)} + ${sumPerPeriod(w, RECONCILE)} + ${perPeriod(w, READINESS)}; ${w.feed.pages} pages for ${w.feed.reads} reads, ${w.feed.needed} needed) | ${fmt(idle.syncs.meanMs, 0)} → ${fmt(w.syncs.meanMs, 0)} | ${fmt(idle.cpuShare * 100, 0)} % → ${fmt(w.cpuShare * 100, 0)} % |`,
    );
  }
  lines.push(
    '',
    '| watched DAGs | changes / period | change → /api/events p50 / p99 / max (periods) | change → /status p50 / p99 (periods) | change → read by the service p50 / p99 (periods) | /api/dags?limit=100 p50 / p99 | RSS one DAG idle → N watched (Δ) → peak with changes |',
    '| ---: | ---: | --- | --- | --- | --- | --- |',
  );
  for (const p of m.passes) {
    const { changes: c, apiDags: a, rss } = p;
    const api =
      a.status !== 200
        ? `answers ${a.status}`
        : `${fmt(a.p50, 1)} / ${fmt(a.p99, 1)} ms${a.limitHonoured ? '' : ` (limit ignored: all ${a.entries.toLocaleString('en-US')} DAGs, ${fmt(a.bytes / 2 ** 20, 1)} MB)`}`;
    lines.push(
      `| ${p.dags.toLocaleString('en-US')} | ${fmt(c.changesPerPeriod, 1)} (${c.changes}, ${c.finished} of them runs finishing) | ${periods(c.events.p50Periods)} / **${periods(c.events.p99Periods)}** / ${fmt(c.events.max / m.ttlMs)} (${c.events.n}; ${c.missed.stream} missed) | ${periods(c.status.p50Periods)} / **${periods(c.status.p99Periods)}** (${c.status.n}; ${c.missed.status} missed) | ${periods(c.read.p50Periods)} / ${periods(c.read.p99Periods)} | ${api} | ${fmt(rss.oneDag, 1)} → ${fmt(rss.watched, 1)} MB (**+${fmt(rss.watched - rss.oneDag, 1)}**) → ${fmt(rss.peakWithChanges, 1)} MB |`,
    );
  }
  for (const p of m.passes) {
    const s = p.changes.stream;
    if (s?.dropped)
      lines.push(
        '',
        `${p.dags.toLocaleString('en-US')} DAGs: \`GET /api/events\` (every DAG) was closed by the service after ${s.events} of ${p.dags.toLocaleString('en-US')} first statuses (${fmt(s.bytes / 2 ** 20, 2)} MB read, ${fmt(s.ms / 1000, 1)} s after it opened); ${
          // Runs before one route served the stream reopened it on Nest's.
          s.via === 'Nest route'
            ? "the latencies above are those of a stream on Nest's route (`/api/events?via=nest`), which the fast lane left to Nest."
            : 'no change reached it.'
        }`,
      );
  }
  lines.push('');
  return lines;
}

/** The past of every DAG (bench/scenarios/past.mjs, issue 20): its first read, its memory, its idle cost. */
function pastTable(results) {
  const p = results.scenarios.past;
  if (!p) return [];
  const o = p.ordinary;
  return [
    `The past of every DAG (issue 20): a stand-in Airflow of its own with ${p.dags.toLocaleString('en-US')} DAGs of ${p.runsPerDag} hourly runs each (${(p.dags * p.runsPerDag).toLocaleString('en-US')} runs), the service watching every one (\`WATCH_DAGS=all\`, RELIABILITY_WINDOWS 7d,30d: it keeps each DAG's runs of the last ${p.past.days} days), STATUS_CACHE_TTL_MS=${p.ttlMs}. The read of the past follows the first load, in pages of 100 runs through the whole reads' paced slots (the service's own figures, from its log); the ordinary call is one DAG's latest run, asked of the stand-in one at a time every 100 ms; RSS is the median over two TTLs, against the same service watching one DAG (its past read too).`,
    '',
    '| DAGs × runs | first load | read of the past: time, pages, runs held | calls at once (stand-in, ordinary call included; service) | ordinary call p50 / max alone → during the read | RSS one DAG idle → all watched (Δ) | idle: calls / period (past reads) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${p.dags.toLocaleString('en-US')} × ${p.runsPerDag} | ${fmt(p.firstLoad.seconds, 1)} s | ${fmt(p.past.seconds, 1)} s, ${p.past.pages.toLocaleString('en-US')} pages, ${p.past.runs.toLocaleString('en-US')} runs${p.past.columnsMb === undefined ? '' : ` in ${fmt(p.past.columnsMb, 1)} MB of columns`} | ${p.past.peakInFlight}; ${p.past.peakReads} | ${fmt(o.baseline.p50, 1)} / ${fmt(o.baseline.max, 1)} → ${fmt(o.during.p50, 1)} / ${fmt(o.during.max, 1)} ms | ${fmt(p.rss.oneDag, 1)} → ${fmt(p.rss.watched, 1)} MB (**+${fmt(p.rss.added, 1)}**) | ${fmt(p.idle.callsPerPeriod)} (${p.idle.pastCalls}) |`,
    '',
  ];
}

function mirrorChecks(results) {
  const m = results.scenarios.mirror;
  if (!m) return [];
  const list = [];
  for (const p of m.passes) {
    const n = p.dags.toLocaleString('en-US');
    const w = p.changes.window;
    list.push([
      `mirror, ${n} DAGs, nothing changing: ≤ 3 Airflow calls per sync period (DAG list apart)`,
      p.idle.callsPerPeriod <= 3,
      `${fmt(p.idle.callsPerPeriod)} per period (${byLabel(p.idle.byLabel)} in ${fmt(p.idle.ms / 1000, 1)} s)`,
    ]);
    list.push([
      `mirror, ${n} DAGs, ${m.changesPerPeriod} runs changing per period: calls = those 3 + the pages of changes, no more (≤ 3 per period beyond the pages; no feed page beyond those its changes needed)`,
      w.callsPerPeriodBeyondPages <= 3 && w.feed.pages <= w.feed.needed,
      `${fmt(w.callsPerPeriod)} per period, ${fmt(w.callsPerPeriodBeyondPages)} beyond the pages; feed ${w.feed.pages} pages in ${w.feed.reads} reads, ${w.feed.needed} needed`,
    ]);
    list.push([
      `mirror, ${n} DAGs: a change reaches /api/events and /api/dags/{id}/status within 2 sync periods (p99)`,
      p.changes.events.p99Periods <= 2 &&
        p.changes.status.p99Periods <= 2 &&
        p.changes.missed.stream === 0 &&
        p.changes.missed.status === 0,
      `events p99 ${fmt(p.changes.events.p99Periods)}, status p99 ${fmt(p.changes.status.p99Periods)} periods; missed ${p.changes.missed.stream} + ${p.changes.missed.status}`,
    ]);
    const s = p.changes.stream;
    if (s)
      list.push([
        `mirror, ${n} DAGs: one /api/events stream of every DAG opens with each DAG's status and stays open`,
        !s.dropped,
        s.dropped
          ? `closed by the service after ${s.events} of ${p.dags} first statuses (${fmt(s.bytes / 2 ** 20, 2)} MB)`
          : `${s.events} first statuses in ${fmt(s.ms / 1000, 1)} s`,
      ]);
    list.push([
      `mirror, ${n} DAGs: RSS ≤ idle with one DAG + 60 MB`,
      p.rss.watched <= p.rss.oneDag + 60,
      `${fmt(p.rss.oneDag, 1)} → ${fmt(p.rss.watched, 1)} MB (+${fmt(p.rss.watched - p.rss.oneDag, 1)})`,
    ]);
    if (p.dags >= 5000) {
      const a = p.apiDags;
      list.push([
        `mirror, ${n} DAGs: /api/dags?limit=100 p50 ≤ 20 ms`,
        a.status === 200 && a.limitHonoured && a.p50 <= 20,
        a.status !== 200
          ? `answers ${a.status}`
          : a.limitHonoured
            ? `p50 ${fmt(a.p50, 1)} ms`
            : `limit ignored: the whole list (${a.entries} DAGs, ${fmt(a.bytes / 2 ** 20, 1)} MB), p50 ${fmt(a.p50, 1)} ms`,
      ]);
    }
  }
  return list;
}

function checkTable(results) {
  return [
    '| check | result | measured |',
    '| --- | --- | --- |',
    ...checks(results).map(([name, ok, value]) => `| ${name} | ${ok ? 'PASS' : 'FAIL'} | ${value} |`),
  ];
}

/** The figures of a run: setup, the table, notes and the checks (BENCHMARKS.md's generated part). */
export function renderFigures(results) {
  return [
    ...setup(results),
    '',
    ...table(results),
    '',
    ...notes(results),
    '',
    ...fairnessTable(results),
    ...mirrorTables(results),
    ...pastTable(results),
    ...checkTable(results),
  ].join('\n');
}

/** What `npm run bench` prints at the end of a run. */
export function renderRun(results) {
  return [
    `## airflow-status-api benchmark — ${results.finished}`,
    '',
    renderFigures(results),
    '',
    `Reproduce: \`npm ci && npm run build && npm run bench\` (first run creates bench/.venv for the seed's Flask app).`,
    '',
  ].join('\n');
}
