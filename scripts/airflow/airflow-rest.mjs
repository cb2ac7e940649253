// A small client of Airflow's REST API for the scripts and tests around the service: trigger
// runs, watch them, mark them failed, read a task's log. Airflow 3's /api/v2 with a JWT, or
// Airflow 2's /api/v1 with HTTP basic (for npm run compat), whichever the server has. Used by scripts/demo.mjs and the
// real-Airflow tests (test/real-airflow); the service has its own client, and this one stays
// separate so that the tests do not trust the code they test. Plain ESM so that node runs it
// directly; types in airflow-rest.d.mts.

/** How often waitFor polls: Airflow has no push, and its scheduler loop ticks about once a second. */
const POLL_MS = 500;

export class AirflowRest {
  /** @type {string | null} */
  #token = null;
  /** @type {Promise<string> | null} */
  #login = null;
  /** @type {Promise<'v1' | 'v2'> | null} */
  #api = null;

  /**
   * @param {string} baseUrl e.g. http://127.0.0.1:8080
   * @param {string} [username]
   * @param {string} [password]
   */
  constructor(baseUrl, username = 'airflow', password = 'airflow') {
    this.baseUrl = baseUrl;
    this.username = username;
    this.password = password;
  }

  /** The API the server has: 'v2' (Airflow 3) or 'v1' (Airflow 2, whose /api/v2 answers 404). */
  apiVersion() {
    this.#api ??= fetch(`${this.baseUrl}/api/v2/monitor/health`).then((r) => (r.status === 404 ? 'v1' : 'v2'));
    return this.#api;
  }

  /**
   * Triggers a manual run with no logical date, as the Airflow UI does (Airflow 2 always gives one: now).
   * The local Airflow's SQLite lets one writer at a time: a trigger that meets another write answers 500
   * "Database error" (rolled back, so nothing was created) and is tried again.
   */
  async trigger(dagId, conf = {}) {
    const v1 = (await this.apiVersion()) === 'v1';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.request('POST', `/dags/${encodeURIComponent(dagId)}/dagRuns`, v1 ? { conf } : { logical_date: null, conf });
      } catch (error) {
        if (attempt >= 5 || !/→ 500 .*Database error/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  getRun(dagId, runId) {
    return this.request('GET', runPath(dagId, runId));
  }

  /** Marks a run failed or successful, as an operator does in the UI (Airflow stops its running tasks). */
  async setRunState(dagId, runId, state) {
    await this.request('PATCH', runPath(dagId, runId), { state });
  }

  async taskState(dagId, runId, taskId) {
    return (await this.request('GET', `${runPath(dagId, runId)}/taskInstances/${encodeURIComponent(taskId)}`)).state;
  }

  /** The messages a task instance's current try has logged so far (the whole log, one string per line). */
  async taskLog(dagId, runId, taskId) {
    const ti = await this.request('GET', `${runPath(dagId, runId)}/taskInstances/${encodeURIComponent(taskId)}`);
    const logPath = `${runPath(dagId, runId)}/taskInstances/${encodeURIComponent(taskId)}/logs/${ti.try_number}?full_content=true`;
    if ((await this.apiVersion()) === 'v1') {
      // Airflow 2's JSON form is a Python repr of (host, text) pairs; its text form is the log itself.
      return (await this.request('GET', logPath, undefined, 'text/plain')).split('\n');
    }
    const log = await this.request('GET', logPath);
    // Airflow 3 answers structured lines ({event, timestamp, ...}); older shapes are plain strings.
    const content = Array.isArray(log.content) ? log.content : [log.content];
    return content.map((line) => (typeof line === 'string' ? line : String(line?.event ?? '')));
  }

  /** Polls until the run reaches one of `states`, failing with what it waited for. */
  waitForRun(dagId, runId, states, timeoutMs = 120_000) {
    return waitFor(`run ${dagId}/${runId} to reach ${states.join('|')}`, timeoutMs, async () => {
      const run = await this.getRun(dagId, runId);
      return states.includes(run.state) ? run : null;
    });
  }

  waitForTask(dagId, runId, taskId, states, timeoutMs = 120_000) {
    return waitFor(`task ${taskId} of ${runId} to reach ${states.join('|')}`, timeoutMs, async () => {
      const state = await this.taskState(dagId, runId, taskId);
      return state !== null && states.includes(state) ? state : null;
    });
  }

  /** Polls until a line of the task's log matches `pattern`; resolves to that line. */
  waitForTaskLog(dagId, runId, taskId, pattern, timeoutMs = 120_000) {
    return waitFor(`task ${taskId} of ${runId} to log ${pattern}`, timeoutMs, async () => {
      const lines = await this.taskLog(dagId, runId, taskId);
      return lines.find((line) => pattern.test(line)) ?? null;
    });
  }

  /**
   * One call to a path under the API (`/dags/...`), logged in once: the token is reused, and renewed
   * once when Airflow answers 401. Airflow 2 takes HTTP basic on every call instead.
   */
  async request(method, path, body, accept = 'application/json') {
    const api = await this.apiVersion();
    const full = `/api/${api}${path}`;
    const auth = async () =>
      api === 'v1' ? `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}` : `Bearer ${await this.#bearer()}`;
    let response = await this.#send(method, full, body, await auth(), accept);
    if (response.status === 401 && api === 'v2') {
      this.#token = null;
      response = await this.#send(method, full, body, await auth(), accept);
    }
    if (!response.ok) throw new Error(`${method} ${full} → ${response.status} ${await response.text()}`);
    return accept === 'application/json' ? response.json() : response.text();
  }

  #send(method, path, body, authorization, accept) {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: authorization, 'Content-Type': 'application/json', Accept: accept },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** The current token; concurrent callers share one login. */
  async #bearer() {
    if (this.#token) return this.#token;
    this.#login ??= this.#fetchToken().finally(() => (this.#login = null));
    this.#token = await this.#login;
    return this.#token;
  }

  async #fetchToken() {
    const response = await fetch(`${this.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: this.username, password: this.password }),
    });
    if (!response.ok) throw new Error(`login → ${response.status} ${await response.text()}`);
    return (await response.json()).access_token;
  }
}

/** A DAG id may hold any letters (entraînement_modèle): encoded like the run id. */
function runPath(dagId, runId) {
  return `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}`;
}

/** Polls `probe` until it returns a value other than null, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what, timeoutMs, probe, intervalMs = POLL_MS) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
