import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { AccessLog, type AccessLine } from './access-log.js';
import { AppLogger } from './app.logger.js';

const LINE: AccessLine = {
  request_id: 'abc-1',
  method: 'GET',
  path: '/api/dags/x/status',
  route: '/api/dags/:dagId/status',
  status: 200,
  duration_ms: 0.4,
};

/** What reaches stdout while `act` runs and the turn after it. */
async function written(act: () => void): Promise<string> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    act();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

describe('AccessLog', () => {
  const created: AccessLog[] = [];
  const accessLog = (): AccessLog => {
    const log = new AccessLog();
    created.push(log);
    return log;
  };

  afterEach(() => {
    for (const log of created.splice(0)) log.onApplicationShutdown();
    Logger.overrideLogger(false);
  });

  it('writes the very line AppLogger writes for the same event, but once per event-loop turn', async () => {
    Logger.overrideLogger(new AppLogger('log', []));
    const viaLogger = await written(() => new Logger('HTTP').log('request', LINE));
    const log = accessLog();
    const viaAccessLog = await written(() => {
      log.record(LINE, false);
      log.record({ ...LINE, request_id: 'abc-2' }, false);
    });
    const [first, second, rest] = viaAccessLog.split('\n');
    const withoutTime = (json: string) => ({ ...(JSON.parse(json) as Record<string, unknown>), timestamp: 0 });
    expect(Object.keys(JSON.parse(first))).toEqual(Object.keys(JSON.parse(viaLogger)));
    expect(withoutTime(first)).toEqual(withoutTime(viaLogger));
    expect(JSON.parse(second)).toMatchObject({ request_id: 'abc-2' });
    expect(rest).toBe('');
  });

  it('follows the logger: probes at verbose only, nothing when logging is off', async () => {
    Logger.overrideLogger(new AppLogger('log', []));
    const log = accessLog();
    expect(await written(() => log.record(LINE, true))).toBe('');
    Logger.overrideLogger(new AppLogger('verbose', []));
    expect(JSON.parse(await written(() => log.record(LINE, true)))).toMatchObject({ level: 'verbose', message: 'request' });
    Logger.overrideLogger(new AppLogger('warn', []));
    expect(await written(() => log.record(LINE, false))).toBe('');
    Logger.overrideLogger(false);
    expect(await written(() => log.record(LINE, false))).toBe('');
  });

  it('loses no line at shutdown', async () => {
    Logger.overrideLogger(new AppLogger('log', []));
    const log = accessLog();
    const out = await written(() => {
      log.record(LINE, false);
      log.onApplicationShutdown();
    });
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('writes what is pending when the process exits before the next turn, until the app shuts down', () => {
    const log = accessLog();
    expect(process.listeners('exit')).toContain(log.flush);
    log.onApplicationShutdown();
    expect(process.listeners('exit')).not.toContain(log.flush);
  });
});
