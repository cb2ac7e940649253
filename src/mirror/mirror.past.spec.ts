import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { DagRun } from '../airflow/airflow.types.js';
import { configOf } from '../config/config.fixtures.js';
import { MAX_PAST_RUNS, MirrorPast, PAST_FAILED_RUNS, PastColumns } from './mirror.past.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Now, on the hour: the window is the 30 days before it. */
const NOW = Date.UTC(2026, 11, 3, 12);

/** Airflow's time text as Airflow 3 writes it. */
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
/** As Python's isoformat() writes it in a run id. */
const pyIso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', '+00:00');

/** An hourly scheduled run due `hoursAgo` hours before NOW (logical date an hour before), as Airflow 3 lists it. */
function hourly(hoursAgo: number, state = 'success', fields: Partial<DagRun> = {}): DagRun {
  const due = NOW - hoursAgo * HOUR;
  return {
    dagId: 'etl',
    runId: `scheduled__${pyIso(due - HOUR)}`,
    state,
    logicalDate: iso(due - HOUR),
    runAfter: iso(due),
    startDate: state === 'queued' ? null : iso(due + 5_000),
    endDate: state === 'success' || state === 'failed' ? iso(due + 65_000) : null,
    note: null,
    runType: 'scheduled',
    ...fields,
  };
}

/** Pages of `runs` (newest first) as MirrorSync reads them: `size` each, each repeating the last of the one before. */
function pages(runs: DagRun[], size: number): Array<{ items: DagRun[]; next: number | null }> {
  const newest = [...runs].sort((a, b) => Date.parse(b.runAfter!) - Date.parse(a.runAfter!));
  const out: Array<{ items: DagRun[]; next: number | null }> = [];
  for (let offset = 0; ; offset += size - 1) {
    const items = newest.slice(offset, offset + size);
    out.push({ items, next: items.length >= size ? offset + size - 1 : null });
    if (items.length < size) return out;
  }
}

function newPast(windows = [7 * DAY, 30 * DAY]): MirrorPast {
  return new MirrorPast(configOf({ reliability: { windows, keepMs: Math.max(...windows) } }));
}

/** Reads the whole past of `etl` from `runs` in pages of `size`. */
function load(past: MirrorPast, runs: DagRun[], size = 100): void {
  for (const page of pages(runs, size)) {
    past.beginPage('etl', Date.now());
    past.setPage('etl', page.items, page.next);
  }
}

const states = (past: MirrorPast): string[] => past.past('etl')?.runs.map((run) => `${run.runId}:${run.state}`) ?? [];

describe('MirrorPast', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('keeps the longest of RELIABILITY_WINDOWS', () => {
    expect(newPast().windowMs).toBe(30 * DAY);
  });

  it('shows nothing before its first page, and asks for the window newest first from offset 0', () => {
    const past = newPast();
    expect(past.past('etl')).toBeNull();
    expect(past.needsRead('etl', NOW)).toBe(true);
    expect(past.beginPage('etl', NOW)).toEqual({ since: new Date(NOW - 30 * DAY).toISOString(), offset: 0 });
    // One page at a time per DAG.
    expect(past.needsRead('etl', NOW)).toBe(false);
  });

  it('reads the window in pages: oldest first, each run once, `since` moving back until the last page', () => {
    const past = newPast();
    const runs = Array.from({ length: 10 }, (_, i) => hourly(i));
    const [first, second, ...rest] = pages(runs, 4);
    past.beginPage('etl', NOW);
    expect(past.setPage('etl', first.items, first.next)).toBe(true);
    let seen = past.past('etl')!;
    expect(seen.complete).toBe(false);
    expect(seen.runs.map((run) => run.dueAt)).toEqual([3, 2, 1, 0].map((h) => NOW - h * HOUR));
    // No run is missing after the oldest read (a run due at the same time may be on the next page).
    expect(seen.since).toBe(NOW - 3 * HOUR + 1);
    expect(past.beginPage('etl', NOW).offset).toBe(3);
    past.setPage('etl', second.items, second.next);
    seen = past.past('etl')!;
    expect(seen.since).toBe(NOW - 6 * HOUR + 1);
    for (const page of rest) {
      past.beginPage('etl', NOW);
      expect(past.setPage('etl', page.items, page.next)).toBe(page.next !== null);
    }
    seen = past.past('etl')!;
    expect(seen.complete).toBe(true);
    expect(seen.since).toBe(NOW - 30 * DAY);
    expect(seen.runs.map((run) => run.dueAt)).toEqual(runs.map((run) => Date.parse(run.runAfter!)).reverse());
    expect(past.needsRead('etl', NOW)).toBe(false);
  });

  it('gives each run its id, type, state and times as epoch ms', () => {
    const past = newPast();
    load(past, [hourly(1, 'failed')]);
    expect(past.past('etl')!.runs).toEqual([
      {
        runId: `scheduled__${pyIso(NOW - 2 * HOUR)}`,
        runType: 'scheduled',
        state: 'failed',
        dueAt: NOW - HOUR,
        logicalAt: NOW - 2 * HOUR,
        startAt: NOW - HOUR + 5_000,
        endAt: NOW - HOUR + 65_000,
      },
    ]);
  });

  it('a young DAG, with fewer runs than the window: complete after its one page, from the window start', () => {
    const past = newPast();
    load(past, [hourly(2), hourly(1)]);
    const seen = past.past('etl')!;
    expect(seen.complete).toBe(true);
    expect(seen.since).toBe(NOW - 30 * DAY);
    expect(seen.runs).toHaveLength(2);
  });

  it('a DAG with no run in the window: an empty, complete past', () => {
    const past = newPast();
    load(past, []);
    expect(past.past('etl')).toMatchObject({ runs: [], complete: true, revision: 1 });
  });

  it('a run that changes shows its latest state; the revision counts up only on a change', () => {
    const past = newPast();
    load(past, [hourly(2), hourly(1, 'running')]);
    const before = past.past('etl')!.revision;
    past.apply(hourly(1, 'running'));
    expect(past.past('etl')!.revision).toBe(before);
    past.apply(hourly(1, 'success'));
    const after = past.past('etl')!;
    expect(after.revision).toBe(before + 1);
    expect(after.runs).toHaveLength(2);
    expect(after.runs[1]).toMatchObject({ state: 'success', endAt: NOW - HOUR + 65_000 });
  });

  it('a new run from the changes feed joins at its place', () => {
    const past = newPast();
    load(past, [hourly(3), hourly(1)]);
    past.apply(hourly(0, 'queued'));
    past.apply(hourly(2, 'success'));
    expect(past.past('etl')!.runs.map((run) => (NOW - run.dueAt!) / HOUR)).toEqual([3, 2, 1, 0]);
  });

  it('a cleared and re-run run keeps its id and one row, with its latest attempt', () => {
    const past = newPast();
    load(past, [hourly(2, 'failed'), hourly(1)]);
    past.apply(hourly(2, 'queued', { startDate: null, endDate: null }));
    past.apply(hourly(2, 'running', { startDate: iso(NOW - 10 * 60_000) }));
    past.apply(hourly(2, 'success', { startDate: iso(NOW - 10 * 60_000), endDate: iso(NOW - 5 * 60_000) }));
    const runs = past.past('etl')!.runs;
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({
      runId: `scheduled__${pyIso(NOW - 3 * HOUR)}`,
      state: 'success',
      startAt: NOW - 10 * 60_000,
      endAt: NOW - 5 * 60_000,
    });
  });

  it('runs older than the window drop out as time passes; `since` follows the window', () => {
    const past = newPast([DAY]);
    load(past, [hourly(23), hourly(12), hourly(1)]);
    expect(past.past('etl')!.runs).toHaveLength(3);
    jest.setSystemTime(NOW + 2 * HOUR);
    const revision = past.past('etl')!.revision;
    past.prune(Date.now());
    const seen = past.past('etl')!;
    expect(seen.runs.map((run) => (NOW - run.dueAt!) / HOUR)).toEqual([12, 1]);
    expect(seen.since).toBe(NOW + 2 * HOUR - DAY);
    expect(seen.revision).toBe(revision + 1);
    // Nothing more to drop: no new revision.
    past.prune(Date.now());
    expect(past.past('etl')!.revision).toBe(revision + 1);
  });

  it('Airflow failing mid-page: what was read stays, incomplete, and the same page is asked again after the backoff', () => {
    const past = newPast();
    const runs = Array.from({ length: 7 }, (_, i) => hourly(i));
    const [first, second, third] = pages(runs, 4);
    past.beginPage('etl', NOW);
    past.setPage('etl', first.items, first.next);
    expect(past.beginPage('etl', NOW).offset).toBe(3);
    past.failPage('etl', NOW + 4000);
    expect(past.failuresOf('etl')).toBe(1);
    expect(past.past('etl')).toMatchObject({ complete: false });
    expect(past.past('etl')!.runs).toHaveLength(4);
    expect(past.needsRead('etl', NOW + 3999)).toBe(false);
    expect(past.needsRead('etl', NOW + 4000)).toBe(true);
    expect(past.beginPage('etl', NOW + 4000).offset).toBe(3);
    expect(past.setPage('etl', second.items, second.next)).toBe(true);
    expect(past.failuresOf('etl')).toBe(0);
    expect(past.beginPage('etl', NOW + 4000).offset).toBe(6);
    expect(past.setPage('etl', third.items, third.next)).toBe(false);
    expect(past.past('etl')).toMatchObject({ complete: true });
    expect(past.past('etl')!.runs).toHaveLength(7);
  });

  it('a run the changes feed brings while a page is in flight is newer than the page: the page does not undo it', () => {
    const past = newPast();
    past.beginPage('etl', NOW);
    past.apply(hourly(1, 'success'));
    past.setPage('etl', [hourly(1, 'running'), hourly(2)], null);
    expect(states(past)).toEqual([`${hourly(2).runId}:success`, `${hourly(1).runId}:success`]);
  });

  it("ignores the feed for a DAG whose past is not being read yet (its first read brings it), and forgets a DAG's past", () => {
    const past = newPast();
    past.apply(hourly(1));
    expect(past.past('etl')).toBeNull();
    load(past, [hourly(1)]);
    past.forget('etl');
    expect(past.past('etl')).toBeNull();
    expect(past.needsRead('etl', NOW)).toBe(true);
  });

  it("Airflow 2's runs: due at data_interval_end, their logical date one interval before", () => {
    const past = newPast();
    const due = NOW - DAY;
    load(past, [
      {
        ...hourly(0),
        runId: `scheduled__${pyIso(due - DAY)}`,
        logicalDate: pyIso(due - DAY),
        runAfter: null,
        dataIntervalEnd: pyIso(due),
        startDate: pyIso(due + 1000),
        endDate: pyIso(due + 2000),
      },
    ]);
    expect(past.past('etl')!.runs[0]).toMatchObject({ runId: `scheduled__${pyIso(due - DAY)}`, dueAt: due, logicalAt: due - DAY });
  });

  it(`keeps at most ${MAX_PAST_RUNS} runs of a DAG (one that runs every minute): the newest, \`since\` from the oldest kept`, () => {
    const past = newPast();
    const minute = 60_000;
    const often = (minutesAgo: number): DagRun =>
      hourly(0, 'success', { runId: `m${minutesAgo}`, runAfter: iso(NOW - minutesAgo * minute) });
    const runs = Array.from({ length: MAX_PAST_RUNS + 150 }, (_, i) => often(i));
    const read = pages(runs, 100);
    let asked = 0;
    for (const page of read) {
      past.beginPage('etl', NOW);
      asked += 1;
      if (!past.setPage('etl', page.items, page.next)) break;
    }
    // It stops reading once it holds as many as it may keep.
    expect(asked).toBeLessThan(read.length);
    let seen = past.past('etl')!;
    expect(seen).toMatchObject({ complete: true });
    expect(seen.runs).toHaveLength(MAX_PAST_RUNS);
    expect(seen.since).toBe(NOW - (MAX_PAST_RUNS - 1) * minute);
    // A new run pushes the oldest out.
    past.apply(often(-1));
    seen = past.past('etl')!;
    expect(seen.runs).toHaveLength(MAX_PAST_RUNS);
    expect(seen.runs.at(-1)!.runId).toBe('m-1');
    expect(seen.since).toBe(NOW - (MAX_PAST_RUNS - 2) * minute);
  });

  it('holds no id made of the run type and a time, and any other id as it is', () => {
    const columns = new PastColumns();
    const made = Array.from({ length: 100 }, (_, i) => hourly(i));
    for (const run of made) columns.put(run);
    const bytes = columns.bytes();
    expect(bytes).toBeLessThan(100 * 40 * 1.5);
    const manual = { ...hourly(0.5), runId: 'manual__2026-12-03T11:30:00.123456+00:00', runType: 'manual', logicalDate: null };
    const custom = { ...hourly(0.25), runId: 'my own id', runType: 'manual' };
    columns.put(manual);
    columns.put(custom);
    const all = Array.from({ length: columns.length }, (_, i) => columns.run(i).runId);
    expect(all).toEqual(expect.arrayContaining([made[0].runId, made[99].runId, manual.runId, custom.runId]));
    expect(new Set(all).size).toBe(102);
  });

  it(`looks up the failed tasks of the newest ${PAST_FAILED_RUNS} failed runs only, and drops those of a run that changed`, () => {
    const past = newPast();
    load(
      past,
      Array.from({ length: 15 }, (_, i) => hourly(i + 1, 'failed')),
    );
    const asked: string[] = [];
    for (let run = past.nextFailedRun(); run !== null; run = past.nextFailedRun()) {
      asked.push(run.runId);
      past.setFailedTasks(run.dagId, run.runId, [{ taskId: 'load', state: 'failed', logUrl: `ui/${run.runId}` }]);
    }
    expect(asked).toEqual(Array.from({ length: PAST_FAILED_RUNS }, (_, i) => hourly(i + 1).runId));
    expect(past.failedTasks('etl', hourly(1).runId)).toEqual([{ taskId: 'load', state: 'failed', logUrl: `ui/${hourly(1).runId}` }]);
    expect(past.failedTasks('etl', hourly(11).runId)).toBeNull();
    // Cleared and re-run: its tasks of before are gone; a new failure is looked up anew.
    past.apply(hourly(1, 'success'));
    expect(past.failedTasks('etl', hourly(1).runId)).toBeNull();
    past.apply(hourly(1, 'failed', { endDate: iso(NOW) }));
    expect(past.nextFailedRun()).toEqual({ dagId: 'etl', runId: hourly(1).runId });
  });
});
