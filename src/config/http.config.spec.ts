import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { parseHttpConfig } from './http.config.js';

describe('http configuration', () => {
  it('asks clients to retry after the status TTL, 2 s by default', () => {
    expect(parseHttpConfig({})).toEqual({ retryAfterSeconds: 2 });
  });

  it.each([
    ['2500', 3],
    ['60000', 60],
    ['0', 1],
    ['1', 1],
  ])('turns STATUS_CACHE_TTL_MS=%s into whole seconds, at least one (%i)', (ttl, seconds) => {
    expect(parseHttpConfig({ STATUS_CACHE_TTL_MS: ttl }).retryAfterSeconds).toBe(seconds);
  });

  it.each(['1.5', '-1', '3600001'])('rejects STATUS_CACHE_TTL_MS=%s naming it', (ttl) => {
    expect(() => parseHttpConfig({ STATUS_CACHE_TTL_MS: ttl })).toThrow(ConfigValidationError);
    expect(() => parseHttpConfig({ STATUS_CACHE_TTL_MS: ttl })).toThrow('STATUS_CACHE_TTL_MS');
  });
});
