import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { loadStopConfig } from './stop.config.js';
import { parseWatchdogConfig } from './watchdog.config.js';

describe('watchdog configuration', () => {
  it("defaults to the seed's 30 s period and takes over on loss", () => {
    expect(parseWatchdogConfig({})).toEqual({ intervalSeconds: 30, onLoss: 'takeover', probeTimeoutMs: 1500 });
  });

  it('reads set values, 1 s intervals included (tests use them)', () => {
    expect(parseWatchdogConfig({ WATCHDOG_INTERVAL_SECONDS: '1', WATCHDOG_ON_LOSS: 'EXIT', PORT_PROBE_TIMEOUT_MS: '500' })).toEqual({
      intervalSeconds: 1,
      onLoss: 'exit',
      probeTimeoutMs: 500,
    });
  });

  it.each([
    [{ WATCHDOG_INTERVAL_SECONDS: '0' }, 'WATCHDOG_INTERVAL_SECONDS'],
    [{ WATCHDOG_INTERVAL_SECONDS: '30s' }, 'WATCHDOG_INTERVAL_SECONDS'],
    [{ WATCHDOG_ON_LOSS: 'restart' }, 'WATCHDOG_ON_LOSS'],
    [{ PORT_PROBE_TIMEOUT_MS: '10' }, 'PORT_PROBE_TIMEOUT_MS'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => parseWatchdogConfig(env)).toThrow(ConfigValidationError);
    expect(() => parseWatchdogConfig(env)).toThrow(variable);
  });

  it('gives the stop command the same validated settings, without a .env file', () => {
    const config = loadStopConfig('/nonexistent/.env');
    expect(config.app.port).toBeGreaterThan(0);
    expect(config.watchdog.probeTimeoutMs).toBeGreaterThanOrEqual(100);
  });
});
