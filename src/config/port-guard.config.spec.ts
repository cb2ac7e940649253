import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parseAppConfig } from './app.config.js';
import { ConfigValidationError } from './config.parsers.js';
import { parseHttpConfig } from './http.config.js';
import { parsePortGuardConfig } from './port-guard.config.js';
import { loadStopConfig } from './stop.config.js';

describe('port guard configuration', () => {
  it("keeps the seed's 30 s watchdog period, and takes over on loss", () => {
    expect(parsePortGuardConfig({})).toEqual({
      probeTimeoutMs: 1500,
      watchdogIntervalSeconds: 30,
      onLoss: 'takeover',
    });
  });

  it('reads set values, 1 s intervals included (tests use them)', () => {
    expect(
      parsePortGuardConfig({
        WATCHDOG_INTERVAL_SECONDS: '1',
        WATCHDOG_ON_LOSS: 'EXIT',
        PORT_PROBE_TIMEOUT_MS: '500',
      }),
    ).toEqual({ probeTimeoutMs: 500, watchdogIntervalSeconds: 1, onLoss: 'exit' });
  });

  it.each([
    [{ WATCHDOG_INTERVAL_SECONDS: '0' }, 'WATCHDOG_INTERVAL_SECONDS'],
    [{ WATCHDOG_INTERVAL_SECONDS: '30s' }, 'WATCHDOG_INTERVAL_SECONDS'],
    [{ WATCHDOG_ON_LOSS: 'restart' }, 'WATCHDOG_ON_LOSS'],
    [{ PORT_PROBE_TIMEOUT_MS: '10' }, 'PORT_PROBE_TIMEOUT_MS'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => parsePortGuardConfig(env)).toThrow(ConfigValidationError);
    expect(() => parsePortGuardConfig(env)).toThrow(variable);
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
      expect(config.http.port).toBe(6123);
      expect(config.portGuard.probeTimeoutMs).toBe(900);
    });
  });

  it('falls back to the defaults without a .env file', () => {
    withEnv({}, () => {
      const config = loadStopConfig(path.join(dir, 'missing.env'));
      expect(config.http).toEqual(parseHttpConfig({}));
      expect(config.portGuard).toEqual(parsePortGuardConfig({}));
      expect(config.app).toEqual(parseAppConfig({}));
    });
  });

  it('validates the values in .env like those of the environment', () => {
    const file = envFile('bad.env', 'PORT_PROBE_TIMEOUT_MS=10\n');
    withEnv({}, () => expect(() => loadStopConfig(file)).toThrow('PORT_PROBE_TIMEOUT_MS'));
  });
});
