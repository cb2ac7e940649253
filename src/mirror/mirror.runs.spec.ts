import { describe, expect, it } from '@jest/globals';
import type { DagRun } from '../airflow/airflow.types.js';
import { keep, newestFirst, runOrder, sameRun, sameShownRun } from './mirror.runs.js';

function run(fields: Partial<DagRun> = {}): DagRun {
  return {
    dagId: 'etl',
    runId: 'scheduled__2026-12-03T09:00:00+00:00',
    state: 'success',
    logicalDate: '2026-12-03T09:00:00Z',
    runAfter: '2026-12-03T10:00:00Z',
    startDate: '2026-12-03T10:00:01.123456Z',
    endDate: '2026-12-03T10:00:31.5Z',
    note: null,
    runType: 'scheduled',
    ...fields,
  };
}

/** The run's fields as a reader sees them. */
function fields(kept: DagRun): DagRun {
  const { dagId, runId, state, logicalDate, runAfter, startDate, endDate, note, runType } = kept;
  return { dagId, runId, state, logicalDate, runAfter, startDate, endDate, note, runType };
}

describe('keep', () => {
  it.each([
    ['Airflow 3, microseconds', '2026-12-03T10:00:01.123456Z'],
    ['Airflow 3, whole seconds', '2026-12-03T10:00:01Z'],
    ['Airflow 2, microseconds', '2026-12-03T10:00:01.000042+00:00'],
    ['Airflow 2, whole seconds', '2026-12-03T10:00:01+00:00'],
    ['milliseconds', '2026-12-03T10:00:01.120Z'],
    ['one digit', '2026-12-03T10:00:01.5Z'],
    ['a leap day, before the epoch', '1968-02-29T23:59:59.999999Z'],
  ])('reads back every field as Airflow wrote it (%s)', (_, time) => {
    const original = run({ startDate: time, endDate: null, logicalDate: null });
    expect(fields(keep(original, 'etl'))).toEqual(original);
  });

  it('writes back any date as Date writes it (leap years, month and year ends, before the epoch)', () => {
    // A fixed pseudo-random walk over the years whose microseconds a double holds exactly (1685 to 2255), plus edges.
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const first = Date.UTC(1700, 0, 1);
    const last = Date.UTC(2250, 11, 31, 23, 59, 59, 999);
    const times = [
      first,
      last,
      -1,
      0,
      Date.UTC(2000, 1, 29, 12),
      Date.UTC(1900, 1, 28, 23, 59, 59),
      Date.UTC(2100, 2, 1),
      Date.UTC(1968, 1, 29),
    ];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(first + next() * (last - first)));
    for (const ms of times) {
      const seconds = new Date(ms).toISOString().slice(0, 19);
      const digits = String(Math.floor(next() * 1e6)).padStart(6, '0');
      for (const time of [`${seconds}Z`, `${seconds}.${digits}Z`, `${seconds}.${digits.slice(0, 3)}+00:00`]) {
        const original = run({ startDate: time });
        const kept = keep(original, 'etl');
        expect(kept).not.toBe(original);
        expect(kept.startDate).toBe(time);
      }
    }
  });

  it.each([
    ['more than six fraction digits', '2026-12-03T10:00:01.1234567Z'],
    ['another offset', '2026-12-03T12:00:01+02:00'],
    ['no offset', '2026-12-03T10:00:01'],
    ['a date that does not exist', '2026-06-31T10:00:01Z'],
    ['microseconds past what a double holds', '9999-12-31T23:59:59.760769Z'],
    ['not a date', 'yesterday'],
  ])('keeps a run it could not write back the same as it came (%s)', (_, time) => {
    const original = run({ endDate: time });
    expect(keep(original, 'etl')).toBe(original);
  });

  it.each([
    ['made of the logical date', 'scheduled__2026-12-03T09:00:00+00:00', {}],
    [
      'made of the logical date, with microseconds',
      'manual__2026-12-03T09:00:00.000123+00:00',
      { runType: 'manual', logicalDate: '2026-12-03T09:00:00.000123Z' },
    ],
    ['made of run_after (no logical date)', 'manual__2026-12-03T10:00:00+00:00', { runType: 'manual', logicalDate: null }],
    ['of its own', 'manual__2026-12-03T10:00:00+00:00_Ab3dE', { runType: 'manual' }],
    ['Airflow 2-like, seconds written with a fraction', 'scheduled__2026-12-03T09:00:00.000000+00:00', {}],
    ['with no run type', 'scheduled__2026-12-03T09:00:00+00:00', { runType: null }],
  ])('gives the run id back as it came (%s)', (_, runId, fields: Partial<DagRun>) => {
    const original = run({ runId, ...fields });
    expect(keep(original, 'etl').runId).toBe(runId);
  });

  it('shares the entry’s dag id and the same state and run type strings', () => {
    const dagId = 'etl';
    const a = keep(run({ dagId: ['e', 't', 'l'].join('') }), dagId);
    const b = keep(run({ state: ['suc', 'cess'].join(''), runType: ['sched', 'uled'].join('') }), dagId);
    expect(a.dagId).toBe(dagId);
    expect(b.state).toBe(keep(run(), dagId).state);
    expect(a.runType).toBe(b.runType);
  });

  it('sorts as Airflow lists runs: by run_after, else the logical date', () => {
    const older = keep(run({ runId: 'a', runAfter: '2026-12-03T09:00:00.000001Z' }), 'etl');
    const newer = keep(run({ runId: 'b', runAfter: '2026-12-03T09:00:01Z' }), 'etl');
    const manual = keep(run({ runId: 'c', runAfter: null, logicalDate: '2026-12-03T11:00:00+00:00' }), 'etl');
    const plain = run({ runId: 'd', runAfter: '2026-12-03T10:30:00.5+00:00' });
    expect([older, plain, manual, newer].sort(newestFirst).map((r) => r.runId)).toEqual(['c', 'd', 'b', 'a']);
    expect(runOrder(newer)).toBe(Date.parse('2026-12-03T09:00:01Z'));
    expect(runOrder(keep(run({ runAfter: null, logicalDate: null }), 'etl'))).toBe(0);
  });
});

describe('sameRun and sameShownRun', () => {
  it('tell a change of state, note, start, end (and run_after for the feed) apart, by their text', () => {
    const base = keep(run(), 'etl');
    expect(sameRun(base, keep(run(), 'etl'))).toBe(true);
    expect(sameRun(base, run())).toBe(true);
    expect(sameRun(base, keep(run({ state: 'failed' }), 'etl'))).toBe(false);
    expect(sameRun(base, keep(run({ note: 'x' }), 'etl'))).toBe(false);
    expect(sameRun(base, keep(run({ endDate: null }), 'etl'))).toBe(false);
    // The same instant written otherwise reads otherwise.
    expect(sameRun(base, keep(run({ endDate: '2026-12-03T10:00:31.500Z' }), 'etl'))).toBe(false);
    expect(sameRun(base, keep(run({ runAfter: '2026-12-03T10:00:00+00:00' }), 'etl'))).toBe(false);
    expect(sameRun(base, keep(run({ logicalDate: null }), 'etl'))).toBe(true);
    expect(sameShownRun(base, keep(run({ runAfter: null }), 'etl'))).toBe(true);
    expect(sameShownRun(base, keep(run({ runId: 'other' }), 'etl'))).toBe(false);
    expect(sameShownRun(base, keep(run({ startDate: '2026-12-03T10:00:01.123457Z' }), 'etl'))).toBe(false);
  });
});
