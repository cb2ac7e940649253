import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { freePort, isPortFree, servingInstanceOn } from '../support/service-process.js';
import { AirflowRest, waitFor } from '../../scripts/airflow/airflow-rest.mjs';
import { SIMPLE_AIRFLOW } from './local-airflow.js';

const LAUNCHER = 'Airflow_Lab2_Flask';
const TASK = 'start_Flask_API';
const airflow = new AirflowRest(SIMPLE_AIRFLOW.url);
let port: number;
const runs: string[] = [];

async function launch(extraEnv: Record<string, string> = {}): Promise<string> {
  const env = { FLASK_PORT: String(port), HOST: '127.0.0.1', WATCHDOG_INTERVAL_SECONDS: '1', ...extraEnv };
  const runId = (await airflow.trigger(LAUNCHER, { env })).dag_run_id;
  runs.push(runId);
  return runId;
}

/** Waits until the run's service has found an instance of ours on the port and watches it (the watchdog's "Standing by" log line). */
async function standingBy(runId: string): Promise<void> {
  await airflow.waitForTaskLog(LAUNCHER, runId, TASK, /Standing by: instance \S+ serves port/, 60_000);
}

const servingInstance = (): Promise<string | null> => servingInstanceOn(port);

const portIsFree = (): Promise<boolean> => isPortFree(port);

beforeEach(async () => {
  port = await freePort();
});

afterEach(async () => {
  // Whatever happened, stop every run this test started, the way an operator would.
  for (const runId of runs.splice(0)) {
    await airflow.setRunState(LAUNCHER, runId, 'failed').catch(() => undefined);
  }
  await waitFor(`port ${port} to be free`, 60_000, async () => ((await portIsFree()) ? true : null));
}, 90_000);

/** The seed's launcher DAG, for real: Airflow starts the built service, stands by, takes over and stops it. */
describe('Airflow_Lab2_Flask starts, stands by, takes over and stops the service', () => {
  it('serves, stands a second run by, takes over when the first run is marked failed, and frees the port', async () => {
    const first = await launch();
    const firstInstance = await waitFor('the launched service to answer', 120_000, servingInstance);

    const second = await launch();
    await airflow.waitForTask(LAUNCHER, second, TASK, ['running']);
    // Once the second instance has found the first one serving, the first still serves and the second run still runs: it stands by.
    await standingBy(second);
    expect(await servingInstance()).toBe(firstInstance);
    expect(await airflow.taskState(LAUNCHER, second, TASK)).toBe('running');

    await airflow.setRunState(LAUNCHER, first, 'failed');
    const secondInstance = await waitFor('the standby to take over', 60_000, async () => {
      const id = await servingInstance();
      return id && id !== firstInstance ? id : null;
    });
    expect(secondInstance).not.toBe(firstInstance);
    expect(await airflow.taskState(LAUNCHER, second, TASK)).toBe('running');

    await airflow.setRunState(LAUNCHER, second, 'failed');
    await waitFor('the port to be free', 60_000, async () => ((await portIsFree()) ? true : null));
  }, 240_000);

  it('with WATCHDOG_ON_LOSS=exit the standby run fails by itself when the serving run is stopped', async () => {
    const first = await launch();
    await waitFor('the launched service to answer', 120_000, servingInstance);
    const second = await launch({ WATCHDOG_ON_LOSS: 'exit' });
    await airflow.waitForTask(LAUNCHER, second, TASK, ['running']);
    await standingBy(second); // watching the first instance, so that its loss is seen as one
    await airflow.setRunState(LAUNCHER, first, 'failed');
    await airflow.waitForRun(LAUNCHER, second, ['failed'], 60_000);
    await waitFor('the port to be free', 60_000, async () => ((await portIsFree()) ? true : null));
  }, 240_000);
});

/** A run's conf is written by anyone allowed to trigger the DAG: it may set only the documented harmless settings. */
describe("Airflow_Lab2_Flask's run conf", () => {
  it.each([
    ['a server of its own for the credentials, and Node options', { AIRFLOW_WEBSERVER: 'http://127.0.0.1:9', NODE_OPTIONS: '--inspect' }],
    ['the executable and the script', { NODE_BINARY: '/bin/sh', NODE_SERVICE_SCRIPT: '/tmp/x.sh' }],
  ])(
    'refuses %s: the task fails naming them, and nothing starts',
    async (_what, refused) => {
      const runId = await launch(refused);
      await airflow.waitForRun(LAUNCHER, runId, ['failed'], 120_000);
      const log = (await airflow.taskLog(LAUNCHER, runId, TASK)).join('\n');
      expect(log).toContain('nothing was started');
      for (const name of Object.keys(refused)) expect(log).toContain(`'${name}'`);
      expect(log).not.toMatch(/starting .*main\.js|node pid/);
      expect(await portIsFree()).toBe(true);
    },
    180_000,
  );
});
