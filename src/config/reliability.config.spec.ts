import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { parseReliabilityConfig } from './reliability.config.js';

const DAY = 86_400_000;
const NONE = { fallback: [], perDag: {} };

describe('reliability configuration', () => {
  it('covers 7 and 30 days by default', () => {
    expect(parseReliabilityConfig({})).toEqual({ windows: [7 * DAY, 30 * DAY], objectives: NONE, keepMs: 37 * DAY });
  });

  it('reads RELIABILITY_WINDOWS, shortest first, each once', () => {
    expect(parseReliabilityConfig({ RELIABILITY_WINDOWS: '30d, 24h,1d,90D' })).toEqual({
      windows: [DAY, 30 * DAY, 90 * DAY],
      objectives: NONE,
      keepMs: 90 * DAY,
    });
  });

  it.each(['', ' , ', '91d', '30m', '7 days', '0d'])('rejects RELIABILITY_WINDOWS=%j naming it', (value) => {
    const parse = () => parseReliabilityConfig({ RELIABILITY_WINDOWS: value });
    if (value.trim() === '') {
      expect(parse()).toEqual({ windows: [7 * DAY, 30 * DAY], objectives: NONE, keepMs: 37 * DAY });
      return;
    }
    expect(parse).toThrow(ConfigValidationError);
    expect(parse).toThrow('RELIABILITY_WINDOWS');
  });

  it('reads RELIABILITY_OBJECTIVE per DAG, off by default', () => {
    expect(
      parseReliabilityConfig({ RELIABILITY_OBJECTIVE: 'success:99%/30d,Nightly=success:95.5%/7d+on_time:90%/30d,Adhoc=off' }).objectives,
    ).toEqual({
      fallback: [{ metric: 'success', target: 0.99, windowMs: 30 * DAY }],
      perDag: {
        Nightly: [
          { metric: 'success', target: 0.955, windowMs: 7 * DAY },
          { metric: 'on_time', target: 0.9, windowMs: 30 * DAY },
        ],
        Adhoc: [],
      },
    });
    expect(parseReliabilityConfig({ RELIABILITY_OBJECTIVE: 'Nightly=on_time:99%/7d' }).objectives.fallback).toEqual([]);
  });

  it.each([
    'success:100%/30d',
    'success:0%/30d',
    'success:99%/14d',
    'uptime:99%/30d',
    'success:99/30d',
    'success:99.999%/30d',
    'Bad id!=success:99%/7d',
  ])('rejects RELIABILITY_OBJECTIVE=%j naming it', (value) => {
    expect(() => parseReliabilityConfig({ RELIABILITY_OBJECTIVE: value })).toThrow('RELIABILITY_OBJECTIVE');
  });
});
