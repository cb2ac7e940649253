#!/usr/bin/env node
// npm run bench: the ceiling (bare node:http), this service and the seed's Flask design, side by side,
// under one load generator (wrk, in its own process; installed with apt-get when missing and run as
// root), against a stand-in Airflow that counts calls. Each scenario (bench/scenarios/) returns its
// figures; the run writes them as one JSON file (bench/results/latest.json for a full run) and prints
// the markdown table and target checks made from it (bench/lib/report.mjs; `npm run bench:report`
// puts the same into BENCHMARKS.md). A benchmark, not a test: it exits 0 even when a target fails,
// 1 when the harness itself breaks, 2 when the seed's Flask app could not be set up.
// Needs `npm run build` first. Knobs: bench/lib/settings.mjs and BENCHMARKS.md ("Reproduce").
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureWrk, machine } from './lib/machine.mjs';
import { killAll, killAllOnExit, stop } from './lib/processes.mjs';
import { renderRun } from './lib/report.mjs';
import { startService } from './lib/service.mjs';
import { harness, settings, want } from './lib/settings.mjs';
import { startStandInAirflow } from './lib/stand-in.mjs';
import { measureCachedStatus } from './scenarios/cached-status.mjs';
import { measureFairness } from './scenarios/fairness.mjs';
import { measureMemory } from './scenarios/memory.mjs';
import { measureMirror } from './scenarios/mirror.mjs';
import { measureMixed } from './scenarios/mixed.mjs';
import { measureOverview } from './scenarios/overview.mjs';
import { measurePast } from './scenarios/past.mjs';
import { measureRoutes } from './scenarios/routes.mjs';
import { measureSeed } from './scenarios/seed.mjs';
import { measureStarts } from './scenarios/starts.mjs';

/** Runs the scenarios in order (the starts first, before anything loads the machine); resolves to their figures. */
async function runScenarios(ctx) {
  const scenarios = {};
  if (want('starts')) scenarios.starts = await measureStarts(ctx);
  // One service at the default LOG_LEVEL (log) serves the cached status, memory and routes scenarios.
  ctx.service = await startService(ctx, 'log');
  ctx.serviceNodeFlags = ctx.service.nodeFlags;
  scenarios.cached = await measureCachedStatus(ctx);
  if (want('memory')) scenarios.memory = await measureMemory(ctx);
  scenarios.routes = await measureRoutes(ctx);
  await stop(ctx.service.child);
  if (want('mixed')) scenarios.mixed = await measureMixed(ctx);
  // Its own service, with 10 allowed DAGs: the overview's rows and the SSE fan-out.
  if (want('dags') || want('api-dags') || want('fanout')) scenarios.overview = await measureOverview(ctx);
  if (want('fairness')) scenarios.fairness = await measureFairness(ctx);
  // Stand-ins of its own with 1,000 and 5,000 DAGs, each watched whole (issue #17's figures).
  if (want('mirror')) scenarios.mirror = await measureMirror(ctx);
  if (want('past')) scenarios.past = await measurePast(ctx);
  if (want('seed') && !settings.skipSeed) scenarios.seed = await measureSeed(ctx);
  return scenarios;
}

function writeResults(results, workDir) {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(path.join(workDir, 'result.json'), text);
  process.stderr.write(`raw results: ${path.join(workDir, 'result.json')}\n`);
  if (harness.resultsFile) {
    mkdirSync(path.dirname(harness.resultsFile), { recursive: true });
    writeFileSync(harness.resultsFile, text);
    process.stderr.write(`results: ${harness.resultsFile} (npm run bench:report puts them into BENCHMARKS.md)\n`);
  }
}

async function main() {
  if (!existsSync(path.join(harness.serviceDir, 'dist/main.js')))
    throw new Error(`${harness.serviceDir}/dist/main.js is missing: run \`npm run build\` first`);
  ensureWrk();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'airflow-status-bench-'));
  const m = machine();
  const results = {
    schema: 1,
    started: new Date().toISOString(),
    settings: { ...settings, serviceNodeFlags: harness.serviceNodeFlags, serviceNodeOptions: harness.serviceNodeOptions || null },
    machine: m,
    loadAverage: { before: os.loadavg() },
  };
  process.stderr.write(
    `bench: ${m.nproc} cores, ${m.cpu}, node ${m.node}; load generator wrk ${m.wrk}; load average ${results.loadAverage.before.map((x) => x.toFixed(2)).join(' ')}; logs in ${workDir}\n`,
  );

  const airflow = await startStandInAirflow();
  const ctx = { airflow, airflowUrl: airflow.url, workDir };
  results.scenarios = await runScenarios(ctx);
  // The flags the service ran with, as its process showed them, rather than those it was given.
  results.settings.serviceNodeFlags = ctx.serviceNodeFlags;
  // Every client's calls (a service's label, '' for the seed's app) by label, for the record.
  results.airflowCallsByClient = await (await fetch(`${airflow.callsUrl}?by=client`)).json();
  await stop(airflow.child);
  results.loadAverage.after = os.loadavg();
  results.finished = new Date().toISOString();

  writeResults(results, workDir);
  process.stdout.write(renderRun(results));
  return results.scenarios.seed?.error ? 2 : 0;
}

killAllOnExit();
main()
  .then((code) => {
    killAll();
    process.exit(code);
  })
  .catch((error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
    killAll();
    process.exit(1);
  });
