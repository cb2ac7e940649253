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
  // Continuous runs: ceil(duration / TTL) + 1 (the first miss, then one per expiry). Alternating rows:
  // the cache can expire while another target is loaded, so the bound is per slice.
  const callRuns = serviceRows.map((r) => ({ calls: r.airflowCalls, max: r.maxCalls }));
  if (s.memory) callRuns.push({ calls: s.memory.run.calls, max: Math.ceil(s.memory.run.elapsedMs / cfg.ttlMs) + 1 });
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
      `Airflow calls ≤ ~1 per DAG per TTL (${cfg.ttlMs} ms), every service run: calls ≤ ceil(run time / TTL) + 1`,
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
      `SSE fan-out (GET /api/events, ${fan.dags} allowed DAGs): ${fan.streams.toLocaleString('en-US')} streams open, ${fan.changes} state changes of one DAG in the stand-in Airflow, one after the other. From the stand-in's first answer carrying the change (the service's read) to the event in each stream, read by the harness's one process: p50 ${fmt(fan.p50, 1)} ms, p99 ${fmt(fan.p99, 1)} ms, max ${fmt(fan.max, 1)} ms (the last stream, per change: ${fan.lastStreamMs.map((x) => fmt(x, 0)).join(', ')} ms). RSS (median over a TTL) ${fmt(fan.rssBefore, 1)} MB before any stream, ${fmt(fan.rssWithStreams, 1)} MB with the streams open: +${fmt(fan.rssAddedMb, 1)} MB, of which the heap's growth from a burst of 1,000 connections (a first round opened and closed: ${fmt(fan.rssWarm, 1)} MB after it, so +${fmt(fan.rssRetainedMb, 1)} MB held by the open streams themselves); ${fmt(fan.rssEnd, 1)} MB after the changes. Airflow calls meanwhile: ${fan.airflowCalls} in ${fmt(fan.elapsedMs / 1000, 1)} s (bound ${fan.maxCalls}: ${fan.dags} DAGs × one per TTL).`,
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
  return [
    `Fair reads: wrk, ${f.clients} connections, hammers /api/dags/{dagId}/runs?limit=1..100 (random) over ${f.dags} allowed DAGs (${Math.round(f.hammer.rps)} req/s: ${hammer}; ${f.airflowCalls} Airflow calls in ${f.sampleMs / 1000} s) against a stand-in Airflow answering in ${f.rttMs} ms; meanwhile each route is asked one request at a time (${f.sampleMs / 1000} s per phase).`,
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

function checkTable(results) {
  return [
    '| check | result | measured |',
    '| --- | --- | --- |',
    ...checks(results).map(([name, ok, value]) => `| ${name} | ${ok ? 'PASS' : 'FAIL'} | ${value} |`),
  ];
}

/** The figures of a run: setup, the table, notes and the checks (BENCHMARKS.md's generated part). */
export function renderFigures(results) {
  return [...setup(results), '', ...table(results), '', ...notes(results), '', ...fairnessTable(results), ...checkTable(results)].join(
    '\n',
  );
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
