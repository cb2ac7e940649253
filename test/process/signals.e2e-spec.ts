import { readFileSync } from 'node:fs';
import { describe, expect, it, jest } from '@jest/globals';
import { processesAgainstFakeAirflow } from '../support/process-harness.js';
import { isPortFree, until } from '../support/service-process.js';

const DAG = 'Airflow_Lab2';
// Real processes on a possibly loaded 2-core machine: every wait is on a condition, with room.
jest.setTimeout(60_000);

const harness = processesAgainstFakeAirflow(DAG);
const start = harness.start;

const serves = harness.serves;

/** Whether the process has a handler for `signal` (Linux: the SigCgt mask of /proc/PID/status). */
function catches(pid: number, signal: number): boolean {
  const mask = /SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  return ((BigInt(`0x${mask}`) >> BigInt(signal - 1)) & 1n) === 1n;
}

const SIGHUP_NUMBER = 1;

describe('signals', () => {
  it.each(['SIGHUP', 'SIGUSR2'] as const)('%s is a graceful stop: the request in flight is answered, then exit 0', async (signal) => {
    const service = start({ STATUS_CACHE_TTL_MS: '0', SHUTDOWN_TIMEOUT_MS: '10000' });
    await serves(service);
    const slow = await harness.slowStatusRequest(1500);
    service.kill(signal);
    const res = await slow.answer;
    expect(res.status).toBe(200);
    await expect(service.exited()).resolves.toBe(0);
    expect(service.output).toContain(`${signal} received: finishing requests in flight`);
    expect(await isPortFree(harness.port)).toBe(true);
  });

  it('SIGUSR1 opens no debugger: it is logged and ignored, and the service keeps serving', async () => {
    const service = start();
    await serves(service);
    service.kill('SIGUSR1');
    await until('the SIGUSR1 line', async () => (service.output.includes('SIGUSR1 received: ignored') ? true : null));
    const res = await fetch(`http://127.0.0.1:${harness.port}/health/live`);
    expect(res.status).toBe(200);
    // Node says so on stderr when its inspector opens.
    expect(service.output).not.toContain('Debugger listening');
    service.kill('SIGTERM');
    await expect(service.exited()).resolves.toBe(0);
  });

  it('a stop at the very start of start-up is a clean stop: exit 0, with a log line', async () => {
    const service = start();
    const pid = service.child.pid ?? 0;
    // The listeners are in place before the app logs anything (SIGHUP: Node itself catches SIGTERM and SIGINT).
    await until('the stop signals to be caught', async () => {
      if (service.output.includes('"Serving on')) throw new Error('unreachable');
      return catches(pid, SIGHUP_NUMBER) ? true : null;
    });
    expect(service.output).toBe('');
    service.kill('SIGTERM');
    await expect(service.exited()).resolves.toBe(0);
    expect(service.output).toMatch(/"message":"SIGTERM received/);
    expect(await isPortFree(harness.port)).toBe(true);
  });

  it('writes every log line, errors included, as JSON on stdout', async () => {
    harness.fake.setScenario({ users: { airflow: 'something-else' } });
    try {
      const service = start({ AIRFLOW_PASSWORD: 'wrong-password' });
      await serves(service);
      await fetch(`http://127.0.0.1:${harness.port}/api/dags/${DAG}/status`);
      await until('the refusal to be logged', async () => (service.output.includes('"level":"error"') ? true : null));
      service.kill('SIGTERM');
      await expect(service.exited()).resolves.toBe(0);
      expect(service.stderr).toBe('');
      for (const line of service.output.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    } finally {
      harness.fake.setScenario({ users: { airflow: 'airflow' } });
    }
  });
});
