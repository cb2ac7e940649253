// The stand-in Airflow (bench/stand-in-airflow.mjs) as the harness sees it: a URL, its call counters
// (by label: the change feed, the DAG list, whole reads, lookups, readiness…) and its figures.
import path from 'node:path';
import { BENCH } from './settings.mjs';
import { startListener } from './processes.mjs';

/** The sum of a {label: calls} object. */
export const total = (byLabel) => Object.values(byLabel).reduce((a, b) => a + b, 0);

/** {label: calls} after − before, labels with no call left out. */
export function callsBetween(before, after) {
  const out = {};
  for (const [label, n] of Object.entries(after)) if (n - (before[label] ?? 0) > 0) out[label] = n - (before[label] ?? 0);
  return out;
}

/** `env`: STAND_IN_DAGS, STAND_IN_RUNS, STAND_IN_DELAY_MS, STAND_IN_CLOCK_SKEW_MS (see the stand-in's header). */
export async function startStandInAirflow(env = {}) {
  const { child, port } = await startListener('stand-in Airflow', process.execPath, [path.join(BENCH, 'stand-in-airflow.mjs'), '0'], env);
  const url = `http://127.0.0.1:${port}`;
  const callsUrl = `${url}/__calls`;
  const get = async (hook) => (await fetch(`${url}${hook}`)).json();
  /** The calls so far of one client (a service's AIRFLOW_WEBSERVER prefix; every client when null), by label. */
  const callsByLabel = (client = null) => get(client === null ? '/__calls' : `/__calls?client=${encodeURIComponent(client)}`);
  return {
    child,
    url,
    callsUrl,
    /** The URL a client named `client` gives as AIRFLOW_WEBSERVER: its calls are counted apart. */
    clientUrl: (client) => `${url}/c/${encodeURIComponent(client)}`,
    clientCallsUrl: (client) => `${callsUrl}?client=${encodeURIComponent(client)}`,
    callsByLabel,
    /** Calls so far, every label together (of one client, or of all). */
    calls: async (client = null) => total(await callsByLabel(client)),
    /** In-flight calls now and at most (`reset`: the peak starts again from now), and the change feed's pages per client. */
    stats: (reset = false) => get(`/__stats${reset ? '?reset=1' : ''}`),
    /** A change of a DAG's latest run (a new run, or with `mode: 'update'` the latest one's state). */
    change: async (dagId, state, mode = 'new') =>
      (await fetch(`${url}/__state?dag_id=${encodeURIComponent(dagId)}&state=${state}&mode=${mode}`, { method: 'POST' })).json(),
    changes: async (since) => (await get(`/__changes?since=${since}`)).changes,
    served: async (dagId) => (await get(`/__served?dag_id=${encodeURIComponent(dagId)}`)).servedAt,
    faults: (periodMs) => get(`/__faults?periodMs=${periodMs}`),
  };
}
