// A stand-in Airflow 3.3 REST API for the benchmark: node:http on 127.0.0.1, in its own process.
// It answers what the service (its mirror, readiness) and the seed's Flask app ask, in the shapes of
// Airflow 3.3's OpenAPI document (DAGRunCollectionResponse with keyset cursors, DAGCollectionResponse,
// DAGResponse, TaskInstanceCollectionResponse), with a `Date` header, and accepts a JWT or HTTP basic:
//   GET  /api/v2/monitor/health, POST /auth/token, GET /api/v2/importErrors (none: every DAG file imports)
//   GET  /api/v2/dags?limit&offset[&dag_id_pattern&tags&owners&paused]      (by dag_id)
//   GET  /api/v2/dags/{dag_id}
//   GET  /api/v2/dags/{dag_id}/dagRuns and /api/v2/dags/~/dagRuns (every DAG): limit (50, at most 100),
//        offset, or cursor ('' then next_cursor: the offset is then ignored), order_by id/run_after (±),
//        state (repeatable), updated_at_gte/_gt/_lte/_lt; of one DAG, run_after_gte (its past, issue 20)
//   GET  /api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?state=…
// DAGs: STAND_IN_DAGS (default 0) DAGs `dag_0001`… exist from the start, each with STAND_IN_RUNS (10;
// 720 is 30 days, the past scenario's)
// hourly runs: most succeeded, every tenth DAG's newest failed (every hundredth: all ten), every DAG
// ending in 5 has its newest running. Any other DAG id a client names exists too, created on first
// mention with ten successful runs (so the scenarios may name DAGs freely, as before). Runs keep their
// `updated_at` (not in the answers, as in Airflow: only the filter sees it), set when a run changes;
// an index by update time answers `updated_at_gte` in the cost of the runs changed since, not of all.
// Test hooks (never counted):
//   GET  /__calls[?client=C]         calls so far by label ("GET /api/v2/dags/~/dagRuns", …: see labelOf)
//   GET  /__calls?by=client          the same per client
//   GET  /__stats[?reset=1]          in-flight calls now and at most (reset: from now on), runs, DAGs, and
//                                    per client the change feed's reads: first pages, pages, and the
//                                    pages they needed (max(1, ceil(matching runs / limit)) at the first
//                                    page); and the DAG list's reads and pages
//   GET  /__faults?periodMs=N        cycles every API read through FAULTS (a new one every N ms; 0 = normal)
//   POST /__state?dag_id=D&state=S[&mode=update]   D gets a new latest run in state S (mode=update: its
//                                    latest run changes state); its updated_at is now
//   GET  /__served?dag_id=D          when (performance.timeOrigin + now, ms) D's last change was first
//                                    served (the service learnt of it), or null
//   GET  /__changes?since=T          changes made at or after T (same clock): dag_id, run_id, state,
//                                    changedAt, servedAt
// Clients: a path prefix `/c/<name>` (AIRFLOW_WEBSERVER=http://host:port/c/<name>, as behind a proxy)
// is stripped and names the caller, so that each service's calls are counted apart.
// Usage: node bench/stand-in-airflow.mjs [port]   (port 0 = any; prints `LISTENING <port>` when ready)
// STAND_IN_DELAY_MS: latency before every Airflow answer (a slow Airflow, for the fairness scenario).
// STAND_IN_CLOCK_SKEW_MS: Airflow's clock (Date header, run times, updated_at) ahead of this host's by that.
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const delayMs = Number(process.env.STAND_IN_DELAY_MS ?? 0);
const DAG_COUNT = Number(process.env.STAND_IN_DAGS ?? 0);
const RUNS_PER_DAG = Number(process.env.STAND_IN_RUNS ?? 10);
const SKEW_MS = Number(process.env.STAND_IN_CLOCK_SKEW_MS ?? 0);
/** Airflow's [api] maximum_page_limit and default page; the cap on cursor pages' total_entries. */
const PAGE_MAX = 100;
const PAGE_DEFAULT = 50;
const COUNT_LIMIT = 50_000;
const HOUR = 3_600_000;
const RUN_STATES = ['queued', 'running', 'success', 'failed'];
const TI_STATES = ['removed', 'scheduled', 'queued', 'running', 'success', 'restarting', 'failed', 'up_for_retry'];
const TI_STATES_MORE = ['up_for_reschedule', 'upstream_failed', 'skipped', 'deferred', 'no_status'];

/** Airflow's clock (epoch ms): updated_at, run times, the Date header. */
const now = () => Date.now() + SKEW_MS;
/** The harness's clock for when a change was made and served: the same as bench/lib/sse.mjs's. */
const clock = () => performance.timeOrigin + performance.now();
/** Airflow's timestamps: microseconds, UTC. */
const iso = (ms) => (ms === null ? null : new Date(ms).toISOString().replace(/Z$/, '000Z'));

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
const issuedAt = Math.floor(Date.now() / 1000);
// exp ten years on: the service never needs to renew it during a run.
const TOKEN = `${b64url({ alg: 'HS512', typ: 'JWT' })}.${b64url({ sub: 'airflow', iat: issuedAt, nbf: issuedAt, exp: issuedAt + 10 * 365 * 86400 })}.c2lnbmF0dXJl`;

const HEALTH = JSON.stringify({
  metadatabase: { status: 'healthy' },
  scheduler: { status: 'healthy', latest_scheduler_heartbeat: null },
  triggerer: { status: null, latest_triggerer_heartbeat: null },
  dag_processor: { status: null, latest_dag_processor_heartbeat: null },
});

// ---- the data ------------------------------------------------------------------------------------

/** Every run, by id (1…, in creation order like Airflow's autoincrement; run_after grows with it here). */
const runs = [];
/** dag id → { dagId, index, runs (by id), created, version, manual } */
const dags = new Map();
let sortedIds = null;
/** Runs by update time: { at, seq, run }, `at` never decreasing; an entry whose seq is not its run's is stale. */
const byUpdate = [];
let lastUpdateAt = 0;
let seq = 0;
/** dag id → its last change through /__state; and every change, for /__changes. */
const lastChange = new Map();
const changes = [];

function newDag(dagId, index) {
  const created = now();
  const dag = {
    dagId,
    index,
    runs: [],
    created,
    manual: 0,
    tags: [
      { name: 'bench', dag_id: dagId, dag_display_name: dagId },
      { name: `group_${index % 10}`, dag_id: dagId, dag_display_name: dagId },
    ],
    owners: [index % 5 === 0 ? 'data-eng' : 'airflow'],
  };
  dag.version = {
    id: `0199${String(index).padStart(4, '0')}-0000-7000-8000-000000000000`,
    version_number: 1,
    dag_id: dagId,
    bundle_name: 'dags-folder',
    bundle_version: null,
    created_at: iso(created),
    dag_display_name: dagId,
    bundle_url: null,
  };
  dags.set(dagId, dag);
  sortedIds = null;
  return dag;
}

/** What the seeded run k (0 = oldest) of DAG `index` ended in; index 0 = a DAG named by a client: all success. */
function seededState(index, k) {
  const newest = k === RUNS_PER_DAG - 1;
  if (index > 0 && index % 100 === 0) return 'failed';
  if (index > 0 && index % 10 === 0 && newest) return 'failed';
  if (index % 10 === 5 && newest) return 'running';
  return 'success';
}

/** The scheduled run k of a DAG: hourly, the newest an hour before the current hour began. */
function addSeededRun(dag, k) {
  const runAfter = Math.floor(now() / HOUR) * HOUR - (RUNS_PER_DAG - k) * HOUR;
  const state = seededState(dag.index, k);
  const start = runAfter + 1000;
  const end = state === 'running' ? null : runAfter + 31_000;
  const run = {
    id: runs.length + 1,
    dagId: dag.dagId,
    runId: `scheduled__${new Date(runAfter - HOUR).toISOString().replace('.000Z', '+00:00')}`,
    runAfter,
    logicalDate: runAfter - HOUR,
    queuedAt: runAfter + 120,
    startDate: start,
    endDate: end,
    state,
    runType: 'scheduled',
    triggeredBy: 'timetable',
    updatedAt: end ?? start,
    seq: ++seq,
  };
  runs.push(run);
  dag.runs.push(run);
  return run;
}

/** A DAG of STAND_IN_DAGS, or one a client names: created with its runs, whose updates are in the past. */
function dagOf(dagId) {
  let dag = dags.get(dagId);
  if (dag !== undefined) return dag;
  dag = newDag(dagId, 0);
  for (let k = 0; k < RUNS_PER_DAG; k++) {
    const run = addSeededRun(dag, k);
    // Older than what happened since the start: inserted in update order (rare: a few DAGs per scenario).
    const entry = { at: run.updatedAt, seq: run.seq, run };
    byUpdate.splice(firstAtOrAfter(run.updatedAt + 1), 0, entry);
  }
  return dag;
}

function seed() {
  const generated = [];
  for (let i = 1; i <= DAG_COUNT; i++) generated.push(newDag(`dag_${String(i).padStart(4, '0')}`, i));
  // Every DAG's run of one hour, then the next hour's: ids follow time as Airflow's do.
  for (let k = 0; k < RUNS_PER_DAG; k++) for (const dag of generated) addSeededRun(dag, k);
  for (const run of runs) byUpdate.push({ at: run.updatedAt, seq: run.seq, run });
  byUpdate.sort((a, b) => a.at - b.at || a.run.id - b.run.id);
  lastUpdateAt = byUpdate.at(-1)?.at ?? 0;
}

/** A run changed now: its updated_at moves, and it joins the index at its end. */
function touch(run) {
  const at = Math.max(now(), lastUpdateAt);
  lastUpdateAt = at;
  run.updatedAt = at;
  run.seq = ++seq;
  byUpdate.push({ at, seq: run.seq, run });
}

/** The first index entry updated at or after `at` (binary search). */
function firstAtOrAfter(at) {
  let lo = 0;
  let hi = byUpdate.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byUpdate[mid].at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortedDagIds() {
  sortedIds ??= [...dags.keys()].sort();
  return sortedIds;
}

/** A change through /__state: a new run (manual, as triggered through the REST API) or the latest one's new state. */
function change(dagId, state, mode) {
  const dag = dagOf(dagId);
  const at = now();
  let run = dag.runs.at(-1);
  if (mode === 'update' && run !== undefined) {
    run.state = state;
    run.startDate ??= state === 'queued' ? null : at;
    run.endDate = state === 'success' || state === 'failed' ? at : null;
  } else {
    dag.manual += 1;
    run = {
      id: runs.length + 1,
      dagId,
      runId: `manual__bench_${dag.manual}`,
      runAfter: at,
      logicalDate: at,
      queuedAt: at,
      startDate: state === 'queued' ? null : at,
      endDate: state === 'success' || state === 'failed' ? at : null,
      state,
      runType: 'manual',
      triggeredBy: 'rest_api',
      updatedAt: at,
      seq: 0,
    };
    runs.push(run);
    dag.runs.push(run);
  }
  touch(run);
  const record = { dagId, runId: run.runId, state, changedAt: clock(), servedAt: null };
  lastChange.set(dagId, record);
  changes.push(record);
  if (changes.length > 100_000) changes.splice(0, 50_000);
  return record;
}

// ---- answers -------------------------------------------------------------------------------------

function runJson(run) {
  const changed = lastChange.get(run.dagId);
  // The service learns of a change the first time an answer carries the run in its new state.
  if (changed !== undefined && changed.servedAt === null && changed.runId === run.runId && changed.state === run.state)
    changed.servedAt = clock();
  const dag = dags.get(run.dagId);
  const scheduled = run.runType === 'scheduled';
  return {
    dag_run_id: run.runId,
    dag_id: run.dagId,
    logical_date: iso(run.logicalDate),
    queued_at: iso(run.queuedAt),
    start_date: iso(run.startDate),
    end_date: iso(run.endDate),
    duration: run.startDate !== null && run.endDate !== null ? (run.endDate - run.startDate) / 1000 : null,
    data_interval_start: scheduled ? iso(run.logicalDate) : null,
    data_interval_end: scheduled ? iso(run.runAfter) : null,
    run_after: iso(run.runAfter),
    last_scheduling_decision: iso(run.endDate ?? run.startDate),
    run_type: run.runType,
    state: run.state,
    triggered_by: run.triggeredBy,
    triggering_user_name: run.runType === 'manual' ? 'airflow' : null,
    conf: {},
    note: null,
    dag_versions: [dag.version],
    bundle_version: null,
    dag_display_name: run.dagId,
    partition_key: null,
    partition_date: null,
  };
}

function dagJson(dag) {
  const nextRun = Math.floor(now() / HOUR) * HOUR + HOUR;
  return {
    dag_id: dag.dagId,
    dag_display_name: dag.dagId,
    is_paused: false,
    is_stale: false,
    last_parsed_time: iso(dag.created),
    last_parse_duration: 0.12,
    last_expired: null,
    bundle_name: 'dags-folder',
    bundle_version: null,
    relative_fileloc: `bench/${dag.dagId}.py`,
    fileloc: `/opt/airflow/dags/bench/${dag.dagId}.py`,
    description: null,
    timetable_summary: '@hourly',
    timetable_description: 'At the start of every hour',
    timetable_partitioned: false,
    timetable_periodic: true,
    tags: dag.tags,
    max_active_tasks: 16,
    max_active_runs: 16,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: false,
    next_dagrun_logical_date: iso(nextRun - HOUR),
    next_dagrun_data_interval_start: iso(nextRun - HOUR),
    next_dagrun_data_interval_end: iso(nextRun),
    next_dagrun_run_after: iso(nextRun),
    allowed_run_types: null,
    owners: dag.owners,
    is_backfillable: true,
    file_token: Buffer.from(`bench/${dag.dagId}.py`).toString('base64url'),
  };
}

/** The tasks of a run: extract, train, report; a failed run failed at train. */
function taskInstances(run) {
  const states = {
    success: ['success', 'success', 'success'],
    failed: ['success', 'failed', 'upstream_failed'],
    running: ['success', 'running', null],
    queued: [null, null, null],
  }[run.state] ?? [null, null, null];
  return ['extract', 'train', 'report'].map((taskId, i) => ({
    id: `0199${String(run.id).padStart(8, '0')}-${i}000-7000-8000-000000000000`,
    task_id: taskId,
    dag_id: run.dagId,
    dag_run_id: run.runId,
    map_index: -1,
    logical_date: iso(run.logicalDate),
    run_after: iso(run.runAfter),
    start_date: states[i] === null ? null : iso(run.startDate),
    end_date: states[i] === null || states[i] === 'running' ? null : iso(run.endDate ?? run.startDate),
    duration: null,
    state: states[i],
    try_number: states[i] === null ? 0 : 1,
    max_tries: 0,
    task_display_name: taskId,
    dag_display_name: run.dagId,
    hostname: states[i] === null ? '' : 'stand-in',
    unixname: 'airflow',
    pool: 'default_pool',
    pool_slots: 1,
    queue: 'default',
    priority_weight: 3 - i,
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
    dag_version: dags.get(run.dagId).version,
  }));
}

/** A keyset cursor as Airflow 3.3 writes one: base64url (no padding) of a MessagePack list of sort-key values. */
function encodeCursor(id) {
  let bytes;
  if (id < 128) bytes = [id];
  else if (id < 256) bytes = [0xcc, id];
  else if (id < 65536) bytes = [0xcd, id >> 8, id & 255];
  else bytes = [0xce, (id >>> 24) & 255, (id >> 16) & 255, (id >> 8) & 255, id & 255];
  return Buffer.from([0x91, ...bytes]).toString('base64url');
}

/** The run id of a cursor this stand-in wrote; null when it is not one. */
function decodeCursor(token) {
  const b = Buffer.from(token, 'base64url');
  if (b[0] !== 0x91 || b.length < 2) return null;
  const t = b[1];
  if (t < 128 && b.length === 2) return t;
  if (t === 0xcc && b.length === 3) return b[2];
  if (t === 0xcd && b.length === 4) return b.readUInt16BE(2);
  if (t === 0xce && b.length === 6) return b.readUInt32BE(2);
  return null;
}

/** A refused request: Airflow's status and `detail` (a message, or FastAPI's list of validation errors for 422). */
class BadRequest extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : 'invalid request');
    this.status = status;
    this.detail = detail;
  }
}

/** FastAPI's 422 for a query parameter. */
function invalid(name, msg, input) {
  return new BadRequest(422, [{ type: 'value_error', loc: ['query', name], msg, input }]);
}

function pageLimit(q) {
  const text = q.get('limit');
  if (text === null) return PAGE_DEFAULT;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw invalid('limit', 'Input should be a valid integer, greater than or equal to 0', text);
  return Math.min(n, PAGE_MAX);
}

function pageOffset(q) {
  const text = q.get('offset');
  if (text === null) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw invalid('offset', 'Input should be a valid integer, greater than or equal to 0', text);
  return n;
}

function timeParam(q, name) {
  const text = q.get(name);
  if (text === null) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalid(name, 'Input should be a valid datetime', text);
  return ms;
}

/** order_by: id or run_after, ascending or descending (the two orders are one here: run_after grows with id). */
function orderOf(q) {
  const keys = q.getAll('order_by');
  if (keys.length === 0) return { desc: false };
  if (keys.length > 1) throw new BadRequest(400, 'The stand-in orders by one key');
  const key = keys[0].replace(/^-/, '');
  if (!['id', 'run_after'].includes(key))
    throw new BadRequest(400, `Ordering with '${key}' is disallowed or the attribute does not exist on the model`);
  return { desc: keys[0].startsWith('-') };
}

/**
 * A page of runs (of one DAG, or of every DAG for `~`), filtered and ordered as Airflow's get_dag_runs
 * does. With updated_at_gte/_gt, the candidates come from the index by update time: the cost is the
 * runs changed since, not every run.
 */
function listRuns(q, dag, client) {
  const limit = pageLimit(q);
  const offset = pageOffset(q);
  const { desc } = orderOf(q);
  const states = q.getAll('state');
  for (const s of states)
    if (!RUN_STATES.includes(s)) throw invalid('state', `Invalid value for state. Valid values are ${RUN_STATES.join(', ')}`, s);
  const [gte, gt, lte, lt] = ['updated_at_gte', 'updated_at_gt', 'updated_at_lte', 'updated_at_lt'].map((name) => timeParam(q, name));
  const dueSince = timeParam(q, 'run_after_gte');
  const stateSet = states.length > 0 ? new Set(states) : null;
  const keep = (run) =>
    (stateSet === null || stateSet.has(run.state)) &&
    (dueSince === null || run.runAfter >= dueSince) &&
    (lte === null || run.updatedAt <= lte) &&
    (lt === null || run.updatedAt < lt) &&
    (gte === null || run.updatedAt >= gte) &&
    (gt === null || run.updatedAt > gt);
  let list;
  if (gte !== null || gt !== null) {
    list = [];
    for (let i = firstAtOrAfter(Math.max(gte ?? -Infinity, gt ?? -Infinity)); i < byUpdate.length; i++) {
      const { seq: entrySeq, run } = byUpdate[i];
      if (entrySeq !== run.seq || (dag !== null && run.dagId !== dag.dagId) || !keep(run)) continue;
      list.push(run);
    }
    list.sort((a, b) => a.id - b.id);
  } else {
    const all = dag === null ? runs : dag.runs;
    list = stateSet === null && lte === null && lt === null && dueSince === null ? all : all.filter(keep);
  }
  // `list` is by id ascending; a descending order reads it from the end.
  const at = (i) => list[desc ? list.length - 1 - i : i];
  const page = [];
  const cursor = q.get('cursor');
  if (cursor === null) {
    for (let i = offset; i < Math.min(list.length, offset + limit); i++) page.push(at(i));
    return { dag_runs: page.map(runJson), total_entries: list.length, total_entries_limit: null, next_cursor: null, previous_cursor: null };
  }
  if (cursor.startsWith('~')) throw new BadRequest(400, 'The stand-in serves forward cursors only');
  let start = 0;
  if (cursor !== '') {
    const after = decodeCursor(cursor);
    if (after === null) throw new BadRequest(400, 'Invalid cursor token');
    while (start < list.length && (desc ? at(start).id >= after : at(start).id <= after)) start++;
  }
  for (let i = start; i < Math.min(list.length, start + limit); i++) page.push(at(i));
  const more = start + limit < list.length;
  if (dag === null) {
    const feed = feedOf(client);
    feed.pages += 1;
    if (cursor === '') {
      feed.reads += 1;
      feed.needed += Math.max(1, Math.ceil(list.length / Math.max(1, limit)));
    }
  }
  return {
    dag_runs: page.map(runJson),
    total_entries: Math.min(list.length, COUNT_LIMIT),
    total_entries_limit: COUNT_LIMIT,
    next_cursor: more && page.length > 0 ? encodeCursor(page.at(-1).id) : null,
    previous_cursor: cursor !== '' && page.length > 0 ? `~${encodeCursor(page[0].id)}` : null,
  };
}

/** GET /api/v2/dags: by dag_id, offset paging, a few of Airflow's filters. */
function listDags(q) {
  const limit = pageLimit(q);
  const offset = pageOffset(q);
  const pattern = q.get('dag_id_pattern')?.toLowerCase() ?? null;
  const tags = q.getAll('tags');
  const owners = q.getAll('owners');
  let ids = sortedDagIds();
  // No DAG here is paused.
  if (q.get('paused') === 'true') ids = [];
  if (pattern !== null || tags.length > 0 || owners.length > 0) {
    ids = ids.filter((id) => {
      const dag = dags.get(id);
      return (
        (pattern === null || id.toLowerCase().includes(pattern.replace(/%/g, ''))) &&
        (tags.length === 0 || dag.tags.some((tag) => tags.includes(tag.name))) &&
        (owners.length === 0 || dag.owners.some((owner) => owners.includes(owner)))
      );
    });
  }
  return { dags: ids.slice(offset, offset + limit).map((id) => dagJson(dags.get(id))), total_entries: ids.length };
}

// ---- calls, clients, faults ----------------------------------------------------------------------

/** client → label → calls */
const calls = new Map();
/** client → the change feed's { reads, pages, needed } */
const feeds = new Map();
/** client → the DAG list's { reads (first pages), pages } */
const lists = new Map();
let inFlight = 0;
let peakInFlight = 0;

function feedOf(client) {
  let feed = feeds.get(client);
  if (feed === undefined) feeds.set(client, (feed = { reads: 0, pages: 0, needed: 0 }));
  return feed;
}

/** A stable label per kind of call, whatever the DAG: the sync, the DAG list, whole reads, lookups, readiness. */
function labelOf(method, path, q) {
  if (path === '/api/v2/monitor/health' || path === '/auth/token' || path === '/api/v2/importErrors') return `${method} ${path}`;
  if (path === '/api/v2/dags') return 'GET /api/v2/dags';
  if (path === '/api/v2/dags/~/dagRuns') return 'GET /api/v2/dags/~/dagRuns';
  if (/^\/api\/v2\/dags\/[^/]+\/dagRuns$/.test(path)) {
    if (q.has('state')) return 'GET /api/v2/dags/{dag_id}/dagRuns?state=';
    if (q.has('run_after_gte')) return 'GET /api/v2/dags/{dag_id}/dagRuns?run_after_gte=';
    return Number(q.get('limit') ?? PAGE_DEFAULT) > 10 ? 'GET /api/v2/dags/{dag_id}/dagRuns?limit>10' : 'GET /api/v2/dags/{dag_id}/dagRuns';
  }
  if (/^\/api\/v2\/dags\/[^/]+\/dagRuns\/[^/]+\/taskInstances$/.test(path))
    return 'GET /api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances';
  if (/^\/api\/v2\/dags\/[^/]+$/.test(path)) return 'GET /api/v2/dags/{dag_id}';
  return `${method} (other)`;
}

function count(client, label) {
  let byLabel = calls.get(client);
  if (byLabel === undefined) calls.set(client, (byLabel = new Map()));
  byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
}

function callsOf(client) {
  const out = {};
  for (const [name, byLabel] of calls) {
    if (client !== null && name !== client) continue;
    for (const [label, n] of byLabel) out[label] = (out[label] ?? 0) + n;
  }
  return out;
}

/** What Airflow does when it goes wrong, in the order the cycle visits them. */
const FAULTS = ['ok', 'unavailable', 'error', 'garbage', 'reset', 'slow', 'refused-auth', 'ok'];
let faultCycle = null;
let fault = 'ok';

function cycleFaults(periodMs) {
  clearInterval(faultCycle);
  fault = 'ok';
  if (!periodMs) return;
  let i = 0;
  faultCycle = setInterval(() => (fault = FAULTS[++i % FAULTS.length]), periodMs);
}

/** Answers a read as the current fault; false when it should be answered normally. */
function faulty(res) {
  if (fault === 'ok') return false;
  if (fault === 'unavailable') send(res, 503, { detail: 'Service Unavailable' });
  else if (fault === 'error') send(res, 500, { detail: 'Internal Server Error' });
  else if (fault === 'refused-auth') send(res, 401, { detail: 'Not authenticated' });
  else if (fault === 'reset') res.socket?.destroy();
  // Longer than the service's AIRFLOW_TIMEOUT_MS in the mixed row (1000 ms), so its deadline fires.
  else if (fault === 'slow') setTimeout(() => send(res, 503, { detail: 'late' }), 1500);
  else {
    res.writeHead(200, { 'Content-Type': 'text/html', Date: new Date(now()).toUTCString() });
    res.end('<html><body>not an API</body></html>');
  }
  return true;
}

function send(res, status, body) {
  if (res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    // Airflow's clock, which the service's watermark follows (1 s resolution, as any HTTP server's).
    Date: new Date(now()).toUTCString(),
  });
  res.end(text);
}

function authorised(req) {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') || auth.startsWith('Basic ');
}

function hook(req, res, path, q) {
  if (path === '/__calls') {
    if (q.get('by') === 'client') return send(res, 200, Object.fromEntries([...calls.keys()].map((c) => [c, callsOf(c)])));
    return send(res, 200, callsOf(q.get('client')));
  }
  if (path === '/__stats') {
    if (q.get('reset') === '1') peakInFlight = inFlight;
    return send(res, 200, {
      inFlight,
      peakInFlight,
      dags: dags.size,
      runs: runs.length,
      indexed: byUpdate.length,
      feeds: Object.fromEntries(feeds),
      lists: Object.fromEntries(lists),
    });
  }
  if (path === '/__faults') {
    cycleFaults(Number(q.get('periodMs') ?? 0));
    return send(res, 200, { fault });
  }
  if (path === '/__served') return send(res, 200, { servedAt: lastChange.get(q.get('dag_id') ?? '')?.servedAt ?? null });
  if (path === '/__changes') {
    const since = Number(q.get('since') ?? 0);
    return send(res, 200, { changes: changes.filter((c) => c.changedAt >= since) });
  }
  if (path === '/__state') {
    const state = q.get('state') ?? 'failed';
    if (!RUN_STATES.includes(state)) return send(res, 400, { detail: `state must be one of ${RUN_STATES.join(', ')}` });
    return send(res, 200, { ok: true, ...change(q.get('dag_id') ?? '', state, q.get('mode') ?? 'new') });
  }
  return send(res, 404, { detail: 'Not Found' });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  let path = url.pathname;
  const q = url.searchParams;
  if (path.startsWith('/__')) return hook(req, res, path, q);
  // A client's prefix, as a proxy in front of Airflow would have it.
  let client = '';
  const prefixed = /^\/c\/([^/]+)(\/.*)$/.exec(path);
  if (prefixed) [, client, path] = prefixed;
  path = path.replace(/%7e/gi, '~');
  count(client, labelOf(req.method, path, q));
  inFlight += 1;
  peakInFlight = Math.max(peakInFlight, inFlight);
  res.once('close', () => (inFlight -= 1));
  req.resume();
  req.on('end', () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()));
  function answer() {
    if (req.method === 'GET' && path === '/api/v2/monitor/health') return send(res, 200, HEALTH);
    if (req.method === 'POST' && path === '/auth/token') return send(res, 201, { access_token: TOKEN });
    if (req.method === 'GET' && path === '/api/v2/importErrors') {
      if (!authorised(req)) return send(res, 401, { detail: 'Not authenticated' });
      return send(res, 200, { import_errors: [], total_entries: 0 });
    }
    if (req.method !== 'GET' || !path.startsWith('/api/v2/dags')) return send(res, 404, { detail: 'Not Found' });
    if (!authorised(req)) return send(res, 401, { detail: 'Not authenticated' });
    if (faulty(res)) return;
    try {
      if (path === '/api/v2/dags') {
        const list = lists.get(client) ?? { reads: 0, pages: 0 };
        lists.set(client, list);
        list.pages += 1;
        if (pageOffset(q) === 0) list.reads += 1;
        return send(res, 200, listDags(q));
      }
      const parts = path.split('/').slice(4).map(decodeURIComponent);
      if (parts.length === 2 && parts[1] === 'dagRuns')
        return send(res, 200, listRuns(q, parts[0] === '~' ? null : dagOf(parts[0]), client));
      if (parts.length === 1) return send(res, 200, dagJson(dagOf(parts[0])));
      if (parts.length === 4 && parts[1] === 'dagRuns' && parts[3] === 'taskInstances' && parts[0] !== '~') {
        const run = dagOf(parts[0]).runs.find((r) => r.runId === parts[2]);
        if (run === undefined)
          return send(res, 404, { detail: `The DagRun with dag_id: \`${parts[0]}\` and run_id: \`${parts[2]}\` was not found` });
        const states = q.getAll('state');
        for (const s of states)
          if (![...TI_STATES, ...TI_STATES_MORE].includes(s))
            return send(res, 422, { detail: [{ loc: ['query', 'state'], msg: 'Invalid value for state', input: s }] });
        const wanted = states.map((s) => (s === 'no_status' ? null : s));
        const tasks = taskInstances(run).filter((t) => wanted.length === 0 || wanted.includes(t.state));
        return send(res, 200, { task_instances: tasks.slice(0, pageLimit(q)), total_entries: tasks.length });
      }
      return send(res, 404, { detail: 'Not Found' });
    } catch (caught) {
      if (caught instanceof BadRequest) return send(res, caught.status, { detail: caught.detail });
      throw caught;
    }
  }
});

seed();
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
