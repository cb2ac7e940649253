import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { maxSuccessAgeOf, parseDagStatusConfig } from './dag-status.config.js';

const H = 3_600_000;

describe('dagStatus configuration', () => {
  it('has no success age limit and the seed verdict basis by default', () => {
    const config = parseDagStatusConfig({});
    expect(config.maxSuccessAge).toEqual({ defaultMs: null, perDag: {} });
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
});
