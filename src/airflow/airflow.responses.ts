import { AirflowBadResponseError } from './airflow.errors.js';
import type { AirflowApiVersion, AirflowHealth, ComponentHealth, DagAttributes, DagRun, TaskInstance } from './airflow.types.js';

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
    // When an Airflow 2 run was due (Airflow 3 says so in run_after): only where Airflow gives one.
    ...(version === 'v1' && optStr(raw, 'data_interval_end', what) !== null
      ? { dataIntervalEnd: optStr(raw, 'data_interval_end', what) }
      : {}),
  };
}

export function parseRunCollection(version: AirflowApiVersion, body: unknown): DagRun[] {
  // total_entries is not read: Airflow 3.3 makes it optional and nullable (cursor pagination).
  if (!isObject(body) || !Array.isArray(body.dag_runs)) {
    throw bad('DAG run list');
  }
  return body.dag_runs.map((run) => parseRun(version, run));
}

/**
 * A page of runs and, on Airflow 3.3+, its `next_cursor`: a string while more pages follow, null on
 * the last; undefined when the server has no cursor pagination (Airflow 2, Airflow 3.0 to 3.2).
 */
export function parseRunPage(version: AirflowApiVersion, body: unknown): { runs: DagRun[]; nextCursor: string | null | undefined } {
  const runs = parseRunCollection(version, body);
  const cursor = (body as Json).next_cursor;
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') throw bad('DAG run list (next_cursor is not a string)');
  return { runs, nextCursor: cursor };
}

/** A DAG of Airflow's DAG list (DAGResponse on v2, DAG on v1), reduced to the attributes we use. */
export function parseDagAttributes(version: AirflowApiVersion, raw: unknown): DagAttributes {
  const what = 'DAG';
  if (!isObject(raw)) throw bad(what);
  const tags = raw.tags ?? [];
  const owners = raw.owners ?? [];
  if (!Array.isArray(tags) || !Array.isArray(owners)) throw bad(`${what} (tags or owners is not a list)`);
  const schedule = version === 'v2' ? optStr(raw, 'timetable_summary', what) : scheduleV1(raw.schedule_interval);
  return {
    dagId: str(raw, 'dag_id', what),
    isPaused: typeof raw.is_paused === 'boolean' ? raw.is_paused : null,
    hasImportErrors: raw.has_import_errors === true,
    nextRunAfter: optStr(raw, version === 'v2' ? 'next_dagrun_run_after' : 'next_dagrun_create_after', what),
    // v2 tags are {name, dag_id}, v1 tags {name}.
    tags: tags.map((tag) => (isObject(tag) && typeof tag.name === 'string' ? tag.name : '')).filter((name) => name !== ''),
    owners: owners.filter((owner): owner is string => typeof owner === 'string'),
    schedule,
    fileloc: optStr(raw, version === 'v2' ? 'relative_fileloc' : 'fileloc', what),
    bundleName: version === 'v2' ? optStr(raw, 'bundle_name', what) : null,
    isStale: version === 'v2' ? raw.is_stale === true : raw.is_active === false,
  };
}

/** Airflow 2's schedule_interval: {__type: CronExpression|TimeDelta|RelativeDelta, value} or null. */
function scheduleV1(value: unknown): string | null {
  if (isObject(value) && typeof value.value === 'string') return value.value;
  return null;
}

export function parseDagCollection(version: AirflowApiVersion, body: unknown): { dags: DagAttributes[]; total: number | null } {
  if (!isObject(body) || !Array.isArray(body.dags)) throw bad('DAG list');
  const total = typeof body.total_entries === 'number' ? body.total_entries : null;
  return { dags: body.dags.map((dag) => parseDagAttributes(version, dag)), total };
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

/** One import error, before its text is made fit for an answer: the file and the whole stack trace (or message). */
export interface RawImportError {
  filename: string;
  bundleName: string | null;
  stackTrace: string;
}

/** Airflow's import errors (ImportErrorCollectionResponse on v2, ImportErrorCollection on v1). */
export function parseImportErrors(version: AirflowApiVersion, body: unknown): { errors: RawImportError[]; total: number | null } {
  if (!isObject(body) || !Array.isArray(body.import_errors)) throw bad('import error list');
  const total = typeof body.total_entries === 'number' ? body.total_entries : null;
  const errors = body.import_errors.map((raw) => {
    const what = 'import error';
    if (!isObject(raw)) throw bad(what);
    return {
      filename: str(raw, 'filename', what),
      bundleName: version === 'v2' ? optStr(raw, 'bundle_name', what) : null,
      stackTrace: optStr(raw, 'stack_trace', what) ?? '',
    };
  });
  return { errors, total };
}

/**
 * The first line of an import error: for a Python traceback the exception's (the first line that is
 * not indented after the last "Traceback (most recent call last):", which the frames and source
 * lines are), else the first line that is not blank.
 */
export function firstErrorLine(stackTrace: string): string {
  const lines = stackTrace.split(/\r?\n/);
  const header = lines.findLastIndex((line) => line.startsWith('Traceback (most recent call last)'));
  if (header >= 0) {
    const error = lines.slice(header + 1).find((line) => line.trim() !== '' && !/^\s/.test(line));
    if (error !== undefined) return error.trim();
  }
  return lines.find((line) => line.trim() !== '')?.trim() ?? '';
}

function componentHealth(raw: unknown, heartbeat: string, what: string): ComponentHealth | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) throw bad(what);
  const status = optStr(raw, 'status', what);
  return { healthy: status === 'healthy' ? true : status === 'unhealthy' ? false : null, latestHeartbeat: optStr(raw, heartbeat, what) };
}

/** Airflow's health (HealthInfoResponse on v2's /monitor/health, HealthInfo on v1's /health): the scheduler and the DAG processor. */
export function parseHealth(body: unknown): AirflowHealth {
  const what = 'health answer';
  if (!isObject(body)) throw bad(what);
  const scheduler = componentHealth(body.scheduler, 'latest_scheduler_heartbeat', what);
  if (scheduler === null) throw bad(`${what} (no scheduler)`);
  return { scheduler, dagProcessor: componentHealth(body.dag_processor, 'latest_dag_processor_heartbeat', what) };
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
