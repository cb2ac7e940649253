// Measured rows: wrk runs driven by bench/load.mjs in its own process, with the server's CPU time
// and the stand-in Airflow's calls counted around them.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { callBudget } from './budget.mjs';
import { cpuSeconds } from './proc-stats.mjs';
import { track } from './processes.mjs';
import { BENCH, settings } from './settings.mjs';
import { callsBetween, total } from './stand-in.mjs';

/** One bench/load.mjs run (options: see that file); resolves to its JSON answer. */
export function runLoad(opts) {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [path.join(BENCH, 'load.mjs'), JSON.stringify(opts)], {
        stdio: ['ignore', 'pipe', 'inherit'],
        detached: true,
      }),
      'load',
      { group: true },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`bench/load.mjs exited ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Load on one URL (or the routes of a wrk `script`) at the configured connections, for `duration` seconds or `amount` requests. */
export function load(url, { duration, amount, connections = settings.connections, script } = {}) {
  return runLoad({ url, connections, duration, amount, script });
}

/** wrk counts non-2xx/3xx answers but not which status: one request after the row checks it is the expected one. */
async function unexpectedStatus(url, expect) {
  if (!expect) return null;
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  return res.status === expect ? null : `answers ${res.status}, expected ${expect}`;
}

/** The server's own CPU: share of one core, and CPU time per request. */
const cpuFigures = (cpu, result) => ({ cpuShare: cpu / result.seconds, cpuUsPerRequest: (cpu * 1e6) / result.requests });

/**
 * Warm-up, then a measured run of `settings.durationS`; Airflow calls of the target's own client
 * (`client`: its prefix at the stand-in; null = every call) counted over the measured run only,
 * against the mirror's budget (`budget`: callBudget's options, e.g. the DAGs it lists).
 * `target`: {id, label, url, note?, expect?, pid, client?, budget?}.
 */
export async function measure(airflow, target) {
  const { durationS, warmupS } = settings;
  process.stderr.write(`• ${target.label}: ${warmupS} s warm-up + ${durationS} s… `);
  if (warmupS > 0) await load(target.url, { duration: warmupS });
  const before = await airflow.callsByLabel(target.client ?? null);
  const cpuBefore = cpuSeconds(target.pid);
  const result = await load(target.url, { duration: durationS });
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  const byLabel = callsBetween(before, await airflow.callsByLabel(target.client ?? null));
  const calls = total(byLabel);
  const unexpected = await unexpectedStatus(target.url, target.expect);
  const maxCalls = callBudget(durationS * 1000, target.budget);
  const row = {
    id: target.id,
    label: target.label,
    url: target.url,
    note: target.note,
    ...result,
    airflowCalls: calls,
    airflowCallsByLabel: byLabel,
    unexpected,
    ...cpuFigures(cpu, result),
    maxCalls,
  };
  process.stderr.write(`${Math.round(result.rps)} req/s, p99 ${result.p99?.toFixed(2)} ms, ${calls} Airflow calls\n`);
  return row;
}

/**
 * Several targets measured in alternating slices (`rounds` rounds of `sliceS` s each, target after
 * target), after a warm-up of each: the machine's speed drifts (a shared VM), and alternating makes
 * the drift hit every target alike, so their ratios hold. Each target totals about `durationS`.
 * A target's Airflow calls are those of its `client` made during its own slices (none without one).
 */
export async function measureAlternating(airflow, targets) {
  const { warmupS, rounds, sliceS, connections } = settings;
  process.stderr.write(
    `• ${targets.map((t) => t.label).join(' | ')}: ${warmupS} s warm-up each, then ${rounds} rounds of ${sliceS} s slices… `,
  );
  for (const t of targets) if (warmupS > 0) await load(t.url, { duration: warmupS });
  const results = await runLoad({
    targets: targets.map((t, i) => ({
      name: String(i),
      url: t.url,
      pid: t.pid,
      callsUrl: t.client ? airflow.clientCallsUrl(t.client) : null,
    })),
    rounds,
    duration: sliceS,
    connections,
  });
  const rows = [];
  for (const [i, t] of targets.entries()) {
    const r = results[String(i)];
    const unexpected = await unexpectedStatus(t.url, t.expect);
    // Counted during the target's own slices only: the bound is per slice.
    const maxCalls = callBudget(sliceS * 1000, { ...t.budget, slices: rounds });
    rows.push({
      id: t.id,
      label: t.label,
      url: t.url,
      note: t.note,
      ...r,
      unexpected,
      ...cpuFigures(r.cpuSeconds, r),
      maxCalls,
      alternating: true,
    });
  }
  process.stderr.write(`${rows.map((r) => Math.round(r.rps)).join(' | ')} req/s\n`);
  return rows;
}
