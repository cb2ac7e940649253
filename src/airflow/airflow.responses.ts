import { AirflowBadResponseError } from './airflow.errors.js';
import type { AirflowApiVersion, DagInfo, DagRun, TaskInstance } from './airflow.types.js';

/*
 * Shape checks for the few Airflow answers we read. Only the fields we use are
 * checked (names and types as in Airflow's OpenAPI documents: DAGRunResponse,
 * DAGRunCollectionResponse and TaskInstanceCollectionResponse for /api/v2, DAGRun,
 * DAGRunCollection and TaskInstanceCollection for /api/v1);
 * anything else fails as a bad response instead of leaking undefined downstream.
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(what: string): AirflowBadResponseError {
  return new AirflowBadResponseError(`Airflow answered an unexpected ${what}`);
}

function str(obj: Json, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw bad(`${what} (${key} is not a string)`);
  return value;
}

function optStr(obj: Json, key: string, what: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw bad(`${what} (${key} is not a string)`);
  return value;
}

function parseRun(version: AirflowApiVersion, raw: unknown): DagRun {
  const what = 'DAG run';
  if (!isObject(raw)) throw bad(what);
  return {
    dagId: str(raw, 'dag_id', what),
    runId: str(raw, 'dag_run_id', what),
    state: str(raw, 'state', what),
    // Airflow 2.2+ has logical_date; older 2.x only execution_date.
    logicalDate: optStr(raw, 'logical_date', what) ?? (version === 'v1' ? optStr(raw, 'execution_date', what) : null),
    runAfter: version === 'v2' ? str(raw, 'run_after', what) : null,
    startDate: optStr(raw, 'start_date', what),
    endDate: optStr(raw, 'end_date', what),
    note: optStr(raw, 'note', what),
    runType: optStr(raw, 'run_type', what),
  };
}

export function parseRunCollection(version: AirflowApiVersion, body: unknown): DagRun[] {
  // total_entries is not read: Airflow 3.3 makes it optional and nullable (cursor pagination).
  if (!isObject(body) || !Array.isArray(body.dag_runs)) {
    throw bad('DAG run list');
  }
  return body.dag_runs.map((run) => parseRun(version, run));
}

export function parseTaskInstanceCollection(body: unknown): TaskInstance[] {
  if (!isObject(body) || !Array.isArray(body.task_instances)) throw bad('task instance list');
  return body.task_instances.map((raw) => {
    const what = 'task instance';
    if (!isObject(raw)) throw bad(what);
    const mapIndex = raw.map_index ?? -1;
    if (typeof mapIndex !== 'number' || !Number.isInteger(mapIndex)) throw bad(`${what} (map_index is not an integer)`);
    return { taskId: str(raw, 'task_id', what), state: optStr(raw, 'state', what), mapIndex };
  });
}

export function parseDag(body: unknown): DagInfo {
  if (!isObject(body)) throw bad('DAG');
  const paused = body.is_paused;
  return {
    dagId: str(body, 'dag_id', 'DAG'),
    isPaused: typeof paused === 'boolean' ? paused : null,
  };
}

/** The access token of POST /auth/token. */
export function parseToken(body: unknown): string {
  if (!isObject(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw bad('token answer');
  }
  return body.access_token;
}

/** A JWT's `exp` and `iat` (seconds since epoch), each null when it cannot be read (then we renew on 401). */
export function jwtTimes(token: string): { exp: number | null; iat: number | null } {
  const payload = token.split('.')[1];
  try {
    const claims: unknown = payload ? JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) : null;
    if (!isObject(claims)) return { exp: null, iat: null };
    return {
      exp: typeof claims.exp === 'number' ? claims.exp : null,
      iat: typeof claims.iat === 'number' ? claims.iat : null,
    };
  } catch {
    return { exp: null, iat: null };
  }
}

/** Airflow's `detail` message, when the body carries one. */
export function errorDetail(body: unknown): string | null {
  if (isObject(body) && typeof body.detail === 'string') return body.detail;
  return null;
}
