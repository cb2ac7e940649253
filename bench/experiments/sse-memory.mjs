#!/usr/bin/env node
// Where the memory of open SSE streams goes: the built service (its entry's node flags, plus
// --expose-gc) with 10 allowed DAGs and a probe loaded into it (sse-memory-probe.mjs), 1,000 streams
// on /api/events opened 100 at a time as the bench's fan-out row opens them, and at each phase
// (before any stream, with a first round open, after it closed, with a second round open) the RSS
// median over a TTL as the bench takes it, then process.memoryUsage() and V8's spaces as they are and
// after a full GC (what is live), and the libuv handles. HEAP=1 also writes heap snapshots (idle and
// with streams, after a GC) and prints what the streams added, by constructor, per stream.
//
//   node bench/experiments/sse-memory.mjs [serviceDir]      env: STREAMS (1000), HEAP (0),
//   QUERY (e.g. 'dag_id=Airflow_Lab2': the query of every stream), NOGC (0: a full GC after each phase's RSS; 1: none, as in the bench), SERVICE_ENV ('{"EVENTS_HEARTBEAT_MS":"15000"}'), NODE_FLAGS (on the command line; the entry adds its own), TTL_MS (2000)
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { rssMb, steadyRss } from '../lib/proc-stats.mjs';
import { freePort, killAll, killAllOnExit, stop, track, waitHttp } from '../lib/processes.mjs';
import { DAG_ID, harness } from '../lib/settings.mjs';
import { openStreams } from '../lib/sse.mjs';
import { startStandInAirflow } from '../lib/stand-in.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(process.argv[2] ?? harness.serviceDir);
const STREAMS = Number(process.env.STREAMS ?? 1000);
/** The query of every stream (none: every DAG). */
const QUERY = process.env.QUERY ? `?${process.env.QUERY}` : '';
const TTL_MS = Number(process.env.TTL_MS ?? 2000);
const MB = 1024 * 1024;
const nodeFlags = process.env.NODE_FLAGS !== undefined ? process.env.NODE_FLAGS.split(/\s+/).filter(Boolean) : harness.serviceNodeFlags;
killAllOnExit();

async function main() {
  const airflow = await startStandInAirflow();
  const dagIds = [DAG_ID, ...Array.from({ length: 9 }, (_, i) => `Bench_DAG_${i + 2}`)];
  const port = await freePort();
  const probePort = await freePort();
  const fd = openSync(path.join(os.tmpdir(), 'sse-memory-service.log'), 'w');
  const child = track(
    spawn(process.execPath, [...nodeFlags, '--expose-gc', path.join(dir, 'dist/main.js')], {
      cwd: dir,
      env: {
        ...process.env,
        NODE_OPTIONS: `--import ${path.join(HERE, 'sse-memory-probe.mjs')}`,
        SSE_PROBE_PORT: String(probePort),
        FLASK_PORT: String(port),
        HOST: '127.0.0.1',
        AIRFLOW_WEBSERVER: airflow.url,
        TARGET_DAG_ID: DAG_ID,
        ALLOWED_DAG_IDS: dagIds.join(','),
        STATUS_CACHE_TTL_MS: String(TTL_MS),
        AIRFLOW_AUTH: 'auto',
        ...JSON.parse(process.env.SERVICE_ENV ?? '{}'),
      },
      stdio: ['ignore', fd, fd],
    }),
    'service',
  );
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/health/live`, { child });
  const probe = async (q = '') => (await fetch(`http://127.0.0.1:${probePort}/${q}`)).json();
  await (await fetch(`${base}/api/dags`)).arrayBuffer();
  const rows = [];
  const phase = async (name) => {
    const rss = await steadyRss(child.pid, TTL_MS);
    const raw = await probe();
    // NOGC=1: no forced collection between phases, as in the bench (its heap carries a round's garbage into the next).
    const live = process.env.NOGC === '1' ? raw : await probe('?gc=1');
    const rssAfterGc = rssMb(child.pid);
    rows.push({ name, rss, raw, live, rssAfterGc });
  };
  await phase('before');
  let streams = await openStreams(`${base}/api/events${QUERY}`, STREAMS, dagIds.length);
  await phase('round 1 open');
  for (const s of streams) s.req.destroy();
  await sleep(500);
  await phase('round 1 closed');
  streams = await openStreams(`${base}/api/events${QUERY}`, STREAMS, dagIds.length);
  await phase('round 2 open');
  const f = (x) => (x / MB).toFixed(1).padStart(7);
  console.log(`node ${nodeFlags.join(' ')}; ${STREAMS} streams, ${dagIds.length} DAGs; MB (live = after a full GC)`);
  console.log(
    'phase            rss(med) | heapTotal heapUsed external arrayBuf | live: heapUsed heapTotal external  rss | old new code lo  | malloced | handles',
  );
  for (const r of rows) {
    const m = r.raw.memory;
    const l = r.live.memory;
    const sp = r.live.spaces;
    console.log(
      `${r.name.padEnd(16)} ${r.rss.toFixed(1).padStart(7)} | ${f(m.heapTotal)} ${f(m.heapUsed)} ${f(m.external)} ${f(m.arrayBuffers)} |     ${f(l.heapUsed)} ${f(l.heapTotal)} ${f(l.external)} ${r.rssAfterGc.toFixed(1).padStart(6)} |` +
        ` ${f(sp.old_space.size)} ${f(sp.new_space.size)} ${f(sp.code_space.size)} ${f(sp.large_object_space.size)} | ${f(r.live.malloced)} | ${JSON.stringify(r.live.handles)}`,
    );
  }
  const [before, , closed1, open2] = rows;
  const per = (a, b, key) => ((b.live.memory[key] - a.live.memory[key]) / STREAMS / 1024).toFixed(1);
  console.log(
    `added (round 2 open − before): RSS ${(open2.rss - before.rss).toFixed(1)} MB; retained (round 2 open − round 1 closed): RSS ${(open2.rss - closed1.rss).toFixed(1)} MB;` +
      ` live heap per stream ${per(closed1, open2, 'heapUsed')} kB, external per stream ${per(closed1, open2, 'external')} kB; RSS after GC open2 − closed1 ${(open2.rssAfterGc - closed1.rssAfterGc).toFixed(1)} MB`,
  );
  if (process.env.HEAP === '1') {
    const a = path.join(os.tmpdir(), 'sse-idle.heapsnapshot');
    const b = path.join(os.tmpdir(), 'sse-open.heapsnapshot');
    for (const s of streams) s.req.destroy();
    await sleep(1000);
    await probe('?gc=1');
    await probe(`snapshot?file=${encodeURIComponent(a)}`);
    streams = await openStreams(`${base}/api/events${QUERY}`, STREAMS, dagIds.length);
    await probe('?gc=1');
    await probe(`snapshot?file=${encodeURIComponent(b)}`);
    console.log(`snapshots: ${a} ${b}  (node bench/experiments/heap-diff.mjs ${a} ${b} ${STREAMS})`);
  }
  for (const s of streams) s.req.destroy();
  await stop(child);
  await stop(airflow.child);
}

main()
  .then(() => {
    killAll();
    process.exit(0);
  })
  .catch((error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
