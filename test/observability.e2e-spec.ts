import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { ServiceProcess } from './support/service-process.js';

const DAG = 'Airflow_Lab2';
const PASSWORD = 'Sup3r-Secret-Passw0rd';

/** Logs of the real process, at the most verbose level, through success, refusal and failures. */
describe('logs of the running service', () => {
  let fake: FakeAirflow;
  let service: ServiceProcess;
  let base: string;
  let lines: Array<Record<string, unknown>>;

  beforeAll(async () => {
    fake = await FakeAirflow.start({
      auth: 'jwt',
      users: { airflow: PASSWORD },
      dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })] },
    });
    ({ service, base } = await ServiceProcess.serve({
      AIRFLOW_WEBSERVER: fake.url,
      AIRFLOW_PASSWORD: PASSWORD,
      STATUS_CACHE_TTL_MS: '0',
      LOG_LEVEL: 'verbose',
    }));

    await fetch(`${base}/api/dags/${DAG}/status`, { headers: { 'X-Request-Id': 'trace-me-1' } });
    await fetch(`${base}/`);
    await fetch(`${base}/api/dags/bad%20id/status`);
    fake.expireTokensNow();
    await fetch(`${base}/api/dags/${DAG}/status`);
    fake.setScenario({ users: { airflow: 'changed-elsewhere' } });
    fake.expireTokensNow();
    await fetch(`${base}/api/dags/${DAG}/status`);
    await fake.down();
    await fetch(`${base}/api/dags/${DAG}/status`);
    await fetch(`${base}/health/ready`);

    service.kill('SIGTERM');
    await service.exited();
    lines = service.output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }, 60_000);

  afterAll(async () => {
    service?.kill('SIGKILL');
    await fake?.stop();
  });

  it('never carries the Airflow password, nor the basic or bearer credentials', () => {
    expect(service.output).not.toContain(PASSWORD);
    expect(service.output).not.toContain(Buffer.from(`airflow:${PASSWORD}`).toString('base64'));
    expect(service.output).not.toMatch(/Bearer [A-Za-z0-9_-]+\./);
  });

  it('writes one JSON line per event, each request line with its request id', () => {
    const requests = lines.filter((line) => line.message === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(7);
    for (const line of requests) {
      expect(line).toEqual(expect.objectContaining({ request_id: expect.any(String), method: 'GET', status: expect.any(Number) }));
    }
    expect(requests.find((line) => line.request_id === 'trace-me-1')).toMatchObject({ route: '/api/dags/:dagId/status', status: 200 });
  });

  it('names each line after its class, as written (the bundle keeps class names)', () => {
    const contexts = new Set(lines.map((line) => line.context));
    expect(contexts).toContain('AirflowSession');
    expect(contexts).toContain('AirflowTransport');
    expect(contexts).toContain('PortGuardService');
    expect([...contexts].filter((context) => /_\d+$/.test(String(context)))).toEqual([]);
  });

  it('logs changes of state, not every failure', () => {
    const refused = lines.filter((line) => String(line.message).includes('refused the credentials'));
    expect(refused).toHaveLength(1);
    const unavailable = lines.filter((line) => String(line.message).startsWith('Airflow became unavailable'));
    expect(unavailable).toHaveLength(1);
  });
});
