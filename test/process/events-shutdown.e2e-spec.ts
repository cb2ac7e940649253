import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { ServiceProcess } from '../support/service-process.js';
import { SseClient } from '../support/sse-client.js';

const DAG = 'Airflow_Lab2';
// Real processes on a possibly loaded 2-core machine: every wait is on a condition, with room.
jest.setTimeout(60_000);

let fake: FakeAirflow;
beforeAll(async () => {
  fake = await FakeAirflow.start({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG })] } });
});
afterAll(async () => {
  await fake.stop();
});

describe('stop with event streams open', () => {
  it('ends the streams at once on SIGTERM and exits 0 long before SHUTDOWN_TIMEOUT_MS', async () => {
    // A deadline far above what the test allows: were the streams holding the drain, the exit would wait for it.
    const { service, base } = await ServiceProcess.serve({
      AIRFLOW_WEBSERVER: fake.url,
      TARGET_DAG_ID: DAG,
      STATUS_CACHE_TTL_MS: '200',
      SHUTDOWN_TIMEOUT_MS: '30000',
    });
    try {
      const clients = await Promise.all(Array.from({ length: 5 }, () => SseClient.open(`${base}/api/events`)));
      await Promise.all(clients.map((c) => c.until('a status', (x) => x.statuses.length >= 1)));
      const signalled = Date.now();
      service.kill('SIGTERM');
      await expect(service.exited()).resolves.toBe(0);
      const tookMs = Date.now() - signalled;
      // Seconds at most on a loaded machine, against the 30 s deadline.
      expect(tookMs).toBeLessThan(5000);
      await Promise.all(clients.map((c) => c.until('the end of the stream', (x) => x.ended)));
      expect(service.output).not.toContain('still open after SHUTDOWN_TIMEOUT_MS');
    } finally {
      service.kill('SIGKILL');
      await service.exited();
    }
  });
});
