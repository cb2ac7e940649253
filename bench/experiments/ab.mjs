#!/usr/bin/env node
// Side-by-side experiments: every variant is its own service process started from one build (the
// repo's, or a scratch copy whose dist/ you patched to read switches from the environment, or, with
// "AB_DIR" in a variant, another checkout's build: a release against the next one), with
// its own environment and NODE_OPTIONS, plus the bare node:http ceiling, all against one stand-in
// Airflow; the load alternates between them in short slices (ROUNDS rounds × SLICE_S s), so the
// drift of this shared VM's speed hits every variant alike. Prints req/s, ratio to the ceiling,
// latency, server CPU µs/request and RSS.
//
//   node bench/experiments/ab.mjs . '{"defaults":{},"semi4":{"NODE_OPTIONS":"--max-semi-space-size=4"}}'
//   node bench/experiments/ab.mjs /tmp/exp '{"as-built":{},"no-log":{"EXP_NO_LOG":"1"}}'
//   node bench/experiments/ab.mjs . '{"previous":{"AB_DIR":"/tmp/previous-release"},"this":{}}'
//   env: ROUNDS (6), SLICE_S (2; wrk runs whole seconds), WARMUP_S (2), ROUTE (/api/dags/Airflow_Lab2/status)
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from '../lib/measure.mjs';
import { rssMb } from '../lib/proc-stats.mjs';
import { freePort, killAll, killAllOnExit, startListener, track } from '../lib/processes.mjs';

const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.resolve(process.argv[2]);
const variants = JSON.parse(process.argv[3]);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SLICE_S = Number(process.env.SLICE_S ?? 2);
const WARMUP_S = Number(process.env.WARMUP_S ?? 2);
const ROUTE = process.env.ROUTE ?? '/api/dags/Airflow_Lab2/status';
killAllOnExit();

const airflow = await startListener('stand-in Airflow', process.execPath, [path.join(BENCH, 'stand-in-airflow.mjs'), '0']);
const airflowUrl = `http://127.0.0.1:${airflow.port}`;
const services = {};
for (const [name, { AB_DIR, ...env }] of Object.entries(variants)) {
  const port = await freePort();
  const fd = openSync(`/tmp/ab-${name}.log`, 'w');
  const senv = { ...process.env, FLASK_PORT: String(port), HOST: '127.0.0.1', AIRFLOW_WEBSERVER: airflowUrl, ...env };
  if (!env.NODE_OPTIONS) delete senv.NODE_OPTIONS;
  const serviceDir = AB_DIR ? path.resolve(AB_DIR) : dir;
  const c = track(
    spawn(process.execPath, [path.join(serviceDir, 'dist/main.js')], { cwd: serviceDir, env: senv, stdio: ['ignore', fd, fd] }),
    name,
  );
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      if ((await fetch(`${base}/health/live`)).ok) break;
    } catch {
      /* not yet */
    }
    if (c.exitCode !== null) throw new Error(`${name} exited`);
    await sleep(20);
  }
  services[name] = { c, url: `${base}${ROUTE}`, rssStart: rssMb(c.pid) };
}
const body = Buffer.from(await (await fetch(Object.values(services)[0].url)).arrayBuffer());
const ceiling = await startListener('ceiling', process.execPath, [path.join(BENCH, 'ceiling-server.mjs'), '0'], {
  BODY_B64: body.toString('base64'),
});
const targets = [
  { name: 'ceiling', url: `http://127.0.0.1:${ceiling.port}/`, pid: ceiling.child.pid },
  ...Object.entries(services).map(([name, s]) => ({ name, url: s.url, pid: s.c.pid })),
];
for (const t of targets) await runLoad({ url: t.url, duration: WARMUP_S });
for (const s of Object.values(services)) s.rssWarm = rssMb(s.c.pid);
const res = await runLoad({ targets, rounds: ROUNDS, duration: SLICE_S, callsUrl: `${airflowUrl}/__calls` });
const ceil = res.ceiling;
console.log(`${ROUNDS} rounds × ${SLICE_S} s slices per target, 50 connections, route ${ROUTE}`);
console.log('| variant | req/s | × ceiling | p50 ms | p99 ms | errors | server CPU µs/req | RSS start → after warm-up → end MB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const t of targets) {
  const r = res[t.name];
  const s = services[t.name];
  const mem = s ? `${s.rssStart.toFixed(0)} → ${s.rssWarm.toFixed(0)} → ${rssMb(s.c.pid).toFixed(0)}` : '';
  console.log(
    `| ${t.name} | ${Math.round(r.rps)} | ${(r.rps / ceil.rps).toFixed(3)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} | ${((r.cpuSeconds * 1e6) / r.requests).toFixed(0)} | ${mem} |`,
  );
}
killAll();
process.exit(0);
