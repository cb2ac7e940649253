import { describe, expect, it } from '@jest/globals';
import { formatAge, formatLimit, formatSpan, runMs, utcTime } from './time-format.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

describe('time for people', () => {
  it.each([
    ['2026-11-28T21:40:03Z', '2026-11-28 21:40:03 UTC'],
    ['2026-11-28T21:40:03.123456+00:00', '2026-11-28 21:40:03 UTC'],
    ['2026-11-28T23:40:03+02:00', '2026-11-28 21:40:03 UTC'],
    ['yesterday', 'yesterday'],
    [null, '—'],
    ['', '—'],
  ])('shows %j as %j', (iso, shown) => {
    expect(utcTime(iso)).toBe(shown);
  });

  it.each([
    [0, {}, '0 s'],
    [65 * S, {}, '1 min 5 s'],
    [H, {}, '1 h 0 s'],
    [D + H + 2 * MIN + 3 * S, {}, '1 d 1 h 2 min 3 s'],
    [D + H + 2 * MIN + 3 * S, { most: 2 }, '1 d 1 h'],
    [D + H + 2 * MIN + 3 * S, { largest: 'h' as const }, '25 h 2 min 3 s'],
    [-5 * S, {}, '0 s'],
  ])('spans %i ms with %j as %j', (ms, options, text) => {
    expect(formatSpan(ms, options)).toBe(text);
  });

  it('measures a run to its end, or to now while it goes on, and not without a start or with dates that make no sense', () => {
    const now = new Date('2026-01-01T00:00:07Z');
    expect(runMs('2026-01-01T00:00:00Z', '2026-01-01T01:02:03Z', now)).toBe(H + 2 * MIN + 3 * S);
    expect(runMs('2026-01-01T00:00:00Z', null, now)).toBe(7 * S);
    expect(runMs(null, null, now)).toBeNull();
    expect(runMs('2026-01-01T00:00:10Z', '2026-01-01T00:00:00Z', now)).toBeNull();
    expect(runMs('soon', null, now)).toBeNull();
  });

  it('says a limit in its largest whole unit, and an age rounded down', () => {
    expect([90 * MIN, 26 * H, D, 7 * D].map(formatLimit)).toEqual(['90 min', '26 h', '1 day', '7 days']);
    expect([2 * D + H, 47 * H, H, 59 * MIN, -MIN].map(formatAge)).toEqual(['2 days ago', '47 h ago', '1 h ago', '59 min ago', '0 min ago']);
  });
});
