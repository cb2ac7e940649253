// A stand-in Airflow 3 REST API for the benchmark: node:http on 127.0.0.1, in its own process.
// It answers the few endpoints the service and the seed's Flask app use, accepts a JWT or HTTP
// basic, and counts every call by "METHOD path" (query stripped). GET /__calls returns the counts.
// GET /__faults?periodMs=N cycles the DAG-run and DAG reads through FAULTS (a new one every N ms;
// 0 = answer normally again), for the mixed-load memory row.
// POST /__state?dag_id=D&state=S gives D a new latest run in state S; GET /__served?dag_id=D then says
// when (performance.timeOrigin + now, ms) that run was first served, i.e. when the service learnt of it.
// Usage: node bench/stand-in-airflow.mjs [port]   (port 0 = any; prints `LISTENING <port>` when ready)
// STAND_IN_DELAY_MS: latency before every Airflow answer (a slow Airflow, for the fairness scenario).
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const delayMs = Number(process.env.STAND_IN_DELAY_MS ?? 0);
const calls = new Map();
/** dag id -> its latest run's state and id, and when a run read first carried them (null until then). */
const latest = new Map();
const clock = () => performance.timeOrigin + performance.now();

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
// exp ten years on: the service never needs to renew it during a run.
const TOKEN = `${b64url({ alg: 'HS512', typ: 'JWT' })}.${b64url({ sub: 'airflow', iat: now, nbf: now, exp: now + 10 * 365 * 86400 })}.c2lnbmF0dXJl`;

const HEALTH = JSON.stringify({
  metadatabase: { status: 'healthy' },
  scheduler: { status: 'healthy', latest_scheduler_heartbeat: null },
  triggerer: { status: null, latest_triggerer_heartbeat: null },
  dag_processor: { status: null, latest_dag_processor_heartbeat: null },
});

function run(dagId) {
  const changed = latest.get(dagId);
  if (changed && changed.servedAt === null) changed.servedAt = clock();
  // The fields of Airflow 3's DAGRunResponse, as a manual run triggered through the REST API.
  return {
    dag_run_id: changed?.runId ?? 'manual__2026-11-28T21:40:00.000000+00:00',
    dag_id: dagId,
    logical_date: '2026-11-28T21:40:00Z',
    run_after: '2026-11-28T21:40:00Z',
    start_date: '2026-11-28T21:40:01.250000Z',
    end_date: '2026-11-28T21:40:31.870000Z',
    state: changed?.state ?? 'success',
    note: null,
    run_type: 'manual',
    queued_at: '2026-11-28T21:40:00.120000Z',
    data_interval_start: null,
    data_interval_end: null,
    last_scheduling_decision: null,
    triggered_by: 'rest_api',
    conf: {},
    bundle_version: null,
    dag_versions: [],
    dag_display_name: dagId,
  };
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
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<html><body>not an API</body></html>');
  }
  return true;
}

function send(res, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function authorised(req) {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') || auth.startsWith('Basic ');
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/__calls') return send(res, 200, Object.fromEntries(calls));
  if (path === '/__faults') {
    cycleFaults(Number(new URL(req.url, 'http://x').searchParams.get('periodMs') ?? 0));
    return send(res, 200, { fault });
  }
  if (path === '/__state' || path === '/__served') {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const dagId = query.get('dag_id') ?? '';
    if (path === '/__served') return send(res, 200, { servedAt: latest.get(dagId)?.servedAt ?? null });
    const n = (latest.get(dagId)?.n ?? 0) + 1;
    latest.set(dagId, { n, state: query.get('state') ?? 'failed', runId: `manual__bench_${n}`, servedAt: null });
    return send(res, 200, { ok: true });
  }
  const key = `${req.method} ${path}`;
  calls.set(key, (calls.get(key) ?? 0) + 1);
  req.resume();
  req.on('end', () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()));
  function answer() {
    if (req.method === 'GET' && path === '/api/v2/monitor/health') return send(res, 200, HEALTH);
    if (req.method === 'POST' && path === '/auth/token') return send(res, 201, { access_token: TOKEN });
    let m = /^\/api\/v2\/dags\/([^/]+)\/dagRuns$/.exec(path);
    if (req.method === 'GET' && m) {
      if (!authorised(req)) return send(res, 401, { detail: 'Not authenticated' });
      if (faulty(res)) return;
      return send(res, 200, { dag_runs: [run(decodeURIComponent(m[1]))], total_entries: 1 });
    }
    m = /^\/api\/v2\/dags\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      if (!authorised(req)) return send(res, 401, { detail: 'Not authenticated' });
      if (faulty(res)) return;
      const dagId = decodeURIComponent(m[1]);
      return send(res, 200, { dag_id: dagId, dag_display_name: dagId, is_paused: false, is_stale: false, tags: [] });
    }
    return send(res, 404, { detail: 'Not Found' });
  }
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
