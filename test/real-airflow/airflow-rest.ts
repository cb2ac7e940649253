/**
 * A minimal client of Airflow's REST API for the tests themselves: trigger runs,
 * watch them, mark them failed. (The service has its own client; this one is
 * deliberately separate so the tests do not trust the code they test.)
 */
export interface RunInfo {
  dag_run_id: string;
  state: string;
  logical_date: string | null;
  run_after: string;
}

export class AirflowRest {
  private token: string | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly username = 'airflow',
    private readonly password = 'airflow',
  ) {}

  async trigger(dagId: string, conf: Record<string, unknown> = {}): Promise<RunInfo> {
    return this.request<RunInfo>('POST', `/api/v2/dags/${dagId}/dagRuns`, { logical_date: null, conf });
  }

  async getRun(dagId: string, runId: string): Promise<RunInfo> {
    return this.request<RunInfo>('GET', `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`);
  }

  async setRunState(dagId: string, runId: string, state: 'failed' | 'success'): Promise<void> {
    await this.request('PATCH', `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`, { state });
  }

  async taskState(dagId: string, runId: string, taskId: string): Promise<string | null> {
    const ti = await this.request<{ state: string | null }>('GET', `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${taskId}`);
    return ti.state;
  }

  /** Polls until the run reaches one of `states` (Airflow gives no push), failing with the last state seen. */
  async waitForRun(dagId: string, runId: string, states: string[], timeoutMs = 120_000): Promise<RunInfo> {
    return waitFor(`run ${dagId}/${runId} to reach ${states.join('|')}`, timeoutMs, async () => {
      const run = await this.getRun(dagId, runId);
      return states.includes(run.state) ? run : null;
    });
  }

  async waitForTask(dagId: string, runId: string, taskId: string, states: string[], timeoutMs = 120_000): Promise<string> {
    return waitFor(`task ${taskId} of ${runId} to reach ${states.join('|')}`, timeoutMs, async () => {
      const state = await this.taskState(dagId, runId, taskId);
      return state !== null && states.includes(state) ? state : null;
    });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.token ??= await this.login();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  private async login(): Promise<string> {
    const response = await fetch(`${this.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: this.username, password: this.password }),
    });
    if (response.status !== 201) throw new Error(`login → ${response.status} ${await response.text()}`);
    return ((await response.json()) as { access_token: string }).access_token;
  }
}

/** Polls `probe` every 500 ms until it returns a value, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
