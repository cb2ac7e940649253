/**
 * A fake Apache Airflow REST API, for what the real one (scripts/airflow/airflow.sh) cannot easily be made to
 * do: hang, reset, answer garbage or 500, expire or invalidate tokens, not know a DAG, speak Airflow 2, answer
 * slowly, hold thousands of DAGs, skew its clock. It serves only what the service calls:
 *
 *   GET  /api/v2/monitor/health, /api/v1/health   version detection (no auth)
 *   POST /auth/token                              Airflow 3 login (absent on Airflow 2: 404)
 *   GET  /api/{v}/dags                            the DAG list (fake-airflow.dags.ts: filters, order, pages)
 *   GET  /api/{v}/dags/{dag_id}                   one DAG (readiness)
 *   GET  /api/{v}/dags/{dag_id}/dagRuns           a DAG's runs, or every DAG's for `~` (fake-airflow.runs.ts):
 *        state (repeatable), updated_at_gte/_lte (v2 also _gt/_lt), run_after_gte (v1 execution_date_gte),
 *        order_by, limit, offset; v2 also `cursor`
 *   GET  /api/{v}/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances?state=&limit=
 *   GET  /api/{v}/importErrors?limit=&offset=&order_by=   the files that fail to import
 *
 * Every answer carries a `Date` header on Airflow's clock (`now() + clockSkewMs`), as uvicorn and gunicorn
 * send one. Runs keep an updated_at on that clock (not served, as Airflow serves none).
 *
 * v2 = Airflow 3.3 api-server: JWT, FastAPI `{"detail"}` errors; its bodies are checked against the OpenAPI
 * documents of the installed Airflow by fake-airflow.e2e-spec.ts. v1 = Airflow 2.10 webserver: HTTP basic,
 * RFC 7807 problem+json errors, strict parameters, written from its documented API (Airflow 3 ships no v1
 * spec to check them by).
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dagV1, dagV2, listDags } from './fake-airflow.dags.js';
import { RunTable, resolveRunOrder, stampOf, TOTAL_ENTRIES_LIMIT } from './fake-airflow.runs.js';
import type { FakeAirflowOptions, FakeAuthScheme, FakeCall, FakeDagAttributes, FakeDagRun } from './fake-airflow.types.js';
import {
  airflow2Time,
  badRequest,
  faultReply,
  httpError,
  iso,
  json,
  problem,
  Query,
  QueryError,
  type Reply,
  runV1,
  runV2,
  taskInstanceV1,
  taskInstanceV2,
} from './fake-airflow.wire.js';

export type { FakeAirflowOptions, FakeCall, FakeDagAttributes, FakeDagRun } from './fake-airflow.types.js';

const DEFAULTS: FakeAirflowOptions = {
  apiVersion: 'v2',
  auth: 'jwt',
  users: { airflow: 'airflow' },
  tokenTtlSeconds: 3600,
  dags: {},
  dagAttributes: {},
  tasks: {},
  importErrors: [],
  unhealthy: {},
  fault: 'none',
  delayMs: 0,
  hangDags: [],
  cursorPagination: true,
  updatedAtFilter: true,
  now: () => Date.now(),
  clockSkewMs: 0,
};

/** Default run times count from here, an hour per run id, so later-built runs are later. */
const RUN_BASE_MS = Date.UTC(2025, 0, 1);
const HOUR_MS = 3_600_000;

/** The parameters Airflow 2.10's spec declares for GET /dags/{dag_id}/dagRuns (connexion refuses any other; before 2.6, updated_at_*). */
const V1_RUN_LIST_PARAMS = [
  'limit',
  'offset',
  'execution_date_gte',
  'execution_date_lte',
  'start_date_gte',
  'start_date_lte',
  'end_date_gte',
  'end_date_lte',
  'updated_at_gte',
  'updated_at_lte',
  'state',
  'order_by',
  'fields',
];

/** Airflow 3's DagRunState values, and 'none' (a run without state), as its state filter takes them. */
const DAG_RUN_STATES = ['queued', 'running', 'success', 'failed', 'none'];

let lastRunId = 0;

export class FakeAirflow {
  readonly calls: FakeCall[] = [];
  private options: FakeAirflowOptions;
  private readonly initial: FakeAirflowOptions;
  private readonly table = new RunTable();
  /** The DAG ids sorted (Airflow's default DAG order), for the `dags` object they were taken from. */
  private sortedIds: { of: FakeAirflowOptions['dags']; ids: string[] } | undefined;
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
    this.useDags(options.dags);
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

  /**
   * `n` DAGs (`<prefix>_0000`…, zero-padded so that id order is number order) of `runsPerDag` successful
   * scheduled runs each, an hour apart from the base time, ready for start() or setScenario(). `tags` go to
   * every DAG, or per DAG index when a function.
   */
  static manyDags(
    n: number,
    runsPerDag: number,
    options: { prefix?: string; tags?: string[] | ((index: number) => string[]) } = {},
  ): Pick<FakeAirflowOptions, 'dags' | 'dagAttributes'> {
    const { prefix = 'dag', tags } = options;
    const width = String(Math.max(n - 1, 0)).length;
    const dags: Record<string, FakeDagRun[]> = {};
    const dagAttributes: Record<string, FakeDagAttributes> = {};
    for (let i = 0; i < n; i++) {
      const dagId = `${prefix}_${String(i).padStart(width, '0')}`;
      const runs: FakeDagRun[] = [];
      for (let k = 0; k < runsPerDag; k++) runs.push(FakeAirflow.run({ dag_id: dagId, run_after: iso(RUN_BASE_MS + k * HOUR_MS) }));
      dags[dagId] = runs;
      const dagTags = typeof tags === 'function' ? tags(i) : tags;
      if (dagTags) dagAttributes[dagId] = { tags: dagTags };
    }
    return { dags, dagAttributes };
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** Airflow's clock (epoch ms): ours plus the skew. */
  airflowNow(): number {
    return this.options.now() + this.options.clockSkewMs;
  }

  /**
   * Changes behaviour from the next request on. Given `dags`, the runs are diffed with the previous ones by
   * (DAG, dag_run_id): a new or changed run gets updated_at = Airflow's clock now, a missing one is deleted.
   */
  setScenario(partial: Partial<FakeAirflowOptions>): void {
    this.options = { ...this.options, ...partial };
    if (partial.dags) this.useDags(partial.dags);
  }

  /**
   * Changes one run at Airflow's clock now, as a scheduler's write does: its fields from `partial`, its
   * updated_at now (or `partial.updated_at`). Returns the run as it now stands. Throws for an unknown run.
   */
  touchRun(dagId: string, runId: string, partial: Partial<Omit<FakeDagRun, 'id' | 'dag_id' | 'dag_run_id'>> = {}): FakeDagRun {
    const runs = Object.hasOwn(this.options.dags, dagId) ? this.options.dags[dagId] : undefined;
    const i = runs?.findIndex((r) => r.dag_run_id === runId) ?? -1;
    if (!runs || i < 0) throw new Error(`FakeAirflow.touchRun: DAG ${dagId} has no run ${runId}`);
    // A touch is a write now: the pinned updated_at of the old version does not carry over.
    const { updated_at: _pinned, ...before } = runs[i];
    const run: FakeDagRun = { ...before, ...partial };
    this.replaceRuns(dagId, runs.with(i, run));
    this.table.put(dagId, run, this.stampOf(run));
    return run;
  }

  /** Adds a run to a known DAG at Airflow's clock now (or at its own updated_at), as a scheduler creating it. */
  addRun(dagId: string, run: FakeDagRun): void {
    const runs = Object.hasOwn(this.options.dags, dagId) ? this.options.dags[dagId] : undefined;
    if (!runs) throw new Error(`FakeAirflow.addRun: unknown DAG ${dagId} (add DAGs with setScenario)`);
    if (runs.some((r) => r.dag_run_id === run.dag_run_id))
      throw new Error(`FakeAirflow.addRun: DAG ${dagId} already has ${run.dag_run_id}`);
    this.replaceRuns(dagId, [...runs, run]);
    this.table.put(dagId, run, this.stampOf(run));
  }

  /** Back to the options given to start() (runs diffed as by setScenario), with an empty call log. Tokens and the signing secret stay as they are. */
  reset(): void {
    this.options = this.initial;
    this.useDags(this.initial.dags);
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

  /** Number of calls whose path starts with the prefix (`/api/v2/dags/~/dagRuns`: the reads across every DAG). */
  callsTo(pathPrefix: string): number {
    return this.calls.filter((c) => c.path.startsWith(pathPrefix)).length;
  }

  /** Number of calls whose path matches, e.g. /^\/api\/v2\/dags$/ for the DAG list alone. */
  callsMatching(path: RegExp): number {
    // search() ignores a /g regex's lastIndex.
    return this.calls.filter((c) => c.path.search(path) >= 0).length;
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

  /** Runs from the tests' `dags`, into a map of the fake's own that touchRun and addRun may change. */
  private useDags(dags: FakeAirflowOptions['dags']): void {
    this.options = { ...this.options, dags: { ...dags } };
    this.table.sync(this.options.dags, this.airflowNow());
  }

  private replaceRuns(dagId: string, runs: FakeDagRun[]): void {
    // The DAG's array is replaced, never changed: the tests' arrays stay as given (reset() goes back to them).
    this.options.dags[dagId] = runs;
  }

  private stampOf(run: FakeDagRun): number {
    return stampOf(run) ?? this.airflowNow();
  }

  private dagIds(): string[] {
    const { dags } = this.options;
    if (this.sortedIds?.of !== dags) this.sortedIds = { of: dags, ids: Object.keys(dags).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
    return this.sortedIds.ids;
  }

  private attributesOf(dagId: string): FakeDagAttributes | undefined {
    const { dagAttributes } = this.options;
    return Object.hasOwn(dagAttributes, dagId) ? dagAttributes[dagId] : undefined;
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
      params: url.searchParams,
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
      reply = err instanceof QueryError ? err.reply : httpError(500, `FakeAirflow bug: ${(err as Error).message}`);
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
      // Airflow's clock, in the HTTP date format (whole seconds); Node adds none when one is set.
      date: new Date(this.airflowNow()).toUTCString(),
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
      `^/api/${v}/(?:(${v === 'v2' ? 'monitor/health' : 'health'})|(dags)|dags/([^/]+)(?:(/dagRuns)(?:/([^/]+)/taskInstances)?)?|(importErrors))$`,
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
    if (api[1]) return json(this.health());
    const refused = v === 'v2' ? this.authenticateV2(req) : this.authenticateV1(req);
    if (refused) return refused;
    const query = new Query(v, url.searchParams);
    if (api[2]) return listDags(v, this.dagIds(), (id) => this.attributesOf(id), query);
    if (api[6]) return this.listImportErrors(query);
    const dagId = decodeURIComponent(api[3]);
    // `~` (every DAG) is not a DAG of its own: a hung DAG's runs still come in it.
    if (dagId !== '~' && this.options.hangDags.includes(dagId)) return { kind: 'hang' };
    if (api[5]) return this.taskInstances(dagId, decodeURIComponent(api[5]), query);
    if (api[4]) return this.dagRuns(dagId, query);
    if (!this.table.runsOf(dagId)) {
      return v === 'v2'
        ? httpError(404, `The Dag with ID: \`${dagId}\` was not found`)
        : problem(404, 'DAG not found', `The DAG with dag_id: ${dagId} was not found`, 'NotFound');
    }
    return json(v === 'v2' ? dagV2(dagId, this.attributesOf(dagId)) : dagV1(dagId, this.attributesOf(dagId)));
  }

  /** A run's task instances in the `state`s asked (all when none), in both versions' shapes. */
  private taskInstances(dagId: string, runId: string, query: Query): Reply {
    const v = this.options.apiVersion;
    const run = this.table.runsOf(dagId)?.find((r) => r.run.dag_run_id === runId)?.run;
    if (!run) {
      return v === 'v2'
        ? httpError(404, `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`)
        : problem(404, 'DAG Run not found', `DAG Run with run_id: ${runId} was not found`, 'NotFound');
    }
    const states = query.all('state');
    const tasks = (this.options.tasks[runId] ?? [])
      .filter((t) => states.length === 0 || states.includes(String(t.state)))
      .slice(0, query.limit());
    const body = tasks.map((task, i) => (v === 'v2' ? taskInstanceV2(run, task, i) : taskInstanceV1(run, task)));
    return json({ task_instances: body, total_entries: body.length });
  }

  /**
   * GET .../dagRuns of one DAG or of every DAG (`~`), as get_dag_runs: parameters checked first (v2 422, v1
   * 400), then the DAG (v2 404; Airflow 2 does not check, an unknown DAG has no runs), then order_by and cursor
   * (400). Airflow 3.3 serves cursor pages when `cursor` is given ('' for the first page) and, either way,
   * the cursor fields; `cursorPagination: false` answers as 3.0–3.2, which have neither.
   */
  private dagRuns(dagId: string, query: Query): Reply {
    const { apiVersion: v, cursorPagination, updatedAtFilter } = this.options;
    query.onlyV1(updatedAtFilter ? V1_RUN_LIST_PARAMS : V1_RUN_LIST_PARAMS.filter((p) => !p.startsWith('updated_at_')));
    const limit = query.limit();
    const offset = query.int('offset', 0);
    const updated = {
      gte: query.time('updated_at_gte'),
      gt: v === 'v2' ? query.time('updated_at_gt') : undefined,
      lte: query.time('updated_at_lte'),
      lt: v === 'v2' ? query.time('updated_at_lt') : undefined,
    };
    // A DAG's past over a window (issue 20): by when runs were due on v2, by logical date on v1.
    const sinceField = v === 'v2' ? 'run_after' : 'execution_date';
    const sinceGte = query.time(`${sinceField}_gte`);
    const states = query.all('state');
    // Airflow 3 checks the states against DagRunState (a 422 whose detail is a string, unlike pydantic's).
    if (v === 'v2' && states.some((s) => !DAG_RUN_STATES.includes(s))) {
      return httpError(422, `Invalid value for state. Valid values are ${DAG_RUN_STATES.slice(0, -1).join(', ')}`);
    }
    const all = dagId === '~';
    if (v === 'v2' && !all && !this.table.runsOf(dagId)) return httpError(404, `The Dag with ID: \`${dagId}\` was not found`);
    const keys = resolveRunOrder(v, query.all('order_by'));
    if (typeof keys === 'string') return badRequest(v, keys);
    const cursor = v === 'v2' && cursorPagination ? query.get('cursor') : undefined;
    const page = this.table.select(all ? null : dagId, {
      keys,
      states,
      updated,
      ...(sinceGte === undefined ? {} : { since: { field: sinceField, gte: sinceGte } }),
      limit,
      page: cursor === undefined ? { offset } : { cursor },
    });
    if (typeof page === 'string') return badRequest(v, page);
    if (v === 'v1') return json({ dag_runs: page.runs.map(runV1), total_entries: page.total });
    const dagRuns = page.runs.map(runV2);
    if (!cursorPagination) return json({ dag_runs: dagRuns, total_entries: page.total });
    return json({
      dag_runs: dagRuns,
      total_entries: page.total,
      total_entries_limit: cursor === undefined ? null : TOTAL_ENTRIES_LIMIT,
      next_cursor: page.nextCursor,
      previous_cursor: page.previousCursor,
    });
  }

  /** Airflow's health: every component beating now on Airflow's clock, but those `unhealthy` names (stale since then). */
  private health(): unknown {
    const beat = new Date(Math.floor(this.airflowNow() / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
    const { scheduler, dag_processor: processor } = this.options.unhealthy;
    return {
      metadatabase: { status: 'healthy' },
      scheduler: { status: scheduler === undefined ? 'healthy' : 'unhealthy', latest_scheduler_heartbeat: scheduler ?? beat },
      triggerer: { status: null, latest_triggerer_heartbeat: null },
      dag_processor: { status: processor === undefined ? 'healthy' : 'unhealthy', latest_dag_processor_heartbeat: processor ?? beat },
    };
  }

  /**
   * GET /api/{v}/importErrors: v2 (Airflow 3.3) ImportErrorCollectionResponse, limit, offset, order_by (id,
   * timestamp, filename, bundle_name, stacktrace, import_error_id); v1 (Airflow 2.10) ImportErrorCollection,
   * strict parameters limit, offset, order_by (import_error_id, timestamp, filename).
   */
  private listImportErrors(query: Query): Reply {
    const v = this.options.apiVersion;
    query.onlyV1(['limit', 'offset', 'order_by']);
    const limit = query.limit();
    const offset = query.int('offset', 0);
    const fields =
      v === 'v2'
        ? ['id', 'timestamp', 'filename', 'bundle_name', 'stacktrace', 'import_error_id']
        : ['import_error_id', 'timestamp', 'filename'];
    const unknown = query.all('order_by').find((field) => !fields.includes(field.replace(/^-/, '')));
    if (unknown !== undefined) {
      return badRequest(v, `Ordering with '${unknown.replace(/^-/, '')}' is disallowed or the attribute does not exist on the model`);
    }
    const all = this.options.importErrors.map((error, i) => {
      const timestamp = iso(RUN_BASE_MS);
      return v === 'v2'
        ? {
            import_error_id: i + 1,
            timestamp,
            filename: error.filename,
            bundle_name: error.bundle_name === undefined ? 'dags-folder' : error.bundle_name,
            stack_trace: error.stack_trace,
          }
        : { import_error_id: i + 1, timestamp: airflow2Time(timestamp), filename: error.filename, stack_trace: error.stack_trace };
    });
    return json({ import_errors: all.slice(offset, offset + limit), total_entries: all.length });
  }

  /** The file Airflow names in its import errors for one of the fake's DAGs (its `relative_fileloc` on v2, `fileloc` on v1). */
  static fileOf(dagId: string, apiVersion: FakeAirflowOptions['apiVersion'] = 'v2'): string {
    return apiVersion === 'v2' ? `${dagId}.py` : `/opt/airflow/dags/${dagId}.py`;
  }

  // ---- auth ---------------------------------------------------------------------------------

  private login(raw: string): Reply {
    let fields: { username?: unknown; password?: unknown };
    try {
      fields = JSON.parse(raw) as typeof fields;
    } catch {
      return json({ detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }] }, 422);
    }
    const { username, password } = fields;
    if (typeof username !== 'string' || !Object.hasOwn(this.options.users, username) || this.options.users[username] !== password) {
      return httpError(401, 'Invalid credentials');
    }
    const now = Math.floor(this.airflowNow() / 1000);
    const claims = {
      sub: username,
      jti: String(++this.tokensIssued),
      aud: 'apache-airflow',
      nbf: now,
      iat: now,
      exp: now + this.options.tokenTtlSeconds,
    };
    const unsigned = `${b64url({ alg: 'HS512', typ: 'JWT' })}.${b64url(claims)}`;
    return json({ access_token: `${unsigned}.${this.sign(unsigned)}` }, 201);
  }

  private sign(input: string): string {
    return createHmac('sha512', this.secret).update(input).digest('base64url');
  }

  /** As Airflow 3: a bad signature answers 403, a past `exp` 401. */
  private checkJwt(token: string): Reply | null {
    const [header, payload, signature] = token.split('.');
    if (signature === undefined || this.sign(`${header}.${payload}`) !== signature) return httpError(403, 'Invalid JWT token');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti: string; exp: number };
    if (Number(claims.jti) <= this.expiredUpTo || claims.exp <= this.airflowNow() / 1000) return httpError(401, 'Token Expired');
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
}

// ---- helpers ------------------------------------------------------------------------------------

function authSchemeOf(header: string | undefined): FakeAuthScheme {
  const scheme = (header ?? '').trim().split(/\s+/)[0]?.toLowerCase();
  return scheme === 'bearer' ? 'bearer' : scheme === 'basic' ? 'basic' : 'none';
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
