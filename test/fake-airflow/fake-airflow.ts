/**
 * A fake Apache Airflow REST API for fault injection in end-to-end tests.
 *
 * Real Airflow (scripts/airflow/airflow.sh) is used for most end-to-end tests; this fake exists to produce what
 * the real server can't easily be made to: hangs, resets, garbage, 500s, expired or invalidated tokens, a DAG
 * that vanishes, runs in an exact order. Its answers mimic Airflow 3.3.2 (the pinned version), as read from its
 * source, and its v2 JSON bodies are checked against the installed OpenAPI spec by fake-airflow.e2e-spec.ts.
 *
 * v2 mode = Airflow 3 api-server: `POST /auth/token` (simple auth manager) -> JWT, `/api/v2/*` with Bearer.
 * v1 mode = Airflow 2 webserver (2.10): `/api/v1/*` with HTTP basic, RFC 7807 problem+json errors. Airflow 3
 * ships no v1 spec, so the v1 shapes below are written from Airflow 2.10's documented API (its v1.yaml and
 * api_connexion schemas), not validated by the spec test.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FakeApiVersion = 'v2' | 'v1';
/** Which credentials the server accepts. Real Airflow 3 accepts only 'jwt' on /api/v2; real Airflow 2 'basic'. */
export type FakeAuthMode = 'jwt' | 'basic' | 'jwt+basic' | 'none';
export type FakeFault = 'none' | 'hang' | 'garbage' | 'http500' | 'reset';
/** 'api' = every request except the token endpoint; 'token' = only `/auth/token*`; 'all' = both. */
export type FakeFaultTarget = 'api' | 'token' | 'all';
/** How SQL sorts NULLs without NULLS FIRST/LAST (Airflow sets neither): SQLite/MySQL: smallest; Postgres: largest. */
export type FakeNullsOrder = 'sqlite' | 'postgres';

export type DagRunState = 'queued' | 'running' | 'success' | 'failed';
export type DagRunType =
  | 'backfill'
  | 'scheduled'
  | 'manual'
  | 'operator_triggered'
  | 'asset_triggered'
  | 'asset_materialization';
export type DagRunTriggeredBy = 'cli' | 'operator' | 'rest_api' | 'ui' | 'test' | 'timetable' | 'asset' | 'backfill';

export interface FakeDagVersion {
  id: string;
  version_number: number;
  dag_id: string;
  bundle_name: string | null;
  bundle_version: string | null;
  created_at: string;
  dag_display_name: string;
  bundle_url: string | null;
}

/** A DAG run as Airflow 3's DAGRunResponse, plus the DB columns the fake sorts on (`id`, `updated_at`). */
export interface FakeDagRun {
  /** dag_run.id, the primary key: the default sort and the tie-breaker. Not part of the response. */
  id: number;
  /** dag_run.updated_at, sortable. Not part of the response. */
  updated_at: string;
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
  run_type: DagRunType;
  state: DagRunState;
  triggered_by: DagRunTriggeredBy | null;
  triggering_user_name: string | null;
  conf: Record<string, unknown> | null;
  note: string | null;
  dag_versions: FakeDagVersion[];
  bundle_version: string | null;
  dag_display_name: string;
  partition_key: string | null;
  partition_date: string | null;
}

/** Timestamps may be given as ISO strings or Dates; they are served in pydantic's format (`...Z`). */
export type FakeDagRunInput = Partial<
  Omit<
    FakeDagRun,
    | 'logical_date'
    | 'queued_at'
    | 'start_date'
    | 'end_date'
    | 'data_interval_start'
    | 'data_interval_end'
    | 'run_after'
    | 'last_scheduling_decision'
    | 'updated_at'
    | 'partition_date'
  >
> & {
  logical_date?: string | Date | null;
  queued_at?: string | Date | null;
  start_date?: string | Date | null;
  end_date?: string | Date | null;
  data_interval_start?: string | Date | null;
  data_interval_end?: string | Date | null;
  run_after?: string | Date;
  last_scheduling_decision?: string | Date | null;
  updated_at?: string | Date;
  partition_date?: string | Date | null;
};

/** DAG-level fields (Airflow 3's DAGResponse); every one has a default. */
export interface FakeDagInfo {
  dag_display_name: string;
  is_paused: boolean;
  is_stale: boolean;
  description: string | null;
  timetable_summary: string | null;
  timetable_description: string | null;
  owners: string[];
  tags: string[];
  max_active_runs: number | null;
  max_active_tasks: number;
  has_import_errors: boolean;
  fileloc: string;
  next_dagrun_logical_date: string | null;
  next_dagrun_run_after: string | null;
}

export type FakeHealthStatus = 'healthy' | 'unhealthy' | null;
export interface FakeHealth {
  metadatabase: 'healthy' | 'unhealthy';
  scheduler: FakeHealthStatus;
  triggerer: FakeHealthStatus;
  dag_processor: FakeHealthStatus;
  /** Heartbeat reported for every healthy component; null = never beat. */
  heartbeat: string | null;
}

export interface FakeAirflowOptions {
  apiVersion: FakeApiVersion;
  /** Under v1 only 'basic'/'none' exist in Airflow 2; 'jwt' and 'jwt+basic' are taken as 'basic' there. */
  auth: FakeAuthMode;
  users: Record<string, string>;
  /** JWT lifetime ([api_auth] jwt_expiration_time). */
  tokenTtlSeconds: number;
  /** [api_auth] jwt_leeway: an expired token is refused only `leeway` seconds after its `exp`. Airflow: 10. */
  tokenLeewaySeconds: number;
  /** `iss` claim. Real Airflow sets it only when [api_auth] jwt_issuer is configured: pass null to omit it. */
  jwtIssuer: string | null;
  /** `aud` claim: Airflow's default [api_auth] jwt_audience is 'apache-airflow'. */
  jwtAudience: string;
  /** Runs per DAG. A DAG with [] exists and has no runs; a DAG not in the map answers 404. */
  dags: Record<string, FakeDagRunInput[]>;
  /** Per-DAG overrides of DAG fields (e.g. is_paused). */
  dagInfo: Record<string, Partial<FakeDagInfo>>;
  fault: FakeFault;
  faultOn: FakeFaultTarget;
  /** Latency added before every answer (including faults other than 'hang'). */
  delayMs: number;
  /** NULL placement in ORDER BY: 'sqlite' (what scripts/airflow uses) or 'postgres'. */
  nullsOrder: FakeNullsOrder;
  /** Reported by /version and used in v1 error `type` links; default '3.3.2' (v2) / '2.10.5' (v1). */
  airflowVersion: string | null;
  health: Partial<FakeHealth>;
  /** Clock (epoch ms) for JWT iat/exp/nbf; tests may pin it. */
  now: () => number;
}

export interface FakeAirflowStartOptions extends FakeAirflowOptions {
  /** 0 = any free port (default). */
  port: number;
}

export type FakeAuthScheme = 'bearer' | 'basic' | 'none';

export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** null while unanswered, and for 'hang' and 'reset'. */
  status: number | null;
  authScheme: FakeAuthScheme;
}

/** The token endpoint's 201 body (LoginResponse). */
export interface FakeTokenResponse {
  access_token: string;
}

const DEFAULT_V2_VERSION = '3.3.2';
const DEFAULT_V1_VERSION = '2.10.5';
/** [api] fallback_page_limit and maximum_page_limit defaults (v2: 50/100; Airflow 2: 100/100). */
const V2_DEFAULT_LIMIT = 50;
const V1_DEFAULT_LIMIT = 100;
const MAX_PAGE_LIMIT = 100;
const MAX_SORT_PARAMS = 10;
const SIMPLE_AUTH_ALL_ADMINS_ONLY =
  'This method is only allowed if ``[core] simple_auth_manager_all_admins`` is True';
/** Airflow 3.3.2 allowed `order_by` attributes for GET /dags/{dag_id}/dagRuns (`dag_run_id` is an alias). */
const V2_RUN_SORT_ATTRS = [
  'id',
  'state',
  'dag_id',
  'run_id',
  'logical_date',
  'partition_date',
  'run_after',
  'start_date',
  'end_date',
  'updated_at',
  'conf',
  'duration',
] as const;
/** Airflow 2.10's allowed attributes for the same endpoint (`dag_run_id` -> run_id). */
const V1_RUN_SORT_ATTRS = [
  'id',
  'state',
  'dag_id',
  'execution_date',
  'dag_run_id',
  'start_date',
  'end_date',
  'updated_at',
  'external_trigger',
  'conf',
] as const;
type SortColumn =
  | (typeof V2_RUN_SORT_ATTRS)[number]
  | 'execution_date'
  | 'external_trigger';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function defaults(): FakeAirflowStartOptions {
  return {
    port: 0,
    apiVersion: 'v2',
    auth: 'jwt',
    users: { airflow: 'airflow' },
    tokenTtlSeconds: 3600,
    tokenLeewaySeconds: 10,
    jwtIssuer: 'fake-airflow',
    jwtAudience: 'apache-airflow',
    dags: {},
    dagInfo: {},
    fault: 'none',
    faultOn: 'api',
    delayMs: 0,
    nullsOrder: 'sqlite',
    airflowVersion: null,
    health: {},
    now: () => Date.now(),
  };
}

// ---- time formatting ------------------------------------------------------------------------

/** pydantic v2's datetime format for UTC: no fraction when zero, microseconds otherwise, 'Z'. */
function pydanticTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2025-01-01T00:00:00.000Z
  const frac = ms % 1000 === 0 ? '' : `.${iso.slice(20, 23)}000`;
  return `${iso.slice(0, 19)}${frac}Z`;
}

/** marshmallow's (Airflow 2) format: `+00:00`, microseconds when non-zero. */
function airflow2Time(v2: string | null): string | null {
  if (v2 === null) return null;
  return v2.endsWith('Z') ? `${v2.slice(0, -1)}+00:00` : v2;
}

function toMs(value: string | Date): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`FakeAirflow: not a timestamp: ${String(value)}`);
  return ms;
}

function normTime(value: string | Date | null | undefined): string | null {
  return value === null || value === undefined ? null : pydanticTime(toMs(value));
}

function pyRepr(values: string[]): string {
  return `[${values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

// ---- the fake --------------------------------------------------------------------------------

let nextRunId = 0;
const RUN_BASE_MS = Date.UTC(2025, 0, 1);

interface IssuedToken {
  jti: string;
  forcedExpired: boolean;
}

type Reply =
  | { kind: 'json'; status: number; body: Json; headers?: Record<string, string>; contentType?: string }
  | { kind: 'raw'; status: number; body: string; contentType: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' };

type AuthResult = { ok: true } | { ok: false; reply: Reply };

export class FakeAirflow {
  readonly calls: FakeCall[] = [];
  private options: FakeAirflowStartOptions;
  private readonly initial: FakeAirflowStartOptions;
  private runs: Map<string, FakeDagRun[]> = new Map();
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private boundPort = 0;
  /** Bumped on every stop, so work scheduled before a stop never answers after it. */
  private epoch = 0;
  private secret = randomBytes(32);
  private readonly issued = new Map<string, IssuedToken>();
  private callWaiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(options: FakeAirflowStartOptions) {
    this.initial = { ...options };
    this.options = { ...options };
    this.loadRuns(options.dags);
  }

  static async start(options: Partial<FakeAirflowStartOptions> = {}): Promise<FakeAirflow> {
    const fake = new FakeAirflow({ ...defaults(), ...options });
    await fake.listen(fake.options.port);
    return fake;
  }

  /**
   * A DAG run with spec-valid defaults (a successful scheduled run) and a fresh, increasing internal id.
   * Defaults derive from `run_after` (itself 2025-01-01 + id hours unless given), so later-built runs are later.
   * `logical_date: null` makes a run without logical date (a manual run in Airflow 3); then data intervals are null.
   */
  static run(partial: FakeDagRunInput = {}): FakeDagRun {
    const id = partial.id ?? ++nextRunId;
    if (partial.id !== undefined && partial.id > nextRunId) nextRunId = partial.id;
    const runType: DagRunType = partial.run_type ?? 'scheduled';
    const state: DagRunState = partial.state ?? 'success';
    const runAfterMs = partial.run_after !== undefined ? toMs(partial.run_after) : RUN_BASE_MS + id * 3_600_000;
    const logical = partial.logical_date === undefined ? pydanticTime(runAfterMs) : normTime(partial.logical_date);
    const queued = partial.queued_at === undefined ? pydanticTime(runAfterMs) : normTime(partial.queued_at);
    const start =
      partial.start_date !== undefined ? normTime(partial.start_date) : state === 'queued' ? null : pydanticTime(runAfterMs + 1_000);
    const end =
      partial.end_date !== undefined
        ? normTime(partial.end_date)
        : (state === 'success' || state === 'failed') && start
          ? pydanticTime(toMs(start) + 60_000)
          : null;
    const duration = partial.duration !== undefined ? partial.duration : start && end ? (toMs(end) - toMs(start)) / 1000 : null;
    const dagId = partial.dag_id ?? 'example_dag';
    const triggeredBy: DagRunTriggeredBy =
      runType === 'manual'
        ? 'rest_api'
        : runType === 'scheduled'
          ? 'timetable'
          : runType === 'backfill'
            ? 'backfill'
            : runType === 'asset_triggered'
              ? 'asset'
              : 'operator';
    const idTime = (logical ?? pydanticTime(runAfterMs)).replace('Z', '+00:00');
    return {
      id,
      updated_at: normTime(partial.updated_at) ?? end ?? start ?? queued ?? pydanticTime(runAfterMs),
      dag_run_id: partial.dag_run_id ?? `${runType}__${idTime}`,
      dag_id: dagId,
      logical_date: logical,
      queued_at: queued,
      start_date: start,
      end_date: end,
      duration,
      data_interval_start: partial.data_interval_start !== undefined ? normTime(partial.data_interval_start) : logical,
      data_interval_end: partial.data_interval_end !== undefined ? normTime(partial.data_interval_end) : logical,
      run_after: pydanticTime(runAfterMs),
      last_scheduling_decision:
        partial.last_scheduling_decision !== undefined ? normTime(partial.last_scheduling_decision) : (end ?? start),
      run_type: runType,
      state,
      triggered_by: partial.triggered_by !== undefined ? partial.triggered_by : triggeredBy,
      triggering_user_name:
        partial.triggering_user_name !== undefined ? partial.triggering_user_name : runType === 'manual' ? 'airflow' : null,
      conf: partial.conf !== undefined ? partial.conf : {},
      note: partial.note ?? null,
      dag_versions: partial.dag_versions ?? [],
      bundle_version: partial.bundle_version ?? null,
      dag_display_name: partial.dag_display_name ?? dagId,
      partition_key: partial.partition_key ?? null,
      partition_date: normTime(partial.partition_date),
    };
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** The options in force (copies; change them with setScenario). */
  get scenario(): Readonly<FakeAirflowOptions> {
    return { ...this.options };
  }

  /** Changes behaviour at runtime; `dags` replaces the whole map of runs. */
  setScenario(partial: Partial<FakeAirflowOptions>): void {
    this.options = { ...this.options, ...partial };
    if (partial.dags) this.loadRuns(partial.dags);
  }

  /** Back to the options given to start(); clears the call log and forced token expiry. Tokens stay signed as they were. */
  reset(): void {
    this.options = { ...this.initial, port: this.boundPort };
    this.loadRuns(this.initial.dags);
    this.calls.length = 0;
    this.issued.clear();
  }

  /** Every token issued so far answers 401 `Token Expired` from now on (as once its `exp` has passed). */
  expireTokensNow(): void {
    for (const t of this.issued.values()) t.forcedExpired = true;
  }

  /** Changes the signing secret: tokens issued so far answer 403 `Invalid JWT token`, as after a real secret change. */
  rotateSecret(): void {
    this.secret = randomBytes(32);
  }

  /** Number of calls whose path starts with the prefix, or matches the regex. */
  callsTo(pathPrefixOrRegex: string | RegExp): number {
    return this.calls.filter((c) =>
      typeof pathPrefixOrRegex === 'string' ? c.path.startsWith(pathPrefixOrRegex) : pathPrefixOrRegex.test(c.path),
    ).length;
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  /** Resolves once the call log holds at least `count` calls (e.g. a 'hang' request has arrived). No timers. */
  waitForCalls(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.callWaiters.push({ count, resolve }));
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

  /** stop() then listen again on the same port (down -> up). State (runs, tokens, secret) is kept. */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen(this.boundPort);
  }

  /** Goes down (connection refused) until restart(). */
  async down(): Promise<void> {
    await this.stop();
  }

  // ---- server plumbing ----------------------------------------------------------------------

  private async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  private loadRuns(dags: Record<string, FakeDagRunInput[]>): void {
    this.runs = new Map(
      Object.entries(dags).map(([dagId, runs]) => [
        dagId,
        runs.map((r) => {
          const full = FakeAirflow.run(r);
          // The map key is the run's DAG; a display name that was defaulted follows it.
          const displayDefaulted = r.dag_display_name === undefined || r.dag_display_name === r.dag_id;
          return { ...full, dag_id: dagId, dag_display_name: displayDefaulted ? dagId : full.dag_display_name };
        }),
      ]),
    );
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.on('error', () => undefined);
    const epoch = this.epoch;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const all = url.searchParams.getAll(key);
      query[key] = all.length === 1 ? all[0] : all;
    }
    const call: FakeCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      status: null,
      authScheme: authSchemeOf(req.headers.authorization),
    };
    this.calls.push(call);
    const ready = this.callWaiters.filter((w) => this.calls.length >= w.count);
    this.callWaiters = this.callWaiters.filter((w) => this.calls.length < w.count);
    for (const w of ready) w.resolve();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.answer(req, res, url, Buffer.concat(chunks).toString('utf8'), call, epoch);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
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
    const isToken = url.pathname === '/auth/token' || url.pathname.startsWith('/auth/token/');
    const { fault, faultOn, delayMs } = this.options;
    const faulted = fault !== 'none' && (faultOn === 'all' || (faultOn === 'token') === isToken);
    if (faulted && fault === 'hang') return; // never answers; stop() destroys the socket
    if (delayMs > 0) await this.sleep(delayMs);
    if (epoch !== this.epoch || res.destroyed) return;
    let reply: Reply;
    if (faulted) {
      reply = faultReply(fault);
    } else {
      try {
        reply = this.route(req, url, body);
      } catch (err) {
        reply = { kind: 'json', status: 500, body: { detail: `FakeAirflow bug: ${(err as Error).message}` } };
      }
    }
    this.send(res, reply, call);
  }

  private send(res: http.ServerResponse, reply: Reply, call: FakeCall): void {
    if (reply.kind === 'hang') return;
    if (reply.kind === 'reset') {
      const socket = res.socket;
      if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket?.destroy();
      return;
    }
    call.status = reply.status;
    const payload = reply.kind === 'json' ? JSON.stringify(reply.body) : reply.body;
    const contentType = reply.kind === 'json' ? (reply.contentType ?? 'application/json') : reply.contentType;
    res.writeHead(reply.status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(payload),
      ...(reply.headers ?? {}),
    });
    res.end(payload);
  }

  // ---- routing ------------------------------------------------------------------------------

  private route(req: http.IncomingMessage, url: URL, body: string): Reply {
    return this.options.apiVersion === 'v1' ? this.routeV1(req, url) : this.routeV2(req, url, body);
  }

  private version(): string {
    return this.options.airflowVersion ?? (this.options.apiVersion === 'v1' ? DEFAULT_V1_VERSION : DEFAULT_V2_VERSION);
  }

  private routeV2(req: http.IncomingMessage, url: URL, body: string): Reply {
    const method = req.method ?? 'GET';
    const p = url.pathname;

    if (p === '/auth/token' || p === '/auth/token/cli') {
      if (method === 'POST') return this.createToken(req, body, p.endsWith('/cli') ? 3600 : this.options.tokenTtlSeconds);
      if (method === 'GET' && p === '/auth/token') {
        // create_token_all_admins: only with [core] simple_auth_manager_all_admins.
        if (this.options.auth === 'none') return { kind: 'json', status: 201, body: { access_token: this.mintToken('Anonymous') } };
        return httpError(403, SIMPLE_AUTH_ALL_ADMINS_ONLY);
      }
      return httpError(405, 'Method Not Allowed');
    }

    const api = /^\/api\/v2\/(monitor\/health|version|dags\/([^/]+)|dags\/([^/]+)\/dagRuns)$/.exec(p);
    if (api) {
      if (method !== 'GET') return httpError(405, 'Method Not Allowed');
      if (api[1] === 'monitor/health') return { kind: 'json', status: 200, body: this.healthBody(false) };
      if (api[1] === 'version') return { kind: 'json', status: 200, body: { version: this.version(), git_version: null } };
      const auth = this.authenticateV2(req);
      if (!auth.ok) return auth.reply;
      if (api[2] !== undefined) return this.getDagV2(decodeURIComponent(api[2]));
      return this.getDagRunsV2(decodeURIComponent(api[3] ?? ''), url.searchParams);
    }

    // The api-server's catch-alls (airflow/api_fastapi/core_api/app.py), GET only.
    if (method === 'GET') {
      if (p === '/health') {
        return {
          kind: 'json',
          status: 404,
          body: { error: 'Moved in Airflow 3. Please change config to check `/api/v2/monitor/health`' },
        };
      }
      if (p.startsWith('/api/v1/')) {
        return {
          kind: 'json',
          status: 404,
          body: { error: '/api/v1 has been removed in Airflow 3, please use its upgraded version /api/v2 instead.' },
        };
      }
      if (p.startsWith('/api/')) return { kind: 'json', status: 404, body: { error: 'API route not found' } };
      // Anything else is the React UI's index.html, with 200.
      return { kind: 'raw', status: 200, contentType: 'text/html; charset=utf-8', body: SPA_HTML };
    }
    return httpError(404, 'Not Found');
  }

  private routeV1(req: http.IncomingMessage, url: URL): Reply {
    const method = req.method ?? 'GET';
    const p = url.pathname;
    if (p === '/health' || p === '/api/v1/health') {
      if (method !== 'GET') return this.problem(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.', 'MethodNotAllowed');
      return { kind: 'json', status: 200, body: this.healthBody(true) };
    }
    if (!p.startsWith('/api/v1/')) {
      // Airflow 2's webserver answers unknown non-API paths (/api/v2/..., /auth/token) with its HTML 404 page.
      return { kind: 'raw', status: 404, contentType: 'text/html; charset=utf-8', body: AIRFLOW2_404_HTML };
    }
    const api = /^\/api\/v1\/(version|dags\/([^/]+)|dags\/([^/]+)\/dagRuns)$/.exec(p);
    if (!api) {
      return this.problem(
        404,
        'Not Found',
        'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
        'NotFound',
      );
    }
    if (method !== 'GET') {
      return this.problem(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.', 'MethodNotAllowed');
    }
    if (api[1] === 'version') return { kind: 'json', status: 200, body: { version: this.version(), git_version: null } };
    if (api[3] !== undefined) {
      // connexion checks parameter types before the view's own auth decorator runs.
      for (const name of ['limit', 'offset']) {
        const raw = url.searchParams.get(name);
        if (raw !== null && !/^[+-]?\d+$/.test(raw.trim())) {
          return this.problem(400, 'Bad Request', `Wrong type, expected 'integer' for query parameter '${name}'`, 'BadRequest');
        }
      }
      const offset = url.searchParams.get('offset');
      if (offset !== null && Number(offset) < 0) {
        return this.problem(400, 'Bad Request', `${Number(offset)} is less than the minimum of 0`, 'BadRequest');
      }
    }
    const auth = this.authenticateV1(req);
    if (!auth.ok) return auth.reply;
    if (api[2] !== undefined) return this.getDagV1(decodeURIComponent(api[2]));
    return this.getDagRunsV1(decodeURIComponent(api[3] ?? ''), url.searchParams);
  }

  // ---- auth ---------------------------------------------------------------------------------

  private createToken(req: http.IncomingMessage, raw: string, ttl: number): Reply {
    const contentType = (req.headers['content-type'] ?? 'application/json').toLowerCase();
    let fields: Record<string, unknown>;
    if (contentType.startsWith('application/json')) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        fields = parsed as Record<string, unknown>;
      } catch {
        return {
          kind: 'json',
          status: 422,
          body: { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }] },
        };
      }
    } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(raw);
      fields = { username: form.get('username'), password: form.get('password') };
    } else {
      return httpError(415, 'Only application/json or application/x-www-form-urlencoded is supported');
    }

    if (this.options.auth === 'none') return { kind: 'json', status: 201, body: { access_token: this.mintToken('Anonymous') } };

    // LoginBody(**body) failing -> RequestValidationError(repr(e)): real Airflow answers 422 with a *string*
    // detail (pydantic's repr), which does not match the spec's HTTPValidationError.
    const problems: string[] = [];
    for (const key of ['username', 'password']) {
      if (!(key in fields) || fields[key] === null || fields[key] === undefined) {
        problems.push(`${key}\n  Field required [type=missing, input_value=${pyDict(fields)}, input_type=dict]`);
      } else if (typeof fields[key] !== 'string') {
        problems.push(`${key}\n  Input should be a valid string [type=string_type, input_value=${JSON.stringify(fields[key])}, input_type=${typeof fields[key]}]`);
      }
    }
    for (const key of Object.keys(fields)) {
      if (key !== 'username' && key !== 'password') {
        problems.push(`${key}\n  Extra inputs are not permitted [type=extra_forbidden, input_value=${JSON.stringify(fields[key])}, input_type=${typeof fields[key]}]`);
      }
    }
    if (problems.length > 0) {
      const n = problems.length;
      return { kind: 'json', status: 422, body: { detail: `${n} validation error${n > 1 ? 's' : ''} for LoginBody\n${problems.join('\n')}` } };
    }
    const username = fields.username as string;
    const password = fields.password as string;
    if (!username || !password) return httpError(400, 'Username and password must be provided');
    if (!Object.prototype.hasOwnProperty.call(this.options.users, username) || this.options.users[username] !== password) {
      return httpError(401, 'Invalid credentials');
    }
    return { kind: 'json', status: 201, body: { access_token: this.mintToken(username, ttl) } };
  }

  private mintToken(sub: string, ttl = this.options.tokenTtlSeconds): string {
    const now = Math.floor(this.options.now() / 1000);
    const jti = randomUUID().replace(/-/g, '');
    const claims: Record<string, Json> = { sub, role: 'admin', teams: [], jti };
    if (this.options.jwtIssuer) claims.iss = this.options.jwtIssuer;
    claims.aud = this.options.jwtAudience;
    claims.nbf = now;
    claims.exp = now + ttl;
    claims.iat = now;
    this.issued.set(jti, { jti, forcedExpired: false });
    const header = b64url(JSON.stringify({ alg: 'HS512', kid: 'fake-airflow', typ: 'JWT' }));
    const payload = b64url(JSON.stringify(claims));
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  private sign(input: string): string {
    return createHmac('sha512', this.secret).update(input).digest('base64url');
  }

  /** Mirrors resolve_user_from_token + PyJWT: signature, then exp (with leeway), nbf, aud. */
  private checkJwt(token: string): AuthResult {
    const invalid: AuthResult = { ok: false, reply: httpError(403, 'Invalid JWT token') };
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((x) => !/^[A-Za-z0-9_-]*$/.test(x))) return invalid;
    if (this.sign(`${parts[0]}.${parts[1]}`) !== parts[2]) return invalid;
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return invalid;
    }
    const now = this.options.now() / 1000;
    const leeway = this.options.tokenLeewaySeconds;
    const { exp, nbf, iat, aud, jti } = claims;
    if (typeof exp !== 'number' || typeof nbf !== 'number' || typeof iat !== 'number') return invalid;
    const forced = typeof jti === 'string' && this.issued.get(jti)?.forcedExpired === true;
    if (forced || exp <= now - leeway) return { ok: false, reply: httpError(401, 'Token Expired') };
    if (nbf > now + leeway) return invalid;
    if (aud !== this.options.jwtAudience) return invalid;
    return { ok: true };
  }

  private checkBasic(header: string): boolean {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    const user = decoded.slice(0, i);
    return Object.prototype.hasOwnProperty.call(this.options.users, user) && this.options.users[user] === decoded.slice(i + 1);
  }

  private authenticateV2(req: http.IncomingMessage): AuthResult {
    const mode = this.options.auth;
    if (mode === 'none') return { ok: true };
    const header = req.headers.authorization ?? '';
    const scheme = authSchemeOf(header);
    const notAuthenticated: AuthResult = { ok: false, reply: httpError(401, 'Not authenticated') };
    if (scheme === 'bearer' && (mode === 'jwt' || mode === 'jwt+basic')) {
      const token = header.slice(7).trim();
      return token ? this.checkJwt(token) : notAuthenticated;
    }
    // Basic on /api/v2 is this fake's extension; real Airflow 3 answers it like a missing token.
    if (scheme === 'basic' && (mode === 'basic' || mode === 'jwt+basic')) {
      return this.checkBasic(header) ? { ok: true } : notAuthenticated;
    }
    return notAuthenticated;
  }

  private authenticateV1(req: http.IncomingMessage): AuthResult {
    if (this.options.auth === 'none') return { ok: true };
    const header = req.headers.authorization ?? '';
    if (authSchemeOf(header) === 'basic' && this.checkBasic(header)) return { ok: true };
    // check_authentication() -> Unauthenticated(headers=<basic_auth backend's 401 headers>)
    return { ok: false, reply: this.problem(401, 'Unauthorized', null, 'Unauthenticated', { 'www-authenticate': 'Basic' }) };
  }

  // ---- v2 resources ---------------------------------------------------------------------------

  private dagNotFoundV2(dagId: string): Reply {
    return httpError(404, `The Dag with ID: \`${dagId}\` was not found`);
  }

  private dagInfo(dagId: string): FakeDagInfo {
    return {
      dag_display_name: dagId,
      is_paused: false,
      is_stale: false,
      description: null,
      timetable_summary: null,
      timetable_description: 'Never, external triggers only',
      owners: ['airflow'],
      tags: [],
      max_active_runs: 16,
      max_active_tasks: 16,
      has_import_errors: false,
      fileloc: `/opt/airflow/dags/${dagId}.py`,
      next_dagrun_logical_date: null,
      next_dagrun_run_after: null,
      ...(this.options.dagInfo[dagId] ?? {}),
    };
  }

  private getDagV2(dagId: string): Reply {
    if (!this.runs.has(dagId)) return this.dagNotFoundV2(dagId);
    const info = this.dagInfo(dagId);
    const parsed = pydanticTime(RUN_BASE_MS);
    return {
      kind: 'json',
      status: 200,
      body: {
        dag_id: dagId,
        dag_display_name: info.dag_display_name,
        is_paused: info.is_paused,
        is_stale: info.is_stale,
        last_parsed_time: parsed,
        last_parse_duration: 0.05,
        last_expired: null,
        bundle_name: 'dags-folder',
        bundle_version: null,
        relative_fileloc: info.fileloc.split('/').pop() ?? info.fileloc,
        fileloc: info.fileloc,
        description: info.description,
        timetable_summary: info.timetable_summary,
        timetable_description: info.timetable_description,
        timetable_partitioned: false,
        timetable_periodic: info.timetable_summary !== null,
        tags: info.tags.map((name) => ({ name, dag_id: dagId, dag_display_name: info.dag_display_name })),
        max_active_tasks: info.max_active_tasks,
        max_active_runs: info.max_active_runs,
        max_consecutive_failed_dag_runs: 0,
        has_task_concurrency_limits: false,
        has_import_errors: info.has_import_errors,
        next_dagrun_logical_date: info.next_dagrun_logical_date,
        next_dagrun_data_interval_start: info.next_dagrun_logical_date,
        next_dagrun_data_interval_end: info.next_dagrun_logical_date,
        next_dagrun_run_after: info.next_dagrun_run_after,
        allowed_run_types: null,
        owners: info.owners,
        is_backfillable: info.timetable_summary !== null,
        file_token: Buffer.from(info.fileloc).toString('base64url'),
      },
    };
  }

  private getDagRunsV2(dagId: string, params: URLSearchParams): Reply {
    // FastAPI order: auth (done), query validation (422), then the handler: DAG lookup (404), sort (400).
    const validation: Json[] = [];
    const limit = parseNonNegative(params, 'limit', V2_DEFAULT_LIMIT, validation);
    const offset = parseNonNegative(params, 'offset', 0, validation);
    if (validation.length > 0) return { kind: 'json', status: 422, body: { detail: validation } };
    const runs = this.runs.get(dagId);
    if (!runs) return this.dagNotFoundV2(dagId);

    const orderBy = params.getAll('order_by');
    const values = orderBy.length > 0 ? orderBy : ['id'];
    if (values.length > MAX_SORT_PARAMS) {
      return httpError(400, `Ordering with more than ${MAX_SORT_PARAMS} parameters is not allowed. Provided: ${pyRepr(values)}`);
    }
    const keys: Array<{ column: SortColumn; desc: boolean }> = [];
    for (const value of values) {
      let name = value.replace(/^-+/, '');
      if (name === 'dag_run_id') name = 'run_id';
      if (!(V2_RUN_SORT_ATTRS as readonly string[]).includes(name)) {
        return httpError(400, `Ordering with '${name}' is disallowed or the attribute does not exist on the model`);
      }
      keys.push({ column: name as SortColumn, desc: value.startsWith('-') });
    }
    // SortParam appends the primary key, in the direction of the first criterion, unless already sorted on it.
    if (!keys.some((k) => k.column === 'id')) keys.push({ column: 'id', desc: values[0].startsWith('-') });

    const sorted = sortRuns(runs, keys, this.options.nullsOrder);
    const page = sorted.slice(offset, offset + Math.min(limit, MAX_PAGE_LIMIT));
    return {
      kind: 'json',
      status: 200,
      body: {
        dag_runs: page.map(runV2Body),
        total_entries: runs.length,
        total_entries_limit: null,
        next_cursor: null,
        previous_cursor: null,
      },
    };
  }

  private healthBody(v1: boolean): Json {
    const h: FakeHealth = {
      metadatabase: 'healthy',
      scheduler: 'healthy',
      triggerer: null,
      dag_processor: 'healthy',
      heartbeat: pydanticTime(Math.floor(this.options.now() / 1000) * 1000),
      ...this.options.health,
    };
    const beat = (status: FakeHealthStatus): string | null =>
      status === null ? null : v1 ? airflow2Time(h.heartbeat) : h.heartbeat ? h.heartbeat.replace('Z', '+00:00') : null;
    const body: { [key: string]: Json } = {
      metadatabase: { status: h.metadatabase },
      scheduler: { status: h.scheduler ?? 'unhealthy', latest_scheduler_heartbeat: beat(h.scheduler) },
      triggerer: { status: h.triggerer, latest_triggerer_heartbeat: beat(h.triggerer) },
      dag_processor: { status: h.dag_processor, latest_dag_processor_heartbeat: beat(h.dag_processor) },
    };
    return body;
  }

  // ---- v1 resources (Airflow 2.10, from its documented API) ------------------------------------

  private problem(
    status: number,
    title: string,
    detail: string | null,
    errorType: 'BadRequest' | 'NotFound' | 'Unauthenticated' | 'PermissionDenied' | 'MethodNotAllowed' | 'Unknown',
    headers?: Record<string, string>,
  ): Reply {
    return {
      kind: 'json',
      status,
      contentType: 'application/problem+json',
      headers,
      body: {
        detail,
        status,
        title,
        type: `https://airflow.apache.org/docs/apache-airflow/${this.version()}/stable-rest-api-ref.html#section/Errors/${errorType}`,
      },
    };
  }

  private getDagV1(dagId: string): Reply {
    if (!this.runs.has(dagId)) return this.problem(404, 'DAG not found', `The DAG with dag_id: ${dagId} was not found`, 'NotFound');
    const info = this.dagInfo(dagId);
    return {
      kind: 'json',
      status: 200,
      body: {
        dag_id: dagId,
        dag_display_name: info.dag_display_name,
        root_dag_id: null,
        is_paused: info.is_paused,
        is_active: !info.is_stale,
        is_subdag: false,
        last_parsed_time: airflow2Time(pydanticTime(RUN_BASE_MS)),
        last_pickled: null,
        last_expired: null,
        scheduler_lock: null,
        pickle_id: null,
        default_view: 'grid',
        fileloc: info.fileloc,
        file_token: Buffer.from(info.fileloc).toString('base64url'),
        owners: info.owners,
        description: info.description,
        schedule_interval: info.timetable_summary === null ? null : { __type: 'CronExpression', value: info.timetable_summary },
        timetable_description: info.timetable_description,
        tags: info.tags.map((name) => ({ name })),
        max_active_tasks: info.max_active_tasks,
        max_active_runs: info.max_active_runs,
        max_consecutive_failed_dag_runs: 0,
        has_task_concurrency_limits: false,
        has_import_errors: info.has_import_errors,
        next_dagrun: airflow2Time(info.next_dagrun_logical_date),
        next_dagrun_data_interval_start: airflow2Time(info.next_dagrun_logical_date),
        next_dagrun_data_interval_end: airflow2Time(info.next_dagrun_logical_date),
        next_dagrun_create_after: airflow2Time(info.next_dagrun_run_after),
      },
    };
  }

  private getDagRunsV1(dagId: string, params: URLSearchParams): Reply {
    // Airflow 2's get_dag_runs does not check that the DAG exists: an unknown DAG is an empty collection.
    const runs = this.runs.get(dagId) ?? [];
    let limit = params.has('limit') ? Number(params.get('limit')) : V1_DEFAULT_LIMIT;
    if (limit < 0) return this.problem(400, 'Page limit must be a positive integer', null, 'BadRequest');
    if (limit === 0) limit = V1_DEFAULT_LIMIT;
    limit = Math.min(limit, MAX_PAGE_LIMIT);
    const offset = params.has('offset') ? Number(params.get('offset')) : 0;
    const orderBy = params.get('order_by') ?? 'id';
    const name = orderBy.replace(/^-+/, '');
    if (!(V1_RUN_SORT_ATTRS as readonly string[]).includes(name)) {
      return this.problem(400, 'Bad Request', `Ordering with '${name}' is disallowed or the attribute does not exist on the model`, 'BadRequest');
    }
    const column: SortColumn = name === 'dag_run_id' ? 'run_id' : (name as SortColumn);
    // apply_sorting adds no tie-breaker; the sort below is stable (insertion order among equals).
    const sorted = sortRuns(runs, [{ column, desc: orderBy.startsWith('-') }], 'sqlite');
    return {
      kind: 'json',
      status: 200,
      body: { dag_runs: sorted.slice(offset, offset + limit).map(runV1Body), total_entries: runs.length },
    };
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function authSchemeOf(header: string | undefined): FakeAuthScheme {
  const scheme = (header ?? '').trim().split(/\s+/)[0]?.toLowerCase();
  return scheme === 'bearer' ? 'bearer' : scheme === 'basic' ? 'basic' : 'none';
}

function httpError(status: number, detail: string): Reply {
  return { kind: 'json', status, body: { detail } };
}

function faultReply(fault: FakeFault): Reply {
  switch (fault) {
    case 'hang':
      return { kind: 'hang' };
    case 'reset':
      return { kind: 'reset' };
    case 'garbage':
      return {
        kind: 'raw',
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: '<html><body><h1>502 Bad Gateway</h1>not json {"dag_runs": [</body></html>',
      };
    case 'http500':
    default:
      return httpError(500, 'Internal Server Error');
  }
}

function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

function pyDict(fields: Record<string, unknown>): string {
  return `{${Object.entries(fields)
    .map(([k, v]) => `'${k}': ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** FastAPI + pydantic NonNegativeInt query parameter; errors in HTTPValidationError's item shape. */
function parseNonNegative(params: URLSearchParams, name: string, fallback: number, errors: Json[]): number {
  const all = params.getAll(name);
  if (all.length === 0) return fallback;
  const raw = all[all.length - 1];
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
    errors.push({
      type: 'int_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid integer, unable to parse string as an integer',
      input: raw,
    });
    return fallback;
  }
  const n = Number(raw.trim());
  if (n < 0) {
    errors.push({
      type: 'greater_than_equal',
      loc: ['query', name],
      msg: 'Input should be greater than or equal to 0',
      input: raw,
      ctx: { ge: 0 },
    });
    return fallback;
  }
  return n;
}

type SortValue = number | string | null;

function sortValue(run: FakeDagRun, column: SortColumn): SortValue {
  const time = (v: string | null): number | null => (v === null ? null : Date.parse(v));
  switch (column) {
    case 'id':
      return run.id;
    case 'state':
      return run.state;
    case 'dag_id':
      return run.dag_id;
    case 'run_id':
      return run.dag_run_id;
    case 'logical_date':
    case 'execution_date':
      // Airflow 2 has no NULL execution_date: its manual runs carry their trigger time (run_after).
      return time(column === 'execution_date' ? (run.logical_date ?? run.run_after) : run.logical_date);
    case 'partition_date':
      return time(run.partition_date);
    case 'run_after':
      return time(run.run_after);
    case 'start_date':
      return time(run.start_date);
    case 'end_date':
      return time(run.end_date);
    case 'updated_at':
      return time(run.updated_at);
    case 'conf':
      return run.conf === null ? null : JSON.stringify(run.conf);
    case 'duration':
      return run.duration;
    case 'external_trigger':
      return externalTrigger(run) ? 1 : 0;
  }
}

/**
 * ORDER BY without NULLS FIRST/LAST, as Airflow emits it. SQLite (and MySQL) treat NULL as the smallest value
 * (ASC: first, DESC: last); Postgres as the largest (ASC: last, DESC: first).
 */
function sortRuns(runs: FakeDagRun[], keys: Array<{ column: SortColumn; desc: boolean }>, nulls: FakeNullsOrder): FakeDagRun[] {
  const nullRank = nulls === 'sqlite' ? -1 : 1;
  return [...runs].sort((a, b) => {
    for (const { column, desc } of keys) {
      const x = sortValue(a, column);
      const y = sortValue(b, column);
      let c: number;
      if (x === null && y === null) c = 0;
      else if (x === null) c = nullRank;
      else if (y === null) c = -nullRank;
      else c = x < y ? -1 : x > y ? 1 : 0;
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}

function runV2Body(run: FakeDagRun): Json {
  const { id: _id, updated_at: _updated, ...body } = run;
  return body as unknown as Json;
}

function externalTrigger(run: FakeDagRun): boolean {
  return run.run_type === 'manual' || run.run_type === 'operator_triggered' || run.run_type === 'asset_materialization';
}

/** Airflow 2.10's DAGRunSchema dump. */
function runV1Body(run: FakeDagRun): Json {
  const logical = airflow2Time(run.logical_date ?? run.run_after);
  const runType = run.run_type === 'asset_triggered' ? 'dataset_triggered' : externalTrigger(run) ? 'manual' : run.run_type;
  return {
    dag_run_id: run.dag_run_id,
    dag_id: run.dag_id,
    logical_date: logical,
    execution_date: logical,
    start_date: airflow2Time(run.start_date),
    end_date: airflow2Time(run.end_date),
    data_interval_start: airflow2Time(run.data_interval_start ?? run.logical_date ?? run.run_after),
    data_interval_end: airflow2Time(run.data_interval_end ?? run.logical_date ?? run.run_after),
    last_scheduling_decision: airflow2Time(run.last_scheduling_decision),
    run_type: runType,
    state: run.state,
    external_trigger: externalTrigger(run),
    conf: (run.conf ?? {}) as Json,
    note: run.note,
  };
}

const SPA_HTML =
  '<!doctype html><html lang="en"><head><meta charset="UTF-8" /><title>Airflow</title></head>' +
  '<body><div id="root"></div></body></html>';

const AIRFLOW2_404_HTML =
  '<!DOCTYPE html><html lang="en"><head><title>Airflow 404 = lots of circles</title></head>' +
  '<body><h1>Airflow 404 = lots of circles</h1><p>Page cannot be found.</p></body></html>';
