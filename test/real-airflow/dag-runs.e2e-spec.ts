import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../support/browser.js';
import { MirrorStore } from '../../src/mirror/mirror.store.js';
import { startServiceApp, type ServiceEnv } from '../support/service-app.js';
import { AirflowRest, waitFor } from '../../scripts/airflow/airflow-rest.mjs';
import { airflowSh, SIMPLE_AIRFLOW, taskLogUrl } from './local-airflow.js';

const DAG = 'Airflow_Lab2';
const airflow = new AirflowRest(SIMPLE_AIRFLOW.url);
let app: INestApplication | undefined;

async function serve(env: ServiceEnv = {}) {
  await app?.close();
  // TTL 0: each request reads Airflow, so the test sees a state as soon as Airflow has it.
  app = await startServiceApp({ AIRFLOW_WEBSERVER: SIMPLE_AIRFLOW.url, TARGET_DAG_ID: DAG, STATUS_CACHE_TTL_MS: '0', ...env });
  return request(app.getHttpServer());
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('against the real Airflow 3 (simple auth manager, JWT)', () => {
  let succeeded: string;
  let failed: string;
  // Airflow 2 (npm run compat) has /api/v1 with HTTP basic, and gives every manual run a logical date.
  let v1 = false;
  const noLogicalDate = () => (v1 ? expect.any(String) : null);

  beforeAll(async () => {
    v1 = (await airflow.apiVersion()) === 'v1';
    // A manual run with no logical date that succeeds, then one that fails; neither triggers the launcher DAG.
    succeeded = (await airflow.trigger(DAG, { trigger_flask: false })).dag_run_id;
    await airflow.waitForRun(DAG, succeeded, ['success', 'failed']);
    failed = (await airflow.trigger(DAG, { trigger_flask: false, fail: true })).dag_run_id;
  }, 240_000);

  it('lists a run that succeeded, manual and without a logical date', async () => {
    const run = await airflow.getRun(DAG, succeeded);
    expect(run).toMatchObject({ state: 'success', logical_date: noLogicalDate() });
    const http = await serve();
    const runs = await http.get(`/api/dags/${DAG}/runs?limit=5`).expect(200);
    const ours = runs.body.runs.find((r: { run_id: string }) => r.run_id === succeeded);
    expect(ours).toMatchObject({ state: 'success', logical_date: noLogicalDate(), run_type: 'manual' });
  });

  it('reports the failed run as the latest, on /, /failure, /status and /runs', async () => {
    await airflow.waitForRun(DAG, failed, ['failed', 'success']);
    const http = await serve();
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(status.body).toMatchObject({ dag_id: DAG, run_id: failed, state: 'failed', logical_date: noLogicalDate() });
    await http.get('/').expect(302).expect('Location', '/failure');
    const verdict = await http.get('/failure').set('Accept', 'application/json').expect(200);
    expect(verdict.body).toMatchObject({ outcome: 'failure', reason: 'failed', run_id: failed });
    const page = await http.get('/failure').expect(200);
    expect(page.text).toContain('The latest run failed.');
    const runs = await http.get(`/api/dags/${DAG}/runs?limit=2`).expect(200);
    expect(runs.body.runs.map((r: { run_id: string }) => r.run_id)).toEqual([failed, succeeded]);
  }, 180_000);

  it('names the failed task (train) with a link to its log, on /status, /api/dags, /failure and the badge', async () => {
    await airflow.waitForRun(DAG, failed, ['failed', 'success']);
    const http = await serve();
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    const logUrl = taskLogUrl(SIMPLE_AIRFLOW, await airflow.apiVersion(), DAG, failed, 'train');
    expect(status.body).toMatchObject({ run_id: failed, last_finished: { run_id: failed, state: 'failed' }, stale: null });
    expect(status.body.failed_tasks).toContainEqual({ task_id: 'train', state: 'failed', log_url: logUrl });
    // Everything after train could not run.
    for (const task of status.body.failed_tasks.filter((t: { task_id: string }) => t.task_id !== 'train')) {
      expect(task.state).toBe('upstream_failed');
    }
    // The earlier success is outside the page of one run: found by its own query.
    expect(Date.parse(status.body.last_success_at)).not.toBeNaN();
    // The Airflow UI answers the log link (its single-page app serves every route).
    expect((await fetch(logUrl)).status).toBe(200);

    const overview = await http.get('/api/dags').expect(200);
    expect(overview.body.dags[0]).toMatchObject({ dag_id: DAG, state: 'failed', reason: 'failed', airflow_error: null });
    expect(overview.body.dags[0].failed_tasks).toContainEqual({ task_id: 'train', state: 'failed', log_url: logUrl });
    const page = await http.get('/failure').expect(200);
    expect(page.text).toContain('>train</a> (failed)');
    expect((await http.get(`/api/dags/${DAG}/badge.json`).expect(200)).body).toMatchObject({ message: 'failed', color: 'red' });
  }, 180_000);

  it('reports success once a newer run succeeds', async () => {
    const runId = (await airflow.trigger(DAG, { trigger_flask: false })).dag_run_id;
    const http = await serve();
    // While it is queued or running, the verdict is a failure that says so.
    const during = await http.get('/success').set('Accept', 'application/json').expect(200);
    if (during.body.run_id === runId && during.body.state !== 'success') {
      expect(['queued', 'running']).toContain(during.body.reason);
    }
    await airflow.waitForRun(DAG, runId, ['success']);
    await http.get('/').expect(302).expect('Location', '/success');
    const page = await http.get('/success').expect(200);
    expect(page.text).toContain(runId);
    expect(page.text).toContain('✔ Success');
  }, 180_000);

  it("keeps the DAG's past (issue 20): the runs of the window, read in pages, and the failed run's failed tasks", async () => {
    await airflow.waitForRun(DAG, failed, ['failed', 'success']);
    await serve({ STATUS_CACHE_TTL_MS: '500' });
    const store = app!.get(MirrorStore);
    await waitFor('the past read whole', 60_000, async () => (store.past(DAG)?.complete ? true : null));
    const runs = store.past(DAG)!.runs;
    expect(runs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ runId: succeeded, state: 'success', runType: 'manual' }),
        expect.objectContaining({ runId: failed, state: 'failed', runType: 'manual' }),
      ]),
    );
    // Oldest first, each with when it was due.
    const due = runs.map((run) => run.dueAt!);
    expect(due).toEqual([...due].sort((a, b) => a - b));
    await waitFor("the failed run's tasks", 60_000, async () => store.pastFailedTasks(DAG, failed));
    expect(store.pastFailedTasks(DAG, failed)).toEqual(expect.arrayContaining([expect.objectContaining({ taskId: 'train' })]));
  }, 180_000);

  it('is ready, and says which API and auth it worked out', async () => {
    const http = await serve();
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.airflow).toMatchObject({ status: 'up', api_version: v1 ? 'v1' : 'v2', auth: v1 ? 'basic' : 'jwt', dag_id: DAG });
  });

  it('answers 503 saying the credentials were refused for a wrong password, never echoing it', async () => {
    const http = await serve({ AIRFLOW_PASSWORD: 'Not-The-Password-42' });
    const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
    expect(res.body).toMatchObject({ reason: 'airflow_auth_refused' });
    expect(res.body.message).toContain('refused the credentials of user "airflow"');
    expect(JSON.stringify(res.body)).not.toContain('Not-The-Password-42');
    const ready = await http.get('/health/ready').expect(503);
    expect(ready.body.error.airflow.reason).toBe('airflow_auth_refused');
  });

  it('answers 404 for a DAG Airflow does not know', async () => {
    const http = await serve({ ALLOWED_DAG_IDS: `${DAG},No_Such_DAG` });
    const res = await http.get('/api/dags/No_Such_DAG/status').expect(404);
    expect(res.body.reason).toBe('dag_not_found');
  });
});

// In this file, after the tests above and before Airflow goes down: the suites that trigger
// Airflow_Lab2 runs share one file, so they run one at a time, and no run of another test becomes
// the latest while this one watches its own.
describe('/dags in Chromium follows a failing run live', () => {
  /** Short, so that the page follows the run closely; one Airflow read a second is no load. */
  const TTL_MS = 1000;
  /** A real run on a loaded 2-core machine: the scheduler's pick-up and five task processes can take minutes. */
  const RUN_TIMEOUT_MS = 240_000;
  /** Once Airflow says the run failed, the row has it after the next read (TTL, a read, a page fetch); generous for a loaded machine. */
  const PAGE_TIMEOUT_MS = 60_000;

  it('turns the row failed without a reload and names the failed task (train) with a link to its log', async () => {
    // A slow answer of a busy Airflow must not turn the row "unknown" midway: this test is about the run.
    await serve({ STATUS_CACHE_TTL_MS: String(TTL_MS), AIRFLOW_TIMEOUT_MS: '30000' });
    await app!.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app!.getHttpServer().address() as AddressInfo).port}`;
    const browser = await launchChromium();
    // Closed whatever happens: an open page keeps its event stream, and the app's close would wait on it.
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      let navigations = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations += 1;
      });

      await page.goto(`${base}/dags`);
      await page.locator('[data-live-bar][data-live-state="live"]').waitFor({ timeout: PAGE_TIMEOUT_MS });
      // The page's own record of the row: a reload would lose it, and it keeps every state the row passed through.
      await recordRow(page, DAG);
      const [before] = await recordedRow(page);
      expect(before?.state).toMatch(/^(success|failed|running|queued|none)$/);

      const runId = (await airflow.trigger(DAG, { trigger_flask: false, fail: true })).dag_run_id;
      expect(before?.runId).not.toBe(runId);
      await expect(airflow.waitForRun(DAG, runId, ['failed', 'success'], RUN_TIMEOUT_MS)).resolves.toMatchObject({ state: 'failed' });

      const row = page.locator(`li.dag[data-dag-id="${DAG}"][data-state="failed"]`).filter({ hasText: runId });
      const train = row.locator('.tasks a', { hasText: /^train — log$/ });
      await train.waitFor({ timeout: PAGE_TIMEOUT_MS }).catch(async (error: unknown) => {
        // What the row went through and what the service knows now tell a missed event from a missed read.
        const overview = (await (await fetch(`${base}/api/dags`)).json()) as { dags: unknown[] };
        throw new Error(
          `${String(error)}\nthe row showed: ${JSON.stringify(await recordedRow(page))}\n/api/dags now: ${JSON.stringify(overview.dags[0])}`,
        );
      });
      await expect(train.getAttribute('href')).resolves.toBe(taskLogUrl(SIMPLE_AIRFLOW, await airflow.apiVersion(), DAG, runId, 'train'));
      await expect(row.locator('.state').textContent()).resolves.toContain('failed');

      // No reload: the same document all along (one navigation, the record kept), updated over the stream.
      expect(navigations).toBe(1);
      const ours = (await recordedRow(page)).filter((seen) => seen.runId === runId).map((seen) => seen.state);
      // Possibly queued and running first (or "unknown" while a read of a busy Airflow failed); never a success.
      expect(ours).toContain('failed');
      expect(ours).not.toContain('success');
      for (const state of ours.slice(0, ours.indexOf('failed'))) expect(['queued', 'running', 'unknown']).toContain(state);
      await expect(page.locator('[data-live-bar]').getAttribute('data-live-state')).resolves.toBe('live');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 420_000);
});

/** One look at a DAG's row on /dags. */
interface RowSeen {
  state: string;
  runId: string;
  /** The row's "Failed tasks" line, or ''. */
  tasks: string;
}

/** The few DOM members the recorder uses (the project's types have no DOM library). */
interface RecorderWindow {
  document: {
    body: unknown;
    querySelector(selector: string): {
      getAttribute(name: string): string | null;
      querySelector(selector: string): { textContent: string | null } | null;
    } | null;
  };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: { childList: boolean; subtree: boolean }): void };
  rowSeen?: RowSeen[];
}

/** Starts keeping, in the page, each different look of the DAG's row (the live script replaces the row on a change). */
async function recordRow(page: Page, dagId: string): Promise<void> {
  await page.evaluate((id) => {
    const w = globalThis as unknown as RecorderWindow;
    const seen: RowSeen[] = [];
    w.rowSeen = seen;
    const note = (): void => {
      const row = w.document.querySelector(`li.dag[data-dag-id="${id}"]`);
      const look: RowSeen = {
        state: row?.getAttribute('data-state') ?? 'absent',
        // The first <dd> of a row is its latest run.
        runId: row?.querySelector('dd')?.textContent ?? '',
        tasks: row?.querySelector('.tasks')?.textContent ?? '',
      };
      const last = seen.at(-1);
      if (last?.state !== look.state || last.runId !== look.runId || last.tasks !== look.tasks) seen.push(look);
    };
    note();
    new w.MutationObserver(note).observe(w.document.body, { childList: true, subtree: true });
  }, dagId);
}

/** What the recorder kept, oldest first; throws when the page lost it (it was reloaded). */
async function recordedRow(page: Page): Promise<RowSeen[]> {
  const kept = await page.evaluate(() => (globalThis as unknown as RecorderWindow).rowSeen);
  if (kept === undefined) throw new Error('the page lost its record of the row: it was reloaded');
  return kept;
}

describe('readiness follows Airflow going down and coming back', () => {
  afterAll(async () => {
    await airflowSh('up', SIMPLE_AIRFLOW); // whatever happened, leave Airflow up for the next suite
  }, 300_000);

  it('turns 503 while Airflow is down and 200 again once it is back, liveness staying 200', async () => {
    const http = await serve();
    await http.get('/health/ready').expect(200);
    await airflowSh('down', SIMPLE_AIRFLOW);
    const down = await http.get('/health/ready').expect(503);
    expect(down.body.error.airflow.reason).toBe('airflow_unreachable');
    await http.get('/health/live').expect(200);
    await http.get('/').expect(302).expect('Location', '/failure');
    await airflowSh('up', SIMPLE_AIRFLOW);
    await waitFor('readiness to turn 200', 60_000, async () => ((await http.get('/health/ready')).status === 200 ? true : null));
  }, 300_000);
});
