import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { perDagValue } from './config.parsers.js';
import { maxSuccessAgeOf, parseDagStatusConfig } from './dag-status.config.js';

const H = 3_600_000;

describe('dagStatus configuration', () => {
  it('has no success age limit and the seed verdict basis by default', () => {
    const config = parseDagStatusConfig({});
    expect(config.maxSuccessAge).toEqual({ fallback: null, perDag: {} });
    expect(config.verdictBasis).toBe('latest');
    expect(maxSuccessAgeOf(config.maxSuccessAge, 'Airflow_Lab2')).toBeNull();
  });

  it.each([
    ['90m', 90 * 60_000],
    ['26h', 26 * H],
    ['7d', 7 * 24 * H],
    [' 26H ', 26 * H],
  ])('reads MAX_SUCCESS_AGE=%s', (text, ms) => {
    expect(maxSuccessAgeOf(parseDagStatusConfig({ MAX_SUCCESS_AGE: text }).maxSuccessAge, 'Any')).toBe(ms);
  });

  it('reads per-DAG overrides, with or without a default, and "off"', () => {
    const age = parseDagStatusConfig({ MAX_SUCCESS_AGE: '26h, Airflow_Lab2=90m,Noisy=off' }).maxSuccessAge;
    expect(maxSuccessAgeOf(age, 'Airflow_Lab2')).toBe(1.5 * H);
    expect(maxSuccessAgeOf(age, 'Noisy')).toBeNull();
    expect(maxSuccessAgeOf(age, 'Other')).toBe(26 * H);
    const only = parseDagStatusConfig({ MAX_SUCCESS_AGE: 'Airflow_Lab2=7d' }).maxSuccessAge;
    expect(maxSuccessAgeOf(only, 'Airflow_Lab2')).toBe(7 * 24 * H);
    expect(maxSuccessAgeOf(only, 'Other')).toBeNull();
  });

  it.each(['26', 'h', '1.5h', '0h', '-1h', '30s', '400d', 'soon', 'Airflow_Lab2=', 'bad!id=1h', '1h,2h', 'A=1h,A=2h', 'A=1h,26h'])(
    'rejects MAX_SUCCESS_AGE=%s naming it',
    (text) => {
      expect(() => parseDagStatusConfig({ MAX_SUCCESS_AGE: text })).toThrow(ConfigValidationError);
      expect(() => parseDagStatusConfig({ MAX_SUCCESS_AGE: text })).toThrow('MAX_SUCCESS_AGE');
    },
  );

  it('reads VERDICT_BASIS and rejects anything else naming it', () => {
    expect(parseDagStatusConfig({ VERDICT_BASIS: 'last_finished' }).verdictBasis).toBe('last_finished');
    expect(() => parseDagStatusConfig({ VERDICT_BASIS: 'newest' })).toThrow(/VERDICT_BASIS/);
  });

  it('has a grace of 10 minutes for overdue runs, paused DAGs failing and a running-long factor of 3 by default', () => {
    const config = parseDagStatusConfig({});
    expect(perDagValue(config.overdueGrace, 'Any')).toBe(600_000);
    expect(perDagValue(config.pausedIsFailure, 'Any')).toBe(true);
    expect(perDagValue(config.runningLongFactor, 'Any')).toBe(3);
  });

  it('reads OVERDUE_GRACE, PAUSED_IS_FAILURE and RUNNING_LONG_FACTOR with per-DAG overrides, as MAX_SUCCESS_AGE', () => {
    const config = parseDagStatusConfig({
      OVERDUE_GRACE: '30m,Nightly=2h,Adhoc=off',
      PAUSED_IS_FAILURE: 'Seasonal=FALSE',
      RUNNING_LONG_FACTOR: '2.5,Flaky=10,Erratic=off',
    });
    expect([perDagValue(config.overdueGrace, 'Other'), perDagValue(config.overdueGrace, 'Nightly')]).toEqual([30 * 60_000, 2 * H]);
    expect(perDagValue(config.overdueGrace, 'Adhoc')).toBeNull();
    expect([perDagValue(config.pausedIsFailure, 'Seasonal'), perDagValue(config.pausedIsFailure, 'Other')]).toEqual([false, true]);
    expect(perDagValue(config.runningLongFactor, 'Other')).toBe(2.5);
    expect(perDagValue(config.runningLongFactor, 'Flaky')).toBe(10);
    expect(perDagValue(config.runningLongFactor, 'Erratic')).toBeNull();
    expect(perDagValue(parseDagStatusConfig({ OVERDUE_GRACE: 'off', PAUSED_IS_FAILURE: 'false' }).overdueGrace, 'Any')).toBeNull();
  });

  it.each([
    ['OVERDUE_GRACE', '30s'],
    ['OVERDUE_GRACE', '0m'],
    ['OVERDUE_GRACE', '10m,10m'],
    ['OVERDUE_GRACE', 'bad id=1h'],
    ['PAUSED_IS_FAILURE', 'yes'],
    ['PAUSED_IS_FAILURE', 'A=true,A=false'],
    ['RUNNING_LONG_FACTOR', '1'],
    ['RUNNING_LONG_FACTOR', '0.5'],
    ['RUNNING_LONG_FACTOR', '101'],
    ['RUNNING_LONG_FACTOR', '2.555'],
    ['RUNNING_LONG_FACTOR', 'x3'],
  ])('rejects %s=%s naming it', (name, text) => {
    expect(() => parseDagStatusConfig({ [name]: text })).toThrow(ConfigValidationError);
    expect(() => parseDagStatusConfig({ [name]: text })).toThrow(name);
  });
});
