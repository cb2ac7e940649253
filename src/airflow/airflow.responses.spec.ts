import { describe, expect, it } from '@jest/globals';
import { AirflowBadResponseError } from './airflow.errors.js';
import { firstErrorLine, jwtTimes, parseDagAttributes, parseRunCollection, parseToken } from './airflow.responses.js';

const v2Run = {
  dag_run_id: 'manual__1',
  dag_id: 'd',
  logical_date: null,
  run_after: '2026-11-28T10:00:00Z',
  start_date: '2026-11-28T10:00:01Z',
  end_date: null,
  state: 'running',
  note: 'hi',
  run_type: 'manual',
};

describe('Airflow response checks', () => {
  it('reads a v2 run collection, null logical date included', () => {
    expect(parseRunCollection('v2', { dag_runs: [v2Run], total_entries: 1 })).toEqual([
      {
        dagId: 'd',
        runId: 'manual__1',
        state: 'running',
        logicalDate: null,
        runAfter: '2026-11-28T10:00:00Z',
        startDate: '2026-11-28T10:00:01Z',
        endDate: null,
        note: 'hi',
        runType: 'manual',
      },
    ]);
  });

  it('reads a v1 run, falling back to execution_date', () => {
    const run = {
      dag_run_id: 'r',
      dag_id: 'd',
      execution_date: '2024-01-01T00:00:00Z',
      state: 'success',
      start_date: null,
      end_date: null,
    };
    expect(parseRunCollection('v1', { dag_runs: [run], total_entries: 1 })[0]).toMatchObject({
      logicalDate: '2024-01-01T00:00:00Z',
      runAfter: null,
      note: null,
    });
  });

  it.each([
    ['not an object', 'garbage'],
    ['no list', { total_entries: 0 }],
    ['a run without id', { dag_runs: [{ ...v2Run, dag_run_id: 1 }], total_entries: 1 }],
    ['a v2 run without run_after', { dag_runs: [{ ...v2Run, run_after: undefined }], total_entries: 1 }],
    ['a run with a numeric state', { dag_runs: [{ ...v2Run, state: 3 }], total_entries: 1 }],
  ])('rejects %s', (_what, body) => {
    expect(() => parseRunCollection('v2', body)).toThrow(AirflowBadResponseError);
  });

  it('accepts a list without total_entries (optional and nullable since Airflow 3.3)', () => {
    expect(parseRunCollection('v2', { dag_runs: [], total_entries: null })).toEqual([]);
    expect(parseRunCollection('v2', { dag_runs: [] })).toEqual([]);
  });

  it('reads a DAG and a token', () => {
    expect(parseDagAttributes('v2', { dag_id: 'd', is_paused: false, tags: [{ name: 't', dag_id: 'd' }], owners: ['o'] })).toMatchObject({
      dagId: 'd',
      isPaused: false,
      tags: ['t'],
      owners: ['o'],
      hasImportErrors: false,
    });
    expect(parseDagAttributes('v1', { dag_id: 'd', next_dagrun_create_after: '2026-01-01T00:00:00+00:00' }).nextRunAfter).toBe(
      '2026-01-01T00:00:00+00:00',
    );
    expect(() => parseDagAttributes('v2', [])).toThrow(AirflowBadResponseError);
    expect(parseToken({ access_token: 'abc' })).toBe('abc');
    expect(() => parseToken({ access_token: '' })).toThrow(AirflowBadResponseError);
  });

  it("reads a JWT's expiry, or null when it cannot", () => {
    const payload = Buffer.from(JSON.stringify({ exp: 1234, iat: 1000 })).toString('base64url');
    expect(jwtTimes(`h.${payload}.s`)).toEqual({ exp: 1234, iat: 1000 });
    expect(jwtTimes('opaque')).toEqual({ exp: null, iat: null });
    expect(jwtTimes('h.!!!.s')).toEqual({ exp: null, iat: null });
  });

  it.each([
    [
      'a traceback: its exception',
      'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\n    import nope\nModuleNotFoundError: No module named \'nope\'\n',
      "ModuleNotFoundError: No module named 'nope'",
    ],
    [
      'chained tracebacks: the last one',
      'Traceback (most recent call last):\n  File "a.py"\nKeyError: 1\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "a.py"\nValueError: bad\n  more',
      'ValueError: bad',
    ],
    ['a message alone (tracebacks off)', '\n  AirflowException: boom\nsecond line', 'AirflowException: boom'],
    ['nothing', '', ''],
  ])('takes the first line of an import error from %s', (_what, trace, line) => {
    expect(firstErrorLine(trace)).toBe(line);
  });
});
