import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/airflow/airflow.sh');

// 8080/8081 as in CI; `npm run compat` points the suites at other Airflows (AIRFLOW_DIR) on other ports.
const simplePort = process.env.AIRFLOW_TEST_PORT ?? '8080';
const fabPort = process.env.AIRFLOW_TEST_FAB_PORT ?? '8081';

/** The local Airflow of scripts/airflow/airflow.sh (simple auth manager on 8080, FAB where asked). */
export const SIMPLE_AIRFLOW = { url: `http://127.0.0.1:${simplePort}`, port: simplePort, fab: false } as const;
export const FAB_AIRFLOW = { url: `http://127.0.0.1:${fabPort}`, port: fabPort, fab: true } as const;
export type LocalAirflow = typeof SIMPLE_AIRFLOW | typeof FAB_AIRFLOW;

/**
 * Where the code of the status_probe_import DAG lives (dags/status_probe_import.py runs it): the folder the
 * global setup hands Airflow as AIRFLOW_STATUS_PROBE_DAGS, which makes the status_probe_* DAGs exist.
 */
export const PROBE_FOLDER =
  process.env.AIRFLOW_STATUS_PROBE_DAGS ?? resolve(process.env.AIRFLOW_DIR ?? resolve(dirname(SCRIPT), '../../.airflow'), 'probes');

/**
 * Runs a subcommand of airflow.sh (install, up, down, status; stop with the components to stop) for one of
 * the local Airflows. `up` starts again what `stop` stopped, with the probe DAGs as the global setup has them.
 */
export async function airflowSh(
  command: 'install' | 'up' | 'down' | 'status' | 'stop',
  which: LocalAirflow = SIMPLE_AIRFLOW,
  ...components: string[]
): Promise<string> {
  return airflowShWith(which.fab ? {} : { AIRFLOW_STATUS_PROBE_DAGS: PROBE_FOLDER }, command, which, components);
}

/**
 * Starts the component that parses DAG files (the dag-processor on Airflow 3, the scheduler on Airflow 2)
 * again, with the status_probe_* DAGs or without them: for an Airflow the global setup found already up (the
 * demo's), which has none, and is left as it was found.
 */
export async function restartDagParser(api: 'v1' | 'v2', probes: boolean): Promise<void> {
  const parser = api === 'v2' ? 'dag-processor' : 'scheduler';
  const env = probes ? { AIRFLOW_STATUS_PROBE_DAGS: PROBE_FOLDER } : { AIRFLOW_STATUS_PROBE_DAGS: '' };
  await airflowShWith(env, 'stop', SIMPLE_AIRFLOW, [parser]);
  await airflowShWith(env, 'up', SIMPLE_AIRFLOW, []);
}

async function airflowShWith(
  extraEnv: Record<string, string>,
  command: string,
  which: LocalAirflow,
  components: readonly string[],
): Promise<string> {
  const args = [SCRIPT, command, ...(which.fab && command !== 'install' ? ['--fab'] : []), ...components];
  const { stdout, stderr } = await run('bash', args, {
    env: { ...process.env, AIRFLOW_PORT: which.port, ...extraEnv },
    // `up` waits for health and the DAGs itself (AIRFLOW_UP_TIMEOUT, 180 s by default).
    timeout: 400_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

/**
 * Where the Airflow UI shows a task's log: the link the service must give for a failed task, worked
 * out here (not by the code under test) for the API the server has: Airflow 3's task page (v2), or
 * Airflow 2's grid on the log tab (v1).
 */
export function taskLogUrl(which: LocalAirflow, api: 'v1' | 'v2', dagId: string, runId: string, taskId: string): string {
  const [dag, run, task] = [dagId, runId, taskId].map(encodeURIComponent);
  return api === 'v1'
    ? `${which.url}/dags/${dag}/grid?dag_run_id=${run}&task_id=${task}&tab=logs`
    : `${which.url}/dags/${dag}/runs/${run}/tasks/${task}`;
}
