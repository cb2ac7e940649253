import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { freePort, ServiceProcess, servingInstanceOn, until } from './service-process.js';

/** Real service processes against one fake Airflow, as the process tests use them. */
export interface ProcessHarness {
  readonly fake: FakeAirflow;
  /** A port that was free when the current test began: the one `start` serves on. */
  readonly port: number;
  /** The service's settings for this test's port, with `extra` on top. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts the built service (node flags before its script); it is killed after the test whatever happens. */
  start(extra?: Record<string, string>, nodeFlags?: string[]): ServiceProcess;
  /** Waits until `service` serves the test's port (it says so, and answers as ours there); its instance id. */
  serves(service: ServiceProcess): Promise<string>;
  /** A status request that Airflow answers only after `delayMs`, in flight once the fake has seen it. */
  slowStatusRequest(delayMs: number): Promise<{ answer: Promise<Response> }>;
}

/**
 * Registers the hooks of a process test file: one fake Airflow with a run of `dagId`, a fresh port
 * and no Airflow delay for each test, every process it started killed after it.
 */
export function processesAgainstFakeAirflow(dagId: string, defaults: Record<string, string> = {}): ProcessHarness {
  let fake: FakeAirflow | undefined;
  let port = 0;
  const started: ServiceProcess[] = [];
  beforeAll(async () => {
    fake = await FakeAirflow.start({ dags: { [dagId]: [FakeAirflow.run({ dag_id: dagId })] } });
  });
  beforeEach(async () => {
    port = await freePort();
    fake!.setScenario({ delayMs: 0 });
  });
  afterEach(async () => {
    for (const service of started.splice(0)) {
      service.kill('SIGKILL');
      await service.exited();
    }
  });
  afterAll(async () => {
    await fake?.stop();
  });
  const harness: ProcessHarness = {
    get fake(): FakeAirflow {
      if (fake === undefined) throw new Error('The fake Airflow starts in beforeAll: use it inside a test');
      return fake;
    },
    get port(): number {
      return port;
    },
    env: (extra = {}) => ({
      FLASK_PORT: String(port),
      HOST: '127.0.0.1',
      AIRFLOW_WEBSERVER: harness.fake.url,
      TARGET_DAG_ID: dagId,
      ...defaults,
      ...extra,
    }),
    start: (extra = {}, nodeFlags = []) => {
      const service = ServiceProcess.start(harness.env(extra), [], nodeFlags);
      started.push(service);
      return service;
    },
    serves: (service) =>
      until('the instance to serve', async () => {
        const id = await servingInstanceOn(port);
        return id !== null && service.output.includes('"Serving on http://') ? id : null;
      }),
    async slowStatusRequest(delayMs) {
      harness.fake.setScenario({ delayMs });
      harness.fake.clearCalls();
      const answer = fetch(`http://127.0.0.1:${port}/api/dags/${dagId}/status`);
      // The request waits for a sync of the mirror (or, cold, the DAG's first read), which now takes delayMs.
      const reading = () => harness.fake.callsTo('/api/v2/dags/~/dagRuns') + harness.fake.callsTo(`/api/v2/dags/${dagId}/dagRuns`);
      await until('the request to reach Airflow', async () => (reading() > 0 ? true : null));
      return { answer };
    },
  };
  return harness;
}
