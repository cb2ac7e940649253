import { TREND_BEFORE_MS, TREND_RECENT_MS, type ReliabilityObjective as Objective } from '../config/reliability.config.js';
import { DAY, HOUR, MINUTE } from '../common/time-format.js';
import type { DagPast, FailedTask, PastRun } from '../mirror/mirror.types.js';
import type { ObjectiveFigures, Reliability, Trend, WindowFigures } from './reliability.types.js';

/*
 * Issue 20's figures, as pure functions of a DAG's past (the mirror's DagPast), the time and the
 * settings. The exact rules, and each edge case's decision, are in README "Reliability"; the unit tests
 * (reliability.rules.spec.ts) pin every one to exact figures over fixed histories.
 */

/** Successes needed on each side before a median duration means anything. */
const MIN_TREND_RUNS = 3;
/** Scheduled runs whose gaps give the usual period when the schedule does not. */
const MIN_GAP_RUNS = 3;
/** Failures listed per window (the count is exact): a page, not a history dump. */
const FAILURES_LISTED = 20;

/** When a run happened, for window membership and order: when it was due, else its logical date, else its start. */
function runTime(run: PastRun): number | null {
  return run.dueAt ?? run.logicalAt ?? run.startAt;
}

/** Backfills re-process old intervals on an operator's order: they say nothing of how the pipeline serves. */
function counts(run: PastRun): boolean {
  return run.runType !== 'backfill';
}

/** Runs made by the DAG's time schedule: the only ones that can be late or missed. */
function isScheduled(run: PastRun): boolean {
  return run.runType === 'scheduled';
}

function isFinished(run: PastRun): boolean {
  return run.state === 'success' || run.state === 'failed';
}

/** The p-th percentile by nearest rank (p50 of an even count is the lower middle), as running_long's usual duration is. */
function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

function durationOf(run: PastRun): number | null {
  if (run.state !== 'success' || run.startAt === null || run.endAt === null || run.endAt < run.startAt) return null;
  return run.endAt - run.startAt;
}

/**
 * The period between scheduled runs from Airflow's schedule summary, where it says one plainly: a
 * preset (@hourly, @daily, @weekly), a timedelta (`1:00:00`, `1 day, 0:00:00`), or a cron whose
 * fields make a fixed period (`M * * * *`, `*\/N * * * *`, `M H * * *`, `M *\/N * * *`, `M H * * D`).
 * Null for anything else (monthly, lists, assets, none): then the runs' usual gap is used.
 */
export function schedulePeriod(schedule: string | null): number | null {
  const summary = schedule?.trim().toLowerCase() ?? '';
  const presets: Record<string, number> = { '@hourly': HOUR, '@daily': DAY, '@midnight': DAY, '@weekly': 7 * DAY };
  if (Object.hasOwn(presets, summary)) return presets[summary];
  const delta = /^(?:(\d+) days?, )?(\d{1,2}):(\d{2}):(\d{2})$/.exec(summary);
  if (delta !== null) {
    const ms = Number(delta[1] ?? 0) * DAY + Number(delta[2]) * HOUR + Number(delta[3]) * MINUTE + Number(delta[4]) * 1000;
    return ms > 0 ? ms : null;
  }
  const fields = summary.split(/\s+/);
  if (fields.length !== 5 || fields[2] !== '*' || fields[3] !== '*') return null;
  const [minute, hour, , , weekday] = fields;
  const fixed = (field: string) => /^\d{1,2}$/.test(field);
  const step = (field: string, of: number) => {
    const match = /^\*\/(\d{1,2})$/.exec(field);
    const n = match === null ? NaN : Number(match[1]);
    return n > 0 && of % n === 0 ? n : null;
  };
  if (weekday === '*') {
    if (hour === '*' && fixed(minute)) return HOUR;
    if (hour === '*' && step(minute, 60) !== null) return step(minute, 60)! * MINUTE;
    if (fixed(minute) && fixed(hour)) return DAY;
    if (fixed(minute) && step(hour, 24) !== null) return step(hour, 24)! * HOUR;
    return null;
  }
  return fixed(minute) && fixed(hour) && /^[0-6]$|^(sun|mon|tue|wed|thu|fri|sat)$/.test(weekday) ? 7 * DAY : null;
}

function scheduledDues(runs: readonly PastRun[]): number[] {
  return runs
    .filter((run) => isScheduled(run) && run.dueAt !== null)
    .map((run) => run.dueAt!)
    .sort((a, b) => a - b);
}

/** The median gap between consecutive scheduled runs' due times, when there are enough of them. */
export function usualGap(runs: readonly PastRun[]): number | null {
  const dues = scheduledDues(runs);
  if (dues.length < MIN_GAP_RUNS) return null;
  const gaps = dues
    .slice(1)
    .map((due, i) => due - dues[i])
    .filter((gap) => gap > 0)
    .sort((a, b) => a - b);
  return nearestRank(gaps, 0.5);
}

/**
 * Due times of scheduled runs that never came, in [from, to): stepping by `period` from each scheduled
 * run's due time, a gap to the next of about n periods (rounded, so a daylight-saving day's 23 or 25
 * hours is still one) hides n − 1 missed runs; after the newest, every period whose due time plus the
 * grace has passed by `now` is one. Nothing is inferred before the first scheduled run kept: a DAG
 * younger than the window missed nothing before it existed.
 */
export function missedRuns(runs: readonly PastRun[], period: number | null, graceMs: number, now: number, from: number): number[] {
  if (period === null) return [];
  const dues = scheduledDues(runs);
  const missed: number[] = [];
  const add = (due: number) => {
    if (due >= from && due < now) missed.push(due);
  };
  for (let i = 0; i < dues.length; i++) {
    const next = i + 1 < dues.length ? dues[i + 1] : null;
    const steps = next === null ? Math.floor((now - graceMs - dues[i]) / period) : Math.round((next - dues[i]) / period) - 1;
    for (let k = 1; k <= steps; k++) add(dues[i] + k * period);
  }
  return missed;
}

/** One event an objective counts: a finished run (success) or a decided scheduled run (on time). */
interface Event {
  readonly at: number;
  readonly good: boolean;
}

export interface ReliabilityInputs {
  readonly past: DagPast;
  readonly now: number;
  readonly windows: readonly number[];
  /** The DAG's OVERDUE_GRACE (ms), null when off. */
  readonly graceMs: number | null;
  /** Airflow's schedule summary of the DAG, null when unknown. */
  readonly schedule: string | null;
  readonly objectives: readonly Objective[];
  readonly failedTasks: (runId: string) => readonly FailedTask[] | null;
}

/**
 * The SRE workbook's fast-burn page (14.4× over 1 h and 5 m of a 30-day window) scaled to any window
 * and to pipelines' sparse events: the long lookback is window / 30, the short one long / 12 (or, when
 * no event falls in it, the newest event alone, so that one good run ends the alert).
 */
const FAST_BURN_RATE = 14.4;
const LONG_LOOKBACK_SHARE = 1 / 30;
const SHORT_LOOKBACK_SHARE = 1 / 12;

/** Whether a scheduled run started within the grace of its due time and succeeded. */
function isOnTime(run: PastRun, graceMs: number): boolean {
  return run.state === 'success' && run.dueAt !== null && run.startAt !== null && run.startAt <= run.dueAt + graceMs;
}

/** A scheduled run's on-time outcome: decided once it finished, or once its grace passed without its start. */
function onTimeEvents(runs: readonly PastRun[], missed: readonly number[], graceMs: number, now: number): Event[] {
  const events: Event[] = [];
  for (const run of runs) {
    if (!isScheduled(run) || run.dueAt === null) continue;
    const good = isOnTime(run, graceMs);
    // A running run that started in time may still succeed: undecided until it ends.
    const decided = isFinished(run) || (run.startAt === null ? run.dueAt + graceMs <= now : run.startAt > run.dueAt + graceMs);
    if (decided) events.push({ at: run.dueAt, good });
  }
  for (const due of missed) events.push({ at: due, good: false });
  return events.sort((a, b) => a.at - b.at);
}

function successEvents(runs: readonly PastRun[]): Event[] {
  return runs.filter(isFinished).map((run) => ({ at: runTime(run)!, good: run.state === 'success' }));
}

function inWindow(at: number | null, from: number, now: number): boolean {
  return at !== null && at >= from && at < now;
}

/**
 * Outages: from a run's failure (its end) to the next success's end, consecutive failures being one. In
 * the order runs ended, not were due: runs that overlap (max_active_runs above 1) may end out of order,
 * and a success that ended before a failure did not recover from it.
 */
function outages(runs: readonly PastRun[]): { since: number; until: number | null }[] {
  const found: { since: number; until: number | null }[] = [];
  let open: number | null = null;
  const ended = runs
    .filter(isFinished)
    .map((run) => ({ state: run.state, at: run.endAt ?? run.startAt ?? runTime(run)! }))
    .sort((a, b) => a.at - b.at);
  for (const { state, at } of ended) {
    if (state === 'failed' && open === null) open = at;
    if (state === 'success' && open !== null) {
      found.push({ since: open, until: at });
      open = null;
    }
  }
  if (open !== null) found.push({ since: open, until: null });
  return found;
}

function windowFigures(inputs: ReliabilityInputs, windowMs: number, runs: readonly PastRun[], missed: readonly number[]): WindowFigures {
  const { past, now } = inputs;
  const from = now - windowMs;
  const all = past.runs.filter((run) => inWindow(runTime(run), from, now));
  const mine = all.filter(counts);
  const finished = mine.filter(isFinished);
  const succeeded = finished.filter((run) => run.state === 'success');
  const failed = finished.filter((run) => run.state === 'failed');
  const first = runs.length === 0 ? null : runTime(runs[0]);

  const missedHere = missed.filter((due) => due >= from);
  const graceMs = inputs.graceMs;
  const dueEvents = graceMs === null ? [] : onTimeEvents(mine, missedHere, graceMs, now);
  const onTime = dueEvents.filter((event) => event.good).length;

  const spans = outages(runs);
  const recovered = spans
    .filter((span) => inWindow(span.until, from, now))
    .map((span) => span.until! - span.since)
    .sort((a, b) => a - b);
  const openSpan = spans.at(-1)?.until === null ? spans.at(-1)!.since : null;

  const durations = succeeded.map(durationOf).filter((ms): ms is number => ms !== null);
  const sorted = [...durations].sort((a, b) => a - b);

  const failures = failed
    .map((run) => ({ runId: run.runId, at: run.endAt ?? run.startAt ?? runTime(run)!, failedTasks: inputs.failedTasks(run.runId) }))
    .reverse()
    .slice(0, FAILURES_LISTED);

  return {
    windowMs,
    from,
    complete: past.complete && past.since <= from,
    firstRunAt: first !== null && first > from ? first : null,
    runs: {
      finished: finished.length,
      succeeded: succeeded.length,
      failed: failed.length,
      unfinished: mine.length - finished.length,
      backfills: all.length - mine.length,
    },
    successRatio: finished.length === 0 ? null : succeeded.length / finished.length,
    onTime: {
      onTime,
      due: dueEvents.length,
      missed: graceMs === null ? 0 : missedHere.length,
      ratio: dueEvents.length === 0 ? null : onTime / dueEvents.length,
    },
    recovery: {
      count: recovered.length,
      medianMs: nearestRank(recovered, 0.5),
      maxMs: recovered.at(-1) ?? null,
      failingSince: openSpan,
    },
    duration: { count: sorted.length, medianMs: nearestRank(sorted, 0.5), p95Ms: nearestRank(sorted, 0.95), series: durations },
    failures: { count: failed.length, listed: failures },
  };
}

function trendOf(runs: readonly PastRun[], now: number): Trend {
  const medianBetween = (from: number, to: number) => {
    const durations = runs
      .filter((run) => inWindow(runTime(run), from, to))
      .map(durationOf)
      .filter((ms): ms is number => ms !== null)
      .sort((a, b) => a - b);
    return durations.length < MIN_TREND_RUNS ? null : nearestRank(durations, 0.5);
  };
  const recent = medianBetween(now - TREND_RECENT_MS, now);
  const before = medianBetween(now - TREND_RECENT_MS - TREND_BEFORE_MS, now - TREND_RECENT_MS);
  return {
    recentMedianMs: recent,
    beforeMedianMs: before,
    change: recent === null || before === null || before === 0 ? null : recent / before - 1,
  };
}

function burnOver(events: readonly Event[], target: number): number | null {
  if (events.length === 0) return null;
  return events.filter((event) => !event.good).length / events.length / (1 - target);
}

function objectiveFigures(objective: Objective, events: readonly Event[], now: number): ObjectiveFigures {
  const windowed = events.filter((event) => inWindow(event.at, now - objective.windowMs, now));
  const good = windowed.filter((event) => event.good).length;
  const total = windowed.length;
  const allowed = (1 - objective.target) * total;
  const long = objective.windowMs * LONG_LOOKBACK_SHARE;
  const longEvents = windowed.filter((event) => event.at >= now - long);
  const shortEvents = windowed.filter((event) => event.at >= now - long * SHORT_LOOKBACK_SHARE);
  const burn = {
    long: burnOver(longEvents, objective.target),
    short: burnOver(shortEvents.length > 0 ? shortEvents : windowed.slice(-1), objective.target),
  };
  return {
    ...objective,
    good,
    total,
    budgetLeft: total === 0 ? null : 1 - (total - good) / allowed,
    burn,
    fastBurn: burn.long !== null && burn.short !== null && burn.long >= FAST_BURN_RATE && burn.short >= FAST_BURN_RATE,
  };
}

/** Every figure of one DAG at `now`. */
export function reliabilityOf(inputs: ReliabilityInputs): Reliability {
  const { past, now } = inputs;
  const runs = past.runs.filter((run) => counts(run) && runTime(run) !== null);
  const fromSchedule = schedulePeriod(inputs.schedule);
  const period = fromSchedule ?? usualGap(runs);
  const longest = Math.max(...inputs.windows, ...inputs.objectives.map((o) => o.windowMs));
  const missed = inputs.graceMs === null ? [] : missedRuns(runs, period, inputs.graceMs, now, now - longest);
  const windows = inputs.windows.map((windowMs) => windowFigures(inputs, windowMs, runs, missed));
  const onTimeAll = inputs.graceMs === null ? [] : onTimeEvents(runs, missed, inputs.graceMs, now);
  const objectives = inputs.objectives.map((objective) =>
    objectiveFigures(objective, objective.metric === 'success' ? successEvents(runs) : onTimeAll, now),
  );
  return {
    dagId: past.dagId,
    at: now,
    revision: past.revision,
    windows,
    trend: trendOf(runs, now),
    objectives,
    period: { ms: period, source: fromSchedule !== null ? 'schedule' : period !== null ? 'runs' : null },
  };
}
