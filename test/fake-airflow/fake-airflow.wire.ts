/**
 * What the fake Airflow puts on the wire and reads from it: its replies, both versions' error bodies and
 * timestamps, run and task-instance bodies, and the query parameters, read as each version's framework
 * does (FastAPI and pydantic on v2: 422; connexion and Airflow 2's decorators on v1: 400).
 */
import type { FakeApiVersion, FakeDagRun, FakeFault, FakeTaskInstance } from './fake-airflow.types.js';

export type Reply =
  | { kind: 'json'; status: number; body: unknown; contentType?: string; headers?: Record<string, string> }
  | { kind: 'text'; status: number; body: string; contentType: string }
  | { kind: 'hang' }
  | { kind: 'reset' };

/** Airflow 2's problem `type` links name its version. */
const AIRFLOW2_VERSION = '2.10.5';

/** [api] fallback_page_limit: 50 on Airflow 3, 100 on Airflow 2. */
const DEFAULT_LIMIT: Record<FakeApiVersion, number> = { v2: 50, v1: 100 };
/** [api] maximum_page_limit, 100 on both. */
const MAX_PAGE_LIMIT = 100;

/** Airflow's timestamp format: pydantic's (no fraction when zero, 'Z'). */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Airflow 2's timestamp format (marshmallow's `+00:00`). */
export function airflow2Time(v: string | null): string | null {
  return v === null ? null : v.replace(/Z$/, '+00:00');
}

export function json(body: unknown, status = 200): Reply {
  return { kind: 'json', status, body };
}

/** FastAPI's error body (HTTPExceptionResponse). */
export function httpError(status: number, detail: string): Reply {
  return { kind: 'json', status, body: { detail } };
}

/** Airflow 2's RFC 7807 error body. */
export function problem(status: number, title: string, detail: string | null, errorType: string, headers?: Record<string, string>): Reply {
  const type = `https://airflow.apache.org/docs/apache-airflow/${AIRFLOW2_VERSION}/stable-rest-api-ref.html#section/Errors/${errorType}`;
  return { kind: 'json', status, contentType: 'application/problem+json', headers, body: { detail, status, title, type } };
}

/** A 400 in each version's shape (Airflow's own checks: order_by, cursor). */
export function badRequest(v: FakeApiVersion, detail: string): Reply {
  return v === 'v2' ? httpError(400, detail) : problem(400, 'Bad Request', detail, 'BadRequest');
}

export function faultReply(fault: Exclude<FakeFault, 'none' | 'echo'>): Reply {
  switch (fault) {
    case 'hang':
      return { kind: 'hang' };
    case 'reset':
      return { kind: 'reset' };
    case 'garbage':
      return {
        kind: 'text',
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: '<html><h1>502 Bad Gateway</h1>not json {"dag_runs": [</html>',
      };
    case 'http500':
      return httpError(500, 'Internal Server Error');
  }
}

// ---- query parameters ---------------------------------------------------------------------------

/** Thrown by Query; the route answers its reply. */
export class QueryError extends Error {
  constructor(readonly reply: Reply) {
    super('bad query parameter');
  }
}

/** pydantic's datetime input: a date, or a date and time with an optional offset (none: UTC here). */
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const TRUE = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/** Epoch ms (fractional below the ms) of a datetime pydantic accepts, or NaN. */
function parseDatetime(raw: string): number {
  const m = DATETIME.exec(raw);
  if (!m) return NaN;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', tz = 'Z'] = m;
  const offset = tz.toUpperCase() === 'Z' ? 'Z' : `${tz.slice(0, 3)}:${tz.slice(-2)}`;
  const whole = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return frac === '' ? whole : whole + Number(`0${frac}`) * 1000;
}

/** The query parameters of one request, read as the version's framework reads them. */
export class Query {
  constructor(
    private readonly v: FakeApiVersion,
    readonly params: URLSearchParams,
  ) {}

  get(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  all(name: string): string[] {
    return this.params.getAll(name);
  }

  /** `limit`, capped at [api] maximum_page_limit. v1 (check_limit): 0 means the default, below 0 is refused. */
  limit(): number {
    const v = this.v;
    const limit = this.int('limit', DEFAULT_LIMIT[v], v === 'v2' ? 0 : -Infinity);
    if (v === 'v1' && limit < 0) throw new QueryError(problem(400, 'Bad Request', 'Page limit must be a positive integer', 'BadRequest'));
    return Math.min(v === 'v1' && limit === 0 ? DEFAULT_LIMIT.v1 : limit, MAX_PAGE_LIMIT);
  }

  int(name: string, fallback: number, min = 0): number {
    const raw = this.params.get(name);
    if (raw === null) return fallback;
    const value = /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (Number.isNaN(value)) {
      this.fail(
        name,
        raw,
        'int_parsing',
        'Input should be a valid integer, unable to parse string as an integer',
        `Wrong type, expected 'integer' for query parameter '${name}'`,
      );
    }
    if (value < min) {
      this.fail(
        name,
        raw,
        'greater_than_equal',
        `Input should be greater than or equal to ${min}`,
        `${value} is less than the minimum of ${min}`,
        { ge: min },
      );
    }
    return value;
  }

  bool(name: string): boolean | undefined {
    const raw = this.params.get(name);
    if (raw === null) return undefined;
    const lower = raw.trim().toLowerCase();
    // connexion takes only true/false; pydantic's lax mode more.
    if (lower === 'true' || (this.v === 'v2' && TRUE.has(lower))) return true;
    if (lower === 'false' || (this.v === 'v2' && FALSE.has(lower))) return false;
    return this.fail(
      name,
      raw,
      'bool_parsing',
      'Input should be a valid boolean, unable to interpret input',
      `Wrong type, expected 'boolean' for query parameter '${name}'`,
    );
  }

  /**
   * A datetime, as epoch ms. v1 (Airflow 2's format_datetime) turns spaces back into '+', an offset sent
   * unencoded; v2 (pydantic) does not, so `+00:00` sent raw arrives as ' 00:00' and is refused.
   */
  time(name: string): number | undefined {
    const raw = this.params.get(name);
    if (raw === null) return undefined;
    const text = this.v === 'v1' && !raw.trim().endsWith('Z') ? raw.trim().replace(/ /g, '+') : raw;
    const ms = parseDatetime(text);
    if (Number.isNaN(ms)) {
      if (this.v === 'v1')
        throw new QueryError(problem(400, 'Incorrect datetime argument', `Unable to parse string [${raw}]`, 'BadRequest'));
      this.fail(name, raw, 'datetime_from_date_parsing', 'Input should be a valid datetime or date, invalid character in year', '');
    }
    return ms;
  }

  literal<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.params.get(name);
    if (raw === null) return undefined;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    const expected = allowed.map((a) => `'${a}'`).join(' or ');
    return this.fail(name, raw, 'literal_error', `Input should be ${expected}`, `'${raw}' is not one of ${JSON.stringify(allowed)}`, {
      expected,
    });
  }

  /**
   * Airflow 2's connexion validates strictly: a parameter its spec does not declare for the route is a 400
   * (`updated_at_gt`, `cursor`... are Airflow 3's). v2 (FastAPI) ignores unknown parameters.
   */
  onlyV1(allowed: readonly string[]): void {
    if (this.v !== 'v1') return;
    const extra = [...new Set(this.params.keys())].filter((k) => !allowed.includes(k));
    if (extra.length > 0) {
      throw new QueryError(problem(400, 'Bad Request', `Extra query parameter(s) ${extra.join(', ')} not in spec`, 'BadRequest'));
    }
  }

  /** pydantic's 422 (HTTPValidationError) on v2, connexion's 400 on v1. */
  private fail(name: string, input: string, type: string, msg: string, v1Detail: string, ctx?: Record<string, unknown>): never {
    throw new QueryError(
      this.v === 'v2'
        ? json({ detail: [{ type, loc: ['query', name], msg, input, ...(ctx ? { ctx } : {}) }] }, 422)
        : problem(400, 'Bad Request', v1Detail, 'BadRequest'),
    );
  }
}

// ---- bodies -------------------------------------------------------------------------------------

/** Airflow 3.3's DAGRunResponse: the run without the fake's own fields. */
export function runV2(run: FakeDagRun): unknown {
  const { id: _id, updated_at: _updatedAt, ...body } = run;
  return body;
}

/** Airflow 2.10's DAGRun schema: always an execution (logical) date, `+00:00` times. */
export function runV1(run: FakeDagRun): unknown {
  const logical = airflow2Time(run.logical_date ?? run.run_after);
  return {
    dag_run_id: run.dag_run_id,
    dag_id: run.dag_id,
    logical_date: logical,
    execution_date: logical,
    start_date: airflow2Time(run.start_date),
    end_date: airflow2Time(run.end_date),
    data_interval_start: logical,
    data_interval_end: logical,
    last_scheduling_decision: airflow2Time(run.last_scheduling_decision),
    run_type: run.run_type,
    state: run.state,
    external_trigger: run.run_type === 'manual',
    conf: run.conf ?? {},
    note: run.note,
  };
}

/** Airflow 3.3's TaskInstanceResponse for a task of `run`. */
export function taskInstanceV2(run: FakeDagRun, task: FakeTaskInstance, index: number): unknown {
  const ended = task.state === 'success' || task.state === 'failed' || task.state === 'upstream_failed' || task.state === 'skipped';
  return {
    id: `0190a0a0-0000-7000-8000-${String(index).padStart(12, '0')}`,
    task_id: task.task_id,
    dag_id: run.dag_id,
    dag_run_id: run.dag_run_id,
    map_index: task.map_index ?? -1,
    logical_date: run.logical_date,
    run_after: run.run_after,
    start_date: task.state === 'upstream_failed' ? null : run.start_date,
    end_date: ended ? run.end_date : null,
    duration: null,
    state: task.state,
    try_number: task.state === 'upstream_failed' ? 0 : 1,
    max_tries: 0,
    task_display_name: task.task_id,
    dag_display_name: run.dag_display_name,
    hostname: null,
    unixname: null,
    pool: 'default_pool',
    pool_slots: 1,
    queue: 'default',
    priority_weight: 1,
    operator: 'PythonOperator',
    operator_name: 'PythonOperator',
    queued_when: null,
    scheduled_when: null,
    pid: null,
    executor: null,
    executor_config: '{}',
    note: null,
    rendered_map_index: null,
    rendered_fields: {},
    trigger: null,
    triggerer_job: null,
    dag_version: null,
  };
}

/** Airflow 2.10's TaskInstance schema, its identity and state. */
export function taskInstanceV1(run: FakeDagRun, task: FakeTaskInstance): unknown {
  return {
    task_id: task.task_id,
    dag_id: run.dag_id,
    dag_run_id: run.dag_run_id,
    execution_date: airflow2Time(run.logical_date ?? run.run_after),
    map_index: task.map_index ?? -1,
    state: task.state,
    try_number: 1,
    start_date: airflow2Time(run.start_date),
    end_date: airflow2Time(run.end_date),
    operator: 'PythonOperator',
    note: null,
  };
}
