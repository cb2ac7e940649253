import { describe, expect, it } from '@jest/globals';
import type { DagPast, PastRun } from '../mirror/mirror.types.js';
import type { ReliabilityObjective as Objective } from '../config/reliability.config.js';
import { missedRuns, reliabilityOf, schedulePeriod, usualGap, type ReliabilityInputs } from './reliability.rules.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Midnight UTC two days after Europe's spring daylight-saving change (29 March 2026). */
const NOW = Date.UTC(2026, 2, 31);

/** A run due at `due`, started `late` after it and lasting `took`. */
function run(id: string, due: number, state: string, fields: Partial<PastRun> & { late?: number; took?: number } = {}): PastRun {
  const { late = MIN, took = 10 * MIN, ...rest } = fields;
  const finished = state === 'success' || state === 'failed';
  return {
    runId: id,
    runType: 'scheduled',
    state,
    dueAt: due,
    logicalAt: due - DAY,
    startAt: state === 'queued' ? null : due + late,
    endAt: finished ? due + late + took : null,
    ...rest,
  };
}

function past(runs: PastRun[], fields: Partial<DagPast> = {}): DagPast {
  return { dagId: 'd', runs, since: NOW - 30 * DAY, complete: true, revision: 1, ...fields };
}

function figures(runs: PastRun[], fields: Partial<ReliabilityInputs> = {}) {
  return reliabilityOf({
    past: past(runs),
    now: NOW,
    windows: [7 * DAY, 30 * DAY],
    graceMs: 10 * MIN,
    schedule: '@daily',
    objectives: [],
    failedTasks: () => null,
    ...fields,
  });
}

/** `n` daily scheduled runs due at midnight UTC, the newest due `NOW - DAY`, states from `states` (oldest first). */
function daily(states: string[]): PastRun[] {
  return states.map((state, i) => run(`s${i}`, NOW - (states.length - i) * DAY, state));
}

describe('success ratio', () => {
  it('is successful finished runs over finished runs, per window', () => {
    // 30 days: 27 successes, 3 failures (two in the last 7 days).
    const states = Array.from({ length: 30 }, (_, i) => ([5, 25, 27].includes(i) ? 'failed' : 'success'));
    const [week, month] = figures(daily(states)).windows;
    expect(week.runs).toEqual({ finished: 7, succeeded: 5, failed: 2, unfinished: 0, backfills: 0 });
    expect(week.successRatio).toBe(5 / 7);
    expect(month.successRatio).toBe(27 / 30);
    expect(month.failures.count).toBe(3);
  });

  it('leaves running and queued runs out until they end', () => {
    const runs = [...daily(['success', 'failed']), run('r', NOW - HOUR, 'running')];
    const [week] = figures(runs).windows;
    expect(week.runs.unfinished).toBe(1);
    expect(week.successRatio).toBe(0.5);
  });

  it('counts manual runs, by when they were due (triggered)', () => {
    const runs = [...daily(['success']), run('m', NOW - 2 * HOUR, 'failed', { runType: 'manual' })];
    expect(figures(runs).windows[0].successRatio).toBe(0.5);
  });

  it('leaves backfills out of every figure and counts them apart', () => {
    const backfills = [1, 2, 3].map((i) => run(`b${i}`, NOW - i * HOUR, 'failed', { runType: 'backfill' }));
    const [week] = figures([...daily(['success']), ...backfills]).windows;
    expect(week.runs).toEqual({ finished: 1, succeeded: 1, failed: 0, unfinished: 0, backfills: 3 });
    expect(week.successRatio).toBe(1);
    expect(week.failures.count).toBe(0);
    expect(week.recovery.failingSince).toBeNull();
  });

  it('counts a cleared and re-run run once, by its latest attempt', () => {
    // Failed at first, cleared two hours later and succeeded: one success, and late.
    const rerun = run('c', NOW - DAY, 'success', { late: 2 * HOUR });
    const [week] = figures([rerun]).windows;
    expect(week.runs.succeeded).toBe(1);
    expect(week.successRatio).toBe(1);
    expect(week.onTime).toEqual({ onTime: 0, due: 1, missed: 0, ratio: 0 });
  });

  it('is null without a finished run', () => {
    expect(figures([run('r', NOW - HOUR, 'running')]).windows[0].successRatio).toBeNull();
  });
});

describe('on-time ratio', () => {
  it('is scheduled runs started within the grace and succeeded, over scheduled runs due', () => {
    const runs = [
      run('a', NOW - 4 * DAY, 'success', { late: 5 * MIN }),
      run('b', NOW - 3 * DAY, 'success', { late: 10 * MIN }), // at the grace: on time
      run('c', NOW - 2 * DAY, 'success', { late: 11 * MIN }), // past it
      run('d', NOW - DAY, 'failed'),
      run('m', NOW - 12 * HOUR, 'success', { runType: 'manual' }), // not scheduled: not counted
    ];
    const [week] = figures(runs).windows;
    expect(week.onTime).toEqual({ onTime: 2, due: 4, missed: 0, ratio: 0.5 });
  });

  it('waits for a run within its grace, and counts one past it that has not started', () => {
    const runs = [
      ...daily(['success']),
      run('late', NOW - HOUR, 'queued'), // an hour past its grace
      run('going', NOW - 30 * MIN, 'running', { late: MIN }), // started in time, may still succeed
      run('q', NOW - 5 * MIN, 'queued'), // due 5 minutes ago: not decided
    ];
    const [week] = figures(runs).windows;
    expect(week.onTime).toEqual({ onTime: 1, due: 2, missed: 0, ratio: 0.5 });
  });

  it('counts missed runs against it: gaps of the schedule and the periods since the last run', () => {
    // Daily at midnight: runs due 6, 5 and 2 days ago; 4 and 3 days ago never came, nor today's (1 day ago).
    const runs = [6, 5, 2].map((d) => run(`s${d}`, NOW - d * DAY, 'success'));
    const [week] = figures(runs).windows;
    expect(week.onTime).toEqual({ onTime: 3, due: 6, missed: 3, ratio: 0.5 });
  });

  it('infers the period from the runs when the schedule does not say it', () => {
    const runs = [10, 9, 8, 4].map((h) => run(`s${h}`, NOW - h * HOUR, 'success'));
    const result = figures(runs, { schedule: '0 9-17 * * 1-5' });
    expect(result.period).toEqual({ ms: HOUR, source: 'runs' });
    // 7, 6, 5 hours ago between; 3, 2, 1 hours ago after (each past its 10-minute grace).
    expect(result.windows[0].onTime.missed).toBe(6);
  });

  it('infers nothing before the first run of a DAG younger than the window', () => {
    const runs = daily(['success', 'success']);
    const [week, month] = figures(runs).windows;
    expect(month.firstRunAt).toBe(NOW - 2 * DAY);
    expect(month.onTime).toEqual({ onTime: 2, due: 2, missed: 0, ratio: 1 });
    expect(week.firstRunAt).toBe(NOW - 2 * DAY);
  });

  it('is null with OVERDUE_GRACE off', () => {
    expect(figures(daily(['success']), { graceMs: null }).windows[0].onTime).toEqual({ onTime: 0, due: 0, missed: 0, ratio: null });
  });

  it('takes a daylight-saving day in its stride: windows are exact UTC durations, gaps of 23 h are one period', () => {
    // Daily at 02:00 Paris: 01:00 UTC until 29 March, 00:00 UTC from 30 March (the 29th's run fell at 01:00 UTC, a 23-hour gap to the next).
    const dues = [Date.UTC(2026, 2, 27, 1), Date.UTC(2026, 2, 28, 1), Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 2, 30, 0)];
    const runs = dues.map((due, i) => run(`p${i}`, due, 'success'));
    const result = figures(runs, { schedule: '0 2 * * *' });
    const [week] = result.windows;
    expect(week.from).toBe(NOW - 7 * 24 * HOUR);
    expect(week.onTime).toEqual({ onTime: 4, due: 4, missed: 0, ratio: 1 });
    // Today's run (due 31 March 00:00 UTC = NOW) is not yet past its grace.
    expect(missedRuns(runs, DAY, 10 * MIN, NOW, NOW - 7 * DAY)).toEqual([]);
  });
});

describe('time to recovery', () => {
  it('runs from the first failure of an outage to the next success, median and maximum', () => {
    const runs = daily(['success', 'failed', 'failed', 'success', 'failed', 'success', 'failed']);
    // Outage 1: failed run s1 ended at due+11m, s3 succeeded at its due+11m: two days. Outage 2: one day. s6 still failing.
    const [week] = figures(runs).windows;
    expect(week.recovery).toEqual({ count: 2, medianMs: DAY, maxMs: 2 * DAY, failingSince: NOW - DAY + 11 * MIN });
  });

  it('follows the order runs ended in: a success that ended before an overlapping failure did not recover from it', () => {
    // Due an hour apart, the failure took 3 hours: the success due after it ended first, the next one after it.
    const runs = [
      run('f', NOW - 5 * HOUR, 'failed', { took: 3 * HOUR }),
      run('s1', NOW - 4 * HOUR, 'success'),
      run('s2', NOW - HOUR, 'success'),
    ];
    const [week] = figures(runs, { schedule: '@hourly' }).windows;
    // The failure ended at NOW − 2 h + 1 min; s2 at NOW − 1 h + 11 min.
    expect(week.recovery).toEqual({ count: 1, medianMs: HOUR + 10 * MIN, maxMs: HOUR + 10 * MIN, failingSince: null });
  });

  it('counts an outage in the window where it ended', () => {
    const runs = [run('f', NOW - 10 * DAY, 'failed'), run('s', NOW - 6 * DAY, 'success')];
    const [week, month] = figures(runs).windows;
    expect(week.recovery).toEqual({ count: 1, medianMs: 4 * DAY, maxMs: 4 * DAY, failingSince: null });
    expect(month.recovery.count).toBe(1);
  });
});

describe('duration', () => {
  it('is the median and 95th percentile (nearest rank) of successful runs', () => {
    const took = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200];
    const runs = took.map((m, i) => run(`s${i}`, NOW - (20 - i) * HOUR, 'success', { took: m * MIN }));
    runs.push(run('f', NOW - 30 * MIN, 'failed', { took: 999 * MIN }));
    const [week] = figures(runs, { schedule: '@hourly' }).windows;
    expect(week.duration.count).toBe(20);
    expect(week.duration.medianMs).toBe(100 * MIN);
    expect(week.duration.p95Ms).toBe(190 * MIN);
    expect(week.duration.series).toEqual(took.map((m) => m * MIN));
  });

  it('trends the last 7 days against the 30 before them', () => {
    const before = [10, 12, 14].map((m, i) => run(`b${i}`, NOW - (20 + i) * DAY, 'success', { took: m * MIN }));
    const recent = [15, 15, 16].map((m, i) => run(`r${i}`, NOW - (3 - i) * DAY, 'success', { took: m * MIN }));
    const trend = figures([...before, ...recent]).trend;
    expect(trend).toEqual({ recentMedianMs: 15 * MIN, beforeMedianMs: 12 * MIN, change: 0.25 });
  });

  it('has no trend with fewer than 3 successes on a side', () => {
    expect(figures(daily(['success', 'success', 'success'])).trend.change).toBeNull();
  });
});

describe('failures', () => {
  it('lists failed runs newest first with their failed tasks when looked up', () => {
    const runs = daily(['failed', 'success', 'failed']);
    const tasks = [{ taskId: 't', state: 'failed', logUrl: 'http://airflow/log' }];
    const [week] = figures(runs, { failedTasks: (id) => (id === 's2' ? tasks : null) }).windows;
    expect(week.failures).toEqual({
      count: 2,
      listed: [
        { runId: 's2', at: NOW - DAY + 11 * MIN, failedTasks: tasks },
        { runId: 's0', at: NOW - 3 * DAY + 11 * MIN, failedTasks: null },
      ],
    });
  });
});

describe('objectives', () => {
  const success99: Objective = { metric: 'success', target: 0.99, windowMs: 30 * DAY };

  it('shows the error budget left', () => {
    // 100 hourly runs, one failed long ago: 99 % allows one in 100.
    const runs = Array.from({ length: 100 }, (_, i) => run(`h${i}`, NOW - (100 - i) * HOUR, i === 0 ? 'failed' : 'success'));
    const [objective] = figures(runs, { objectives: [success99], schedule: '@hourly' }).objectives;
    expect(objective).toMatchObject({ good: 99, total: 100, fastBurn: false });
    expect(objective.budgetLeft).toBeCloseTo(0, 10);
  });

  it('burns fast when both lookbacks spend 14.4 times the allowed rate, and stops at the next success', () => {
    // 200 hourly runs, the newest 3 failed, against 99.5 %: over the long lookback (1 day: 24 runs, 3 bad)
    // 12.5 % / 0.5 % = 25x; over the short one (2 hours: 2 runs, both bad) 200x.
    const runs = Array.from({ length: 200 }, (_, i) => run(`h${i}`, NOW - (200 - i) * HOUR, i >= 197 ? 'failed' : 'success'));
    const strict: Objective = { metric: 'success', target: 0.995, windowMs: 30 * DAY };
    const [burning] = figures(runs, { objectives: [strict], schedule: '@hourly' }).objectives;
    expect(burning.burn.long).toBeCloseTo(25, 10);
    expect(burning.burn.short).toBeCloseTo(200, 10);
    expect(burning.fastBurn).toBe(true);
    expect(burning.budgetLeft).toBeCloseTo(1 - 3 / (0.005 * 200), 10);

    const recovered = [...runs, run('ok', NOW - 10 * MIN, 'success', { late: 0, took: MIN })];
    const [after] = figures(recovered, { objectives: [strict], schedule: '@hourly', now: NOW + 3 * HOUR }).objectives;
    // No event in the last 2 hours: the newest event alone (a success) is the short lookback.
    expect(after.burn.short).toBe(0);
    expect(after.fastBurn).toBe(false);
  });

  it('counts on-time objectives over scheduled runs, missed ones included', () => {
    const runs = [6, 5, 2].map((d) => run(`s${d}`, NOW - d * DAY, 'success'));
    const [objective] = figures(runs, { objectives: [{ metric: 'on_time', target: 0.9, windowMs: 7 * DAY }] }).objectives;
    expect(objective).toMatchObject({ good: 3, total: 6 });
    expect(objective.budgetLeft).toBeCloseTo(1 - 3 / 0.6, 10);
  });
});

describe('schedulePeriod', () => {
  it.each([
    ['@hourly', HOUR],
    ['@daily', DAY],
    ['@weekly', 7 * DAY],
    ['1:00:00', HOUR],
    ['0:15:00', 15 * MIN],
    ['1 day, 0:00:00', DAY],
    ['2 days, 12:00:00', 2.5 * DAY],
    ['5 * * * *', HOUR],
    ['*/15 * * * *', 15 * MIN],
    ['30 2 * * *', DAY],
    ['0 */6 * * *', 6 * HOUR],
    ['0 8 * * 1', 7 * DAY],
    ['0 8 * * mon', 7 * DAY],
    ['0 9-17 * * 1-5', null],
    ['0 0 1 * *', null],
    ['*/7 * * * *', null],
    ['@monthly', null],
    ['Asset', null],
    [null, null],
  ])('%s: %s', (schedule, expected) => {
    expect(schedulePeriod(schedule)).toBe(expected);
  });
});

describe('usualGap', () => {
  it('is the median gap of scheduled runs, with at least three', () => {
    const runs = [0, 2, 3, 4, 6].map((h) => run(`s${h}`, NOW + h * HOUR, 'success'));
    expect(usualGap(runs)).toBe(HOUR);
    expect(usualGap(runs.slice(0, 2))).toBeNull();
  });
});
