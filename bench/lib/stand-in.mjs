// The stand-in Airflow (bench/stand-in-airflow.mjs) as the harness sees it: a URL and its call counter.
import path from 'node:path';
import { BENCH } from './settings.mjs';
import { startListener } from './processes.mjs';

export async function startStandInAirflow(env = {}) {
  const { child, port } = await startListener('stand-in Airflow', process.execPath, [path.join(BENCH, 'stand-in-airflow.mjs'), '0'], env);
  const url = `http://127.0.0.1:${port}`;
  const callsUrl = `${url}/__calls`;
  /** Calls so far by "METHOD path". */
  const callsByPath = async () => (await fetch(callsUrl)).json();
  /** Calls so far, all paths together. */
  const calls = async () => Object.values(await callsByPath()).reduce((a, b) => a + b, 0);
  return { child, url, callsUrl, calls, callsByPath };
}
