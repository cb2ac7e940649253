import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/airflow/airflow.sh');

/** The local Airflow of scripts/airflow/airflow.sh (simple auth manager on 8080, FAB where asked). */
export const SIMPLE_AIRFLOW = { url: 'http://127.0.0.1:8080', port: '8080', fab: false } as const;
export const FAB_AIRFLOW = { url: 'http://127.0.0.1:8081', port: '8081', fab: true } as const;
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
