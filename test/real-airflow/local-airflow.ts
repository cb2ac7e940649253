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

/** Runs a subcommand of airflow.sh (install, up, down, status) for one of the local Airflows. */
export async function airflowSh(command: 'install' | 'up' | 'down' | 'status', which: LocalAirflow = SIMPLE_AIRFLOW): Promise<string> {
  const args = [SCRIPT, command, ...(which.fab && command !== 'install' ? ['--fab'] : [])];
  const { stdout, stderr } = await run('bash', args, {
    env: { ...process.env, AIRFLOW_PORT: which.port },
    // `up` waits for health and the DAGs itself (AIRFLOW_UP_TIMEOUT, 180 s by default).
    timeout: 400_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

/**
 * Where the Airflow UI shows a task's log: the link the service must give for a failed task (worked
 * out here, not by the code under test). Airflow 2 (npm run compat) has no run pages: its grid's log tab.
 */
export function taskLogUrl(which: LocalAirflow, dagId: string, runId: string, taskId: string): string {
  if (process.env.AIRFLOW_TEST_MAJOR === '2') {
    return `${which.url}/dags/${dagId}/grid?dag_run_id=${encodeURIComponent(runId)}&task_id=${taskId}&tab=logs`;
  }
  return `${which.url}/dags/${dagId}/runs/${encodeURIComponent(runId)}/tasks/${taskId}`;
}
