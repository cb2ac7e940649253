import { describe, expect, it } from '@jest/globals';
import { attributesOf, runOf } from '../airflow/airflow.fixtures.js';
import type { DagRun } from '../airflow/airflow.types.js';
import { ImportErrorIndex, isTimeScheduled, overdueAfter, runningLongAfter } from './mirror.types.js';

const MIN = 60_000;
const T = Date.UTC(2026, 11, 3, 12);
const at = (ms: number): string => new Date(ms).toISOString();
const grace = (ms: number | null, perDag: Record<string, number | null> = {}) => ({ fallback: ms, perDag });
const hourly = (next: number | null, fields = {}) =>
  attributesOf('d', { schedule: '0 * * * *', nextRunAfter: next === null ? null : at(next), ...fields });

describe('isTimeScheduled', () => {
  it.each([
    ['0 * * * *', true],
    ['1 day, 0:00:00', true],
    ['@daily', true],
    ['@once', true],
    [null, false],
    ['None', false],
    ['Asset', false],
    ['Asset or 0 0 * * *', false],
    ['Partitioned Asset', false],
    ['Dataset', false],
    ['Dataset or 0 0 * * *', false],
    ['Unresolved DatasetAlias', false],
    ['@continuous', false],
  ])('%s: %s', (schedule, expected) => {
    expect(isTimeScheduled(schedule)).toBe(expected);
  });
});

describe('overdueAfter', () => {
  it('is the next run time plus the grace while no run has started since', () => {
    const after = overdueAfter(grace(10 * MIN), 'd', hourly(T), [runOf({ state: 'success', startDate: at(T - 60 * MIN) })]);
    expect(after).toBe(T + 10 * MIN);
  });

  it('is nothing once a run started at or after the due time, or was queued for it', () => {
    expect(overdueAfter(grace(10 * MIN), 'd', hourly(T), [runOf({ state: 'running', startDate: at(T) })])).toBeNull();
    expect(overdueAfter(grace(10 * MIN), 'd', hourly(T), [runOf({ state: 'queued', startDate: null, runAfter: at(T) })])).toBeNull();
    // A run that started before it was due (a long run holding max_active_runs) does not count.
    expect(overdueAfter(grace(10 * MIN), 'd', hourly(T), [runOf({ state: 'running', startDate: at(T - MIN) })])).toBe(T + 10 * MIN);
  });

  it('is nothing without a grace, a next run, a time schedule, or for a paused DAG', () => {
    expect(overdueAfter(grace(null), 'd', hourly(T), [])).toBeNull();
    expect(overdueAfter(grace(10 * MIN, { d: null }), 'd', hourly(T), [])).toBeNull();
    expect(overdueAfter(grace(10 * MIN), 'd', hourly(null), [])).toBeNull();
    expect(overdueAfter(grace(10 * MIN), 'd', null, [])).toBeNull();
    expect(overdueAfter(grace(10 * MIN), 'd', hourly(T, { schedule: 'Asset' }), [])).toBeNull();
    expect(overdueAfter(grace(10 * MIN), 'd', hourly(T, { schedule: null }), [])).toBeNull();
    expect(overdueAfter(grace(10 * MIN), 'd', hourly(T, { isPaused: true }), [])).toBeNull();
  });

  it("takes the DAG's own grace", () => {
    expect(overdueAfter(grace(10 * MIN, { d: 2 * 60 * MIN }), 'd', hourly(T), [])).toBe(T + 120 * MIN);
  });
});

describe('runningLongAfter', () => {
  const success = (id: string, start: number, minutes: number): DagRun =>
    runOf({ runId: id, state: 'success', startDate: at(start), endDate: at(start + minutes * MIN) });
  const running = runOf({ runId: 'now', state: 'running', startDate: at(T) });
  const factor = (value: number | null) => ({ fallback: value, perDag: {} });

  it("is the run's start plus factor × the 90th percentile of the kept successes' durations", () => {
    const runs = [running, ...[10, 12, 11, 30, 9, 10, 10, 11, 12].map((m, i) => success(`s${i}`, T - (i + 1) * 60 * MIN, m))];
    // Nine successes: the 90th percentile by nearest rank is the ninth smallest, 30 min.
    expect(runningLongAfter(factor(3), 'd', runs)).toEqual({ usualMs: 30 * MIN, after: T + 90 * MIN });
    const ten = [...runs, success('s9', T - 20 * 60 * MIN, 10)];
    // Ten: the ninth smallest, 12 min (the slowest one is left out).
    expect(runningLongAfter(factor(3), 'd', ten)?.usualMs).toBe(12 * MIN);
  });

  it('is at least a minute more than usual, however short the DAG', () => {
    const runs = [running, success('a', T - 30 * MIN, 0.1), success('b', T - 20 * MIN, 0.1), success('c', T - 10 * MIN, 0.1)];
    expect(runningLongAfter(factor(3), 'd', runs)?.after).toBe(T + 0.1 * MIN + MIN);
  });

  it('is nothing with too few successes to know what is usual, without a factor, or without a running latest run', () => {
    const two = [running, success('a', T - 30 * MIN, 2), success('b', T - 20 * MIN, 2), runOf({ runId: 'f', state: 'failed' })];
    expect(runningLongAfter(factor(3), 'd', two)).toBeNull();
    const three = [...two, success('c', T - 10 * MIN, 2)];
    expect(runningLongAfter(factor(3), 'd', three)).not.toBeNull();
    expect(runningLongAfter(factor(null), 'd', three)).toBeNull();
    expect(runningLongAfter(factor(3), 'd', three.slice(1))).toBeNull();
    expect(runningLongAfter(factor(3), 'd', [runOf({ state: 'running', startDate: null }), ...three.slice(1)])).toBeNull();
  });
});

describe('ImportErrorIndex', () => {
  const index = new ImportErrorIndex([
    { filename: 'etl.py', bundleName: 'team-a', message: 'A' },
    { filename: 'etl.py', bundleName: 'team-b', message: 'B' },
    { filename: '/opt/airflow/dags/v1.py', bundleName: null, message: 'V1' },
  ]);

  it("finds the error of the DAG's file, in its bundle where both say one", () => {
    expect(index.of(attributesOf('d', { fileloc: 'etl.py', bundleName: 'team-b' }))?.message).toBe('B');
    expect(index.of(attributesOf('d', { fileloc: '/opt/airflow/dags/v1.py' }))?.message).toBe('V1');
    expect(index.of(attributesOf('d', { fileloc: 'other.py' }))).toBeNull();
    expect(index.of(attributesOf('d', { fileloc: null }))).toBeNull();
    expect(index.of(null)).toBeNull();
  });
});
