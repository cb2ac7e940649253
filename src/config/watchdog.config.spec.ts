import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
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
});

describe('the stop command settings', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stop-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function envFile(name: string, text: string): string {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  }

  /** Runs `check` with exactly `values` set among the variables read here, whatever the test runner's environment. */
  function withEnv(values: Record<string, string>, check: () => void): void {
    const names = [
      'HOST',
      'FLASK_PORT',
      'LOG_LEVEL',
      'SHUTDOWN_TIMEOUT_MS',
      'WATCHDOG_INTERVAL_SECONDS',
      'WATCHDOG_ON_LOSS',
      'PORT_PROBE_TIMEOUT_MS',
    ];
    const saved = names.map((name) => [name, process.env[name]] as const);
    for (const name of names) delete process.env[name];
    Object.assign(process.env, values);
    try {
      check();
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  it('reads .env for what the environment does not set, as the service does', () => {
    const file = envFile('set.env', 'FLASK_PORT=6123\nPORT_PROBE_TIMEOUT_MS=700\n');
    withEnv({ PORT_PROBE_TIMEOUT_MS: '900' }, () => {
      const config = loadStopConfig(file);
      expect(config.app.port).toBe(6123);
      expect(config.watchdog.probeTimeoutMs).toBe(900);
    });
  });

  it('falls back to the defaults without a .env file', () => {
    withEnv({}, () => {
      const config = loadStopConfig(path.join(dir, 'missing.env'));
      expect(config.app.port).toBe(5555);
      expect(config.watchdog).toEqual(parseWatchdogConfig({}));
    });
  });

  it('validates the values in .env like those of the environment', () => {
    const file = envFile('bad.env', 'PORT_PROBE_TIMEOUT_MS=10\n');
    withEnv({}, () => expect(() => loadStopConfig(file)).toThrow('PORT_PROBE_TIMEOUT_MS'));
  });
});
