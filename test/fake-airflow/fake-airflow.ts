/**
 * A fake Apache Airflow REST API, for what the real one (scripts/airflow/airflow.sh) cannot easily be made to
 * do: hang, reset, answer garbage or 500, expire or invalidate tokens, not know a DAG, speak Airflow 2, answer
 * slowly. It serves only what the service calls:
 *
 *   GET  /api/v2/monitor/health, /api/v1/health   version detection (no auth)
 *   POST /auth/token                              Airflow 3 login (absent on Airflow 2: 404)
 *   GET  /api/{v}/dags/{dag_id}                   readiness
 *   GET  /api/{v}/dags/{dag_id}/dagRuns?order_by=&limit=&state=   (state repeatable)
 *   GET  /api/{v}/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances?state=&limit=
 *
 * v2 = Airflow 3.3 api-server: JWT, FastAPI `{"detail"}` errors; its bodies are checked against the OpenAPI
 * documents of the installed Airflow by fake-airflow.e2e-spec.ts. v1 = Airflow 2.10 webserver: HTTP basic,
 * RFC 7807 problem+json errors, written from its documented API (Airflow 3 ships no v1 spec to check them by).
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FakeApiVersion = 'v2' | 'v1';
/**
 * The credentials accepted. Real Airflow 3 accepts only 'jwt' on /api/v2 ('basic' there stands for FAB's
 * basic-auth backend); on v1 every mode but 'none' and 'session' means HTTP basic, as on Airflow 2.
 * 'session' (v1 only): Airflow 2's default [api] auth_backends, session only, so HTTP basic is refused whatever the password.
 */
export type FakeAuthMode = 'jwt' | 'basic' | 'jwt+basic' | 'none' | 'session';
/**
 * What every request gets instead of its answer. 'echo' is a careless proxy (or server): a 400 whose `detail`
 * repeats the request, its Authorization header and body (the login's password) included.
 */
export type FakeFault = 'none' | 'hang' | 'garbage' | 'http500' | 'reset' | 'echo';
export type FakeAuthScheme = 'bearer' | 'basic' | 'none';

/** A DAG run as Airflow 3's DAGRunResponse, plus its primary key `id` (the sort tie-breaker; not served). */
export interface FakeDagRun {
  id: number;
  dag_run_id: string;
  dag_id: string;
  logical_date: string | null;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  data_interval_start: string | null;
  data_interval_end: string | null;
  run_after: string;
  last_scheduling_decision: string | null;
  /** Only the run types both API versions have. */
  run_type: 'scheduled' | 'manual' | 'backfill';
  state: 'queued' | 'running' | 'success' | 'failed';
  triggered_by: 'timetable' | 'rest_api' | 'backfill';
  triggering_user_name: string | null;
  conf: Record<string, unknown> | null;
  note: string | null;
  dag_versions: [];
  bundle_version: string | null;
  dag_display_name: string;
  partition_key: string | null;
  partition_date: string | null;
}

/** A task instance of a run: the fake fills in the rest of Airflow's TaskInstanceResponse. */
export interface FakeTaskInstance {
  task_id: string;
  state: 'success' | 'failed' | 'upstream_failed' | 'running' | 'queued' | 'skipped' | null;
  map_index?: number;
}

export interface FakeAirflowOptions {
  apiVersion: FakeApiVersion;
  auth: FakeAuthMode;
  /** username -> password, for the token endpoint and HTTP basic. */
  users: Record<string, string>;
  /** Lifetime of the JWTs it issues ([api_auth] jwt_expiration_time). */
  tokenTtlSeconds: number;
  /** Runs per DAG, served as runs of the key's DAG. A DAG with [] exists and has no run; one not in the map is unknown. */
  dags: Record<string, FakeDagRun[]>;
  /** Task instances by run id (`dag_run_id`); a run not in the map has none. */
  tasks: Record<string, FakeTaskInstance[]>;
  fault: FakeFault;
  /** Latency before every answer, faults included. */
  delayMs: number;
  /** DAGs whose requests (the DAG and its runs) never answer, whatever else does. */
  hangDags: string[];
  /** Clock (epoch ms) for the JWTs' iat and exp; a test may set it back. */
  now: () => number;
}

export interface FakeCall {
  path: string;
  query: Record<string, string>;
  /** null while unanswered, and for 'hang' and 'reset'. */
  status: number | null;
  authScheme: FakeAuthScheme;
}

const DEFAULTS: FakeAirflowOptions = {
  apiVersion: 'v2',
  auth: 'jwt',
  users: { airflow: 'airflow' },
  tokenTtlSeconds: 3600,
  dags: {},
  tasks: {},
  fault: 'none',
  delayMs: 0,
  hangDags: [],
  now: () => Date.now(),
};

/** [api] fallback_page_limit: 50 on Airflow 3, 100 on Airflow 2. */
const DEFAULT_LIMIT: Record<FakeApiVersion, number> = { v2: 50, v1: 100 };
/** [api] maximum_page_limit, 100 on both. */
const MAX_PAGE_LIMIT = 100;
/** Default run times count from here, an hour per run id, so later-built runs are later. */
const RUN_BASE_MS = Date.UTC(2025, 0, 1);
const HOUR_MS = 3_600_000;
/** Airflow 2's problem `type` links name its version. */
const AIRFLOW2_VERSION = '2.10.5';

type SortValue = number | null;
const time = (v: string | null): number | null => (v === null ? null : Date.parse(v));
/**
 * The `order_by` attributes the fake sorts on: the ones the service uses, the default (`id`), and on v2 the
 * `logical_date` a service bug could pick instead of `run_after`. Airflow answers 400 for an attribute it does
 * not allow (v2 has no execution_date, v1 no run_after); the fake does too, and for any other it does not emulate.
 */
const SORT_KEYS: Record<FakeApiVersion, Record<string, (run: FakeDagRun) => SortValue>> = {
  v2: { id: (r) => r.id, run_after: (r) => time(r.run_after), logical_date: (r) => time(r.logical_date) },
  // Airflow 2 has no run without execution date: its manual runs carry their trigger time.
  v1: { id: (r) => r.id, execution_date: (r) => time(r.logical_date ?? r.run_after) },
};

/** Airflow's timestamp format: pydantic's (no fraction when zero, 'Z'). */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Airflow 2's timestamp format (marshmallow's `+00:00`). */
function airflow2Time(v: string | null): string | null {
  return v === null ? null : v.replace(/Z$/, '+00:00');
}

type Reply =
  | { kind: 'json'; status: number; body: unknown; contentType?: string; headers?: Record<string, string> }
  | { kind: 'text'; status: number; body: string; contentType: string }
  | { kind: 'hang' }
  | { kind: 'reset' };

let lastRunId = 0;

export class FakeAirflow {
  readonly calls: FakeCall[] = [];
  private options: FakeAirflowOptions;
  private readonly initial: FakeAirflowOptions;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private boundPort = 0;
  /** Bumped on every stop, so an answer delayed across a stop is never sent. */
  private epoch = 0;
  private secret = randomBytes(32);
  /** JWT ids are serial numbers; those up to `expiredUpTo` answer 401 Token Expired. */
  private tokensIssued = 0;
  private expiredUpTo = 0;

  private constructor(options: FakeAirflowOptions) {
    this.initial = options;
    this.options = options;
  }

  static async start(options: Partial<FakeAirflowOptions> = {}): Promise<FakeAirflow> {
    const fake = new FakeAirflow({ ...DEFAULTS, ...options });
    await fake.listen(0);
    return fake;
  }

  /**
   * A DAG run with spec-valid defaults: a successful scheduled run of one minute, its times derived from
   * `run_after` (the base time plus an hour per fresh id unless given). `logical_date: null` makes a run
   * without logical date, as a manual run on Airflow 3.
   */
  static run(partial: Partial<Omit<FakeDagRun, 'id'>> = {}): FakeDagRun {
    const id = ++lastRunId;
    const state = partial.state ?? 'success';
    const runType = partial.run_type ?? 'scheduled';
    const runAfter = partial.run_after ?? iso(RUN_BASE_MS + id * HOUR_MS);
    const logical = partial.logical_date === undefined ? runAfter : partial.logical_date;
    const startMs = Date.parse(runAfter) + 1_000;
    const start = state === 'queued' ? null : iso(startMs);
    const end = state === 'success' || state === 'failed' ? iso(startMs + 60_000) : null;
    const dagId = partial.dag_id ?? 'example_dag';
    return {
      id,
      dag_run_id: `${runType}__${airflow2Time(logical ?? runAfter)}`,
      dag_id: dagId,
      logical_date: logical,
      queued_at: runAfter,
      start_date: start,
      end_date: end,
      duration: end === null ? null : 60,
      data_interval_start: logical,
      data_interval_end: logical,
      run_after: runAfter,
      last_scheduling_decision: end ?? start,
      run_type: runType,
      state,
      triggered_by: runType === 'manual' ? 'rest_api' : runType === 'backfill' ? 'backfill' : 'timetable',
      triggering_user_name: runType === 'manual' ? 'airflow' : null,
      conf: {},
      note: null,
      dag_versions: [],
      bundle_version: null,
      dag_display_name: dagId,
      partition_key: null,
      partition_date: null,
      ...partial,
    };
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** Changes behaviour from the next request on. */
  setScenario(partial: Partial<FakeAirflowOptions>): void {
    this.options = { ...this.options, ...partial };
  }

  /** Back to the options given to start(), with an empty call log. Tokens and the signing secret stay as they are. */
  reset(): void {
    this.options = this.initial;
    this.calls.length = 0;
  }

  /** Every token issued so far answers 401 `Token Expired` from now on, as once its `exp` has passed. */
  expireTokensNow(): void {
    this.expiredUpTo = this.tokensIssued;
  }

  /** A new signing secret: tokens issued so far answer 403 `Invalid JWT token`, as after a real secret change. */
  rotateSecret(): void {
    this.secret = randomBytes(32);
  }

  /** Number of calls whose path starts with the prefix. */
  callsTo(pathPrefix: string): number {
    return this.calls.filter((c) => c.path.startsWith(pathPrefix)).length;
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  /** Closes the server and destroys every open socket, hung ones included. Idempotent. */
  async stop(): Promise<void> {
    this.epoch++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Goes down (connection refused) until restart(). */
  async down(): Promise<void> {
    await this.stop();
  }

  /** Up again on the same port, with the same runs, tokens and secret. */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen(this.boundPort);
  }

  // ---- server plumbing ----------------------------------------------------------------------

  private async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.on('error', () => undefined);
    const epoch = this.epoch;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const call: FakeCall = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: null,
      authScheme: authSchemeOf(req.headers.authorization),
    };
    this.calls.push(call);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.answer(req, res, url, Buffer.concat(chunks).toString('utf8'), call, epoch);
    });
  }

  private async answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: string,
    call: FakeCall,
    epoch: number,
  ): Promise<void> {
    const { fault, delayMs } = this.options;
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          resolve();
        }, delayMs);
        this.timers.add(t);
      });
    }
    if (epoch !== this.epoch || res.destroyed) return;
    let reply: Reply;
    try {
      reply =
        fault === 'echo'
          ? httpError(400, `Bad request ${req.method ?? ''} ${url.pathname}: ${body} (Authorization: ${req.headers.authorization ?? ''})`)
          : fault === 'none'
            ? this.route(req, url, body)
            : faultReply(fault);
    } catch (err) {
      reply = httpError(500, `FakeAirflow bug: ${(err as Error).message}`);
    }
    if (reply.kind === 'hang') return; // never answers; stop() destroys the socket
    if (reply.kind === 'reset') {
      res.socket?.resetAndDestroy();
      return;
    }
    call.status = reply.status;
    const payload = reply.kind === 'json' ? JSON.stringify(reply.body) : reply.body;
    res.writeHead(reply.status, {
      'content-type': reply.contentType ?? 'application/json',
      'content-length': Buffer.byteLength(payload),
      ...(reply.kind === 'json' ? reply.headers : {}),
    });
    res.end(payload);
  }

  // ---- routing ------------------------------------------------------------------------------

  private route(req: http.IncomingMessage, url: URL, body: string): Reply {
    const { apiVersion: v } = this.options;
    const path = url.pathname;
    if (v === 'v2' && path === '/auth/token' && req.method === 'POST') return this.login(body);
    const api = new RegExp(
      `^/api/${v}/(?:(${v === 'v2' ? 'monitor/health' : 'health'})|dags/([^/]+)(?:(/dagRuns)(?:/([^/]+)/taskInstances)?)?)$`,
    ).exec(path);
    if (!api || req.method !== 'GET') {
      // Airflow 2's webserver answers paths it does not know (/api/v2/..., /auth/token) with its HTML 404 page.
      return v === 'v2'
        ? httpError(404, 'Not Found')
        : {
            kind: 'text',
            status: 404,
            contentType: 'text/html; charset=utf-8',
            body: '<!DOCTYPE html><h1>Airflow 404 = lots of circles</h1>',
          };
    }
    if (api[1]) return { kind: 'json', status: 200, body: this.health() };
    const refused = v === 'v2' ? this.authenticateV2(req) : this.authenticateV1(req);
    if (refused) return refused;
    const dagId = decodeURIComponent(api[2]);
    if (this.options.hangDags.includes(dagId)) return { kind: 'hang' };
    if (api[4]) return this.taskInstances(dagId, decodeURIComponent(api[4]), url.searchParams);
    if (api[3]) return v === 'v2' ? this.dagRunsV2(dagId, url.searchParams) : this.dagRunsV1(dagId, url.searchParams);
    return v === 'v2' ? this.dagV2(dagId) : this.dagV1(dagId);
  }

  private runsOf(dagId: string, params?: URLSearchParams): FakeDagRun[] | undefined {
    if (!Object.hasOwn(this.options.dags, dagId)) return undefined;
    // `state` repeated is an OR of states, as Airflow filters.
    const states = params?.getAll('state') ?? [];
    return this.options.dags[dagId]
      .filter((run) => states.length === 0 || states.includes(run.state))
      .map((run) => ({ ...run, dag_id: dagId, dag_display_name: dagId }));
  }

  /** A run's task instances in the `state`s asked (all when none), in both versions' shapes. */
  private taskInstances(dagId: string, runId: string, params: URLSearchParams): Reply {
    const v = this.options.apiVersion;
    const run = this.runsOf(dagId)?.find((r) => r.dag_run_id === runId);
    if (!run) {
      return v === 'v2'
        ? httpError(404, `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`)
        : problem(404, 'DAG Run not found', `DAG Run with run_id: ${runId} was not found`, 'NotFound');
    }
    const states = params.getAll('state');
    const limit = Math.min(Number(params.get('limit') ?? DEFAULT_LIMIT[v]), MAX_PAGE_LIMIT);
    const tasks = (this.options.tasks[runId] ?? []).filter((t) => states.length === 0 || states.includes(String(t.state))).slice(0, limit);
    const body = tasks.map((task, i) => (v === 'v2' ? taskInstanceV2(run, task, i) : taskInstanceV1(run, task)));
    return { kind: 'json', status: 200, body: { task_instances: body, total_entries: body.length } };
  }

  /** The runs in `order_by` order (one attribute, '-' for descending), or the reason it is refused. */
  private sorted(runs: FakeDagRun[], params: URLSearchParams): FakeDagRun[] | string {
    const orderBy = params.get('order_by') ?? 'id';
    const name = orderBy.replace(/^-/, '');
    const key = SORT_KEYS[this.options.apiVersion][name];
    if (!key) return `Ordering with '${name}' is disallowed or the attribute does not exist on the model`;
    const sign = orderBy.startsWith('-') ? -1 : 1;
    // ORDER BY without NULLS FIRST/LAST, as Airflow emits it, on SQLite (scripts/airflow): NULL is the smallest.
    const compare = (x: SortValue, y: SortValue): number => (x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1);
    const limit = Math.min(Number(params.get('limit') ?? DEFAULT_LIMIT[this.options.apiVersion]), MAX_PAGE_LIMIT);
    return [...runs].sort((a, b) => sign * (compare(key(a), key(b)) || compare(a.id, b.id))).slice(0, limit);
  }

  private health(): unknown {
    const beat = new Date(Math.floor(this.options.now() / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
    return {
      metadatabase: { status: 'healthy' },
      scheduler: { status: 'healthy', latest_scheduler_heartbeat: beat },
      triggerer: { status: null, latest_triggerer_heartbeat: null },
      dag_processor: { status: 'healthy', latest_dag_processor_heartbeat: beat },
    };
  }

  // ---- auth ---------------------------------------------------------------------------------

  private login(raw: string): Reply {
    let fields: { username?: unknown; password?: unknown };
    try {
      fields = JSON.parse(raw) as typeof fields;
    } catch {
      return { kind: 'json', status: 422, body: { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }] } };
    }
    const { username, password } = fields;
    if (typeof username !== 'string' || !Object.hasOwn(this.options.users, username) || this.options.users[username] !== password) {
      return httpError(401, 'Invalid credentials');
    }
    const now = Math.floor(this.options.now() / 1000);
    const claims = {
      sub: username,
      jti: String(++this.tokensIssued),
      aud: 'apache-airflow',
      nbf: now,
      iat: now,
      exp: now + this.options.tokenTtlSeconds,
    };
    const unsigned = `${b64url({ alg: 'HS512', typ: 'JWT' })}.${b64url(claims)}`;
    return { kind: 'json', status: 201, body: { access_token: `${unsigned}.${this.sign(unsigned)}` } };
  }

  private sign(input: string): string {
    return createHmac('sha512', this.secret).update(input).digest('base64url');
  }

  /** As Airflow 3: a bad signature answers 403, a past `exp` 401. */
  private checkJwt(token: string): Reply | null {
    const [header, payload, signature] = token.split('.');
    if (signature === undefined || this.sign(`${header}.${payload}`) !== signature) return httpError(403, 'Invalid JWT token');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti: string; exp: number };
    if (Number(claims.jti) <= this.expiredUpTo || claims.exp <= this.options.now() / 1000) return httpError(401, 'Token Expired');
    return null;
  }

  private checkBasic(header: string): boolean {
    const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const user = decoded.slice(0, i);
    return i > 0 && Object.hasOwn(this.options.users, user) && this.options.users[user] === decoded.slice(i + 1);
  }

  /** null when the request may pass, else the refusal. */
  private authenticateV2(req: http.IncomingMessage): Reply | null {
    const { auth } = this.options;
    if (auth === 'none') return null;
    const header = req.headers.authorization ?? '';
    const scheme = authSchemeOf(header);
    if (scheme === 'bearer' && auth !== 'basic') return this.checkJwt(header.slice('Bearer '.length).trim());
    if (scheme === 'basic' && auth !== 'jwt' && this.checkBasic(header)) return null;
    return httpError(401, 'Not authenticated');
  }

  private authenticateV1(req: http.IncomingMessage): Reply | null {
    const header = req.headers.authorization ?? '';
    const { auth } = this.options;
    if (auth === 'none' || (auth !== 'session' && authSchemeOf(header) === 'basic' && this.checkBasic(header))) return null;
    return problem(401, 'Unauthorized', null, 'Unauthenticated', { 'www-authenticate': 'Basic' });
  }

  // ---- v2 resources (Airflow 3.3) -----------------------------------------------------------

  private dagV2(dagId: string): Reply {
    if (!this.runsOf(dagId)) return httpError(404, `The Dag with ID: \`${dagId}\` was not found`);
    const fileloc = `/opt/airflow/dags/${dagId}.py`;
    return {
      kind: 'json',
      status: 200,
      body: {
        dag_id: dagId,
        dag_display_name: dagId,
        is_paused: false,
        is_stale: false,
        last_parsed_time: iso(RUN_BASE_MS),
        last_parse_duration: 0.05,
        last_expired: null,
        bundle_name: 'dags-folder',
        bundle_version: null,
        relative_fileloc: `${dagId}.py`,
        fileloc,
        description: null,
        timetable_summary: null,
        timetable_description: 'Never, external triggers only',
        timetable_partitioned: false,
        timetable_periodic: false,
        tags: [],
        max_active_tasks: 16,
        max_active_runs: 16,
        max_consecutive_failed_dag_runs: 0,
        has_task_concurrency_limits: false,
        has_import_errors: false,
        next_dagrun_logical_date: null,
        next_dagrun_data_interval_start: null,
        next_dagrun_data_interval_end: null,
        next_dagrun_run_after: null,
        allowed_run_types: null,
        owners: ['airflow'],
        is_backfillable: false,
        file_token: Buffer.from(fileloc).toString('base64url'),
      },
    };
  }

  private dagRunsV2(dagId: string, params: URLSearchParams): Reply {
    const runs = this.runsOf(dagId, params);
    if (!runs) return httpError(404, `The Dag with ID: \`${dagId}\` was not found`);
    const page = this.sorted(runs, params);
    if (typeof page === 'string') return httpError(400, page);
    return {
      kind: 'json',
      status: 200,
      body: { dag_runs: page.map(({ id: _id, ...body }) => body), total_entries: runs.length },
    };
  }

  // ---- v1 resources (Airflow 2.10, from its documented API) ---------------------------------

  private dagV1(dagId: string): Reply {
    if (!this.runsOf(dagId)) return problem(404, 'DAG not found', `The DAG with dag_id: ${dagId} was not found`, 'NotFound');
    // Airflow 2's DAG schema has more fields; these are its identity and state.
    return {
      kind: 'json',
      status: 200,
      body: {
        dag_id: dagId,
        dag_display_name: dagId,
        is_paused: false,
        is_active: true,
        fileloc: `/opt/airflow/dags/${dagId}.py`,
        owners: ['airflow'],
        tags: [],
      },
    };
  }

  private dagRunsV1(dagId: string, params: URLSearchParams): Reply {
    // Airflow 2 does not check that the DAG exists here: an unknown DAG has no runs.
    const runs = this.runsOf(dagId, params) ?? [];
    const page = this.sorted(runs, params);
    if (typeof page === 'string') return problem(400, 'Bad Request', page, 'BadRequest');
    return { kind: 'json', status: 200, body: { dag_runs: page.map(runV1), total_entries: runs.length } };
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function authSchemeOf(header: string | undefined): FakeAuthScheme {
  const scheme = (header ?? '').trim().split(/\s+/)[0]?.toLowerCase();
  return scheme === 'bearer' ? 'bearer' : scheme === 'basic' ? 'basic' : 'none';
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** FastAPI's error body (HTTPExceptionResponse). */
function httpError(status: number, detail: string): Reply {
  return { kind: 'json', status, body: { detail } };
}

/** Airflow 2's RFC 7807 error body. */
function problem(status: number, title: string, detail: string | null, errorType: string, headers?: Record<string, string>): Reply {
  const type = `https://airflow.apache.org/docs/apache-airflow/${AIRFLOW2_VERSION}/stable-rest-api-ref.html#section/Errors/${errorType}`;
  return { kind: 'json', status, contentType: 'application/problem+json', headers, body: { detail, status, title, type } };
}

function faultReply(fault: Exclude<FakeFault, 'none' | 'echo'>): Reply {
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

/** Airflow 2.10's DAGRun schema: always an execution (logical) date, `+00:00` times. */
function runV1(run: FakeDagRun): unknown {
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
function taskInstanceV2(run: FakeDagRun, task: FakeTaskInstance, index: number): unknown {
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
function taskInstanceV1(run: FakeDagRun, task: FakeTaskInstance): unknown {
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
