import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { parseReliabilityConfig } from './reliability.config.js';

const DAY = 86_400_000;

describe('reliability configuration', () => {
  it('covers 7 and 30 days by default', () => {
    expect(parseReliabilityConfig({})).toEqual({ windows: [7 * DAY, 30 * DAY] });
  });

  it('reads RELIABILITY_WINDOWS, shortest first, each once', () => {
    expect(parseReliabilityConfig({ RELIABILITY_WINDOWS: '30d, 24h,1d,90D' })).toEqual({ windows: [DAY, 30 * DAY, 90 * DAY] });
  });

  it.each(['', ' , ', '91d', '30m', '7 days', '0d'])('rejects RELIABILITY_WINDOWS=%j naming it', (value) => {
    const parse = () => parseReliabilityConfig({ RELIABILITY_WINDOWS: value });
    if (value.trim() === '') {
      expect(parse()).toEqual({ windows: [7 * DAY, 30 * DAY] });
      return;
    }
    expect(parse).toThrow(ConfigValidationError);
    expect(parse).toThrow('RELIABILITY_WINDOWS');
  });
});
