/**
 * Silent failures become verdicts (issue 18), end to end against the fake Airflow: a DAG overdue, paused,
 * whose file fails to import, whose run goes on far longer than usual, and Airflow's scheduler down, shown
 * wherever a verdict shows (/api/dags with its reason filter and counts, the status page and its JSON,
 * badges, /dags, events, metrics) and notified. DAGs none of them applies to keep their verdicts.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { FakeAirflow, type FakeAirflowOptions, type FakeDagRun } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';
import { until } from './support/service-process.js';
import { SseClient } from './support/sse-client.js';
import { cloudEventOf, verified, WebhookReceiver } from './support/webhook-receiver.js';

jest.setTimeout(90_000);

const MIN = 60_000;
const at = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const TRACE = [
  'Traceback (most recent call last):',
  '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed',
  '  File "/opt/airflow/dags/broken.py", line 12',
  '    with DAG(',
  '            ^',
  "SyntaxError: '(' was never closed",
  '',
].join('\n');

const airflow = againstFakeAirflow({ TARGET_DAG_ID: 'fine', STATUS_CACHE_TTL_MS: '150', DAG_LIST_PERIOD_MS: '1000' });

/** A finished run of `dagId` that started `ago` ms ago and took `minutes`. */
function done(dagId: string, state: 'success' | 'failed', ago: number, minutes = 1): FakeDagRun {
  const start = Date.now() - ago;
  return FakeAirflow.run({ dag_id: dagId, state, run_after: at(start), start_date: at(start), end_date: at(start + minutes * MIN) });
}

/**
 * One DAG of each kind, on Airflow's (the fake's) clock: `fine` succeeded; `late` is hourly and its run due
 * 30 minutes ago never started; `paused`; `broken`, whose file fails to import; `slow`, running for 20
 * minutes where three successes took 2; `failed_broken`, failed and then broken (a failed run stays failed).
 */
function scenario(): Partial<FakeAirflowOptions> {
  const hourly = { timetable_summary: '0 * * * *' };
  return {
    dags: {
      fine: [done('fine', 'success', 5 * MIN)],
      late: [done('late', 'success', 90 * MIN)],
      paused: [done('paused', 'success', 5 * MIN)],
      broken: [done('broken', 'success', 5 * MIN)],
      slow: [
        done('slow', 'success', 300 * MIN, 2),
        done('slow', 'success', 200 * MIN, 2),
        done('slow', 'success', 100 * MIN, 2),
        FakeAirflow.run({ dag_id: 'slow', state: 'running', run_after: at(Date.now() - 20 * MIN), start_date: at(Date.now() - 20 * MIN) }),
      ],
      failed_broken: [done('failed_broken', 'failed', 5 * MIN)],
    },
    dagAttributes: {
      fine: { ...hourly, next_dagrun_run_after: at(Date.now() + 30 * MIN) },
      late: { ...hourly, next_dagrun_run_after: at(Date.now() - 30 * MIN) },
      paused: { is_paused: true },
      broken: { has_import_errors: true },
      failed_broken: { has_import_errors: true },
    },
    importErrors: [{ filename: FakeAirflow.fileOf('broken'), stack_trace: TRACE }],
  };
}
const DAGS = 'fine,late,paused,broken,slow,failed_broken';

interface Entry {
  dag_id: string;
  outcome: string;
  reason: string | null;
  explanation: string;
}
const reasonsOf = (body: { dags: Entry[] }) => Object.fromEntries(body.dags.map((d) => [d.dag_id, d.reason]));

/** Waits until /api/dags gives every DAG in `expected` its reason (null: a success); resolves to the answer. */
async function reasons(http: ReturnType<typeof request>, expected: Record<string, string | null>): Promise<{ dags: Entry[] }> {
  return until(`reasons ${JSON.stringify(expected)}`, async () => {
    const { body } = await http.get('/api/dags').expect(200);
    const got = reasonsOf(body as { dags: Entry[] });
    return Object.entries(expected).every(([dagId, reason]) => got[dagId] === reason) ? (body as { dags: Entry[] }) : null;
  });
}

const EXPECTED = {
  fine: null,
  late: 'overdue',
  paused: 'paused',
  broken: 'import_error',
  slow: 'running_long',
  failed_broken: 'failed',
};

describe('silent failures as verdicts', () => {
  it('gives each its reason and explanation on /api/dags, with the reason filter and the counts', async () => {
    const http = await airflow.serve(scenario(), { ALLOWED_DAG_IDS: DAGS });
    const body = await reasons(http, EXPECTED);
    const explanation = (dagId: string) => body.dags.find((d) => d.dag_id === dagId)!.explanation;
    expect(explanation('broken')).toBe("The DAG's file broken.py fails to import: SyntaxError: '(' was never closed.");
    expect(explanation('late')).toMatch(
      /^The scheduled run due \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC has not started within 10 min \(OVERDUE_GRACE\)\.$/,
    );
    expect(explanation('paused')).toBe('The DAG is paused in Airflow: nothing runs until it is unpaused.');
    expect(explanation('slow')).toMatch(/has gone on longer than 6 min 0 s, far beyond this DAG's usual 2 min 0 s: it may be stuck\.$/);
    expect(explanation('failed_broken')).toBe('The latest run failed.');
    for (const dag of body.dags) expect(dag.outcome).toBe(dag.reason === null ? 'success' : 'failure');

    const filtered = await http.get('/api/dags?reason=overdue&reason=paused').expect(200);
    expect(filtered.body.dags.map((d: Entry) => d.dag_id)).toEqual(['late', 'paused']);
    expect(filtered.body.counts.reason).toMatchObject({
      overdue: 1,
      paused: 1,
      import_error: 1,
      running_long: 1,
      failed: 1,
      airflow_scheduler_down: 0,
    });
    expect(filtered.body.counts.outcome).toEqual({ success: 1, failure: 5 });
  });

  it('shows them on the status page and its JSON, the badges, /dags, the event stream and the metrics', async () => {
    const app = await airflow.start(scenario(), { ALLOWED_DAG_IDS: DAGS, TARGET_DAG_ID: 'late' });
    const http = request(app.getHttpServer());
    await reasons(http, EXPECTED);

    await http.get('/').expect(302).expect('Location', '/failure');
    const page = await http.get('/failure').expect(200);
    expect(page.text).toContain('data-reason="overdue"');
    expect(page.text).toContain('has not started within 10 min (OVERDUE_GRACE).');
    const json = await http.get('/failure').set('Accept', 'application/json').expect(200);
    expect(json.body).toMatchObject({ dag_id: 'late', outcome: 'failure', reason: 'overdue' });

    const badges = await Promise.all(
      ['late', 'paused', 'broken', 'slow'].map((dag) => http.get(`/api/dags/${dag}/badge.json`).expect(200)),
    );
    expect(badges.map((b) => [(b.body as { message: string }).message, (b.body as { color: string }).color])).toEqual([
      ['overdue', 'orange'],
      ['paused', 'lightgrey'],
      ['import error', 'red'],
      ['running long', 'orange'],
    ]);

    const dags = await http.get('/dags').expect(200);
    expect(dags.text).toContain(
      '⏰</span> overdue</span> <span class="chip ok"><span aria-hidden="true">✔</span> latest run: success</span>',
    );
    expect(dags.text).toMatch(
      /href="\/dags\?reason=import_error"[^>]*><span aria-hidden="true">⚠<\/span> import error <strong>1<\/strong>/,
    );
    const onlyPaused = await http.get('/dags?reason=paused').expect(200);
    expect(onlyPaused.text).toContain('data-dag-id="paused"');
    expect(onlyPaused.text).not.toContain('data-dag-id="late"');

    await app.listen(0, '127.0.0.1');
    const stream = await SseClient.open(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/api/events?dag_id=slow`);
    try {
      await stream.until('the status of slow', (client) => client.statuses.length > 0);
      expect(stream.statuses[0].data).toMatchObject({ dag_id: 'slow', reason: 'running_long', state: 'running' });
    } finally {
      stream.close();
    }

    const metrics = await http.get('/metrics').expect(200);
    expect(metrics.text).toContain('airflow_dag_not_success{dag_id="late",reason="overdue"} 1');
    expect(metrics.text).toContain('airflow_dag_not_success{dag_id="broken",reason="import_error"} 1');
    expect(metrics.text).toContain('airflow_dag_not_success{dag_id="fine",reason="none"} 0');
    expect(metrics.text).toContain('airflow_calls_total{endpoint="list_import_errors",outcome="ok"}');
  });

  it("says on every DAG that nothing runs while Airflow's scheduler is down, but a failure or a broken file first; and lets it go when it is back", async () => {
    const http = await airflow.serve(scenario(), { ALLOWED_DAG_IDS: DAGS });
    await reasons(http, EXPECTED);
    airflow.fake.setScenario({ unhealthy: { scheduler: '2026-12-03T09:00:00+00:00' } });
    const body = await reasons(http, {
      fine: 'airflow_scheduler_down',
      late: 'airflow_scheduler_down',
      slow: 'airflow_scheduler_down',
      paused: 'paused',
      broken: 'import_error',
      failed_broken: 'failed',
    });
    expect(body.dags.find((d) => d.dag_id === 'fine')!.explanation).toBe(
      "Airflow's scheduler has sent no heartbeat since 2026-12-03 09:00:00 UTC: nothing is scheduled or run until it is back.",
    );
    airflow.fake.setScenario({ unhealthy: { dag_processor: '2026-12-03T09:00:00+00:00' } });
    await reasons(http, { fine: 'airflow_dag_processor_down', late: 'airflow_dag_processor_down' });
    airflow.fake.setScenario({ unhealthy: {} });
    await reasons(http, EXPECTED);
  });

  it('keeps the verdicts of DAGs none applies to, and judges a paused DAG by its runs with PAUSED_IS_FAILURE=false (or per DAG)', async () => {
    const http = await airflow.serve(scenario(), {
      ALLOWED_DAG_IDS: DAGS,
      PAUSED_IS_FAILURE: 'false',
      OVERDUE_GRACE: '10m,late=2h',
      RUNNING_LONG_FACTOR: 'off',
    });
    await reasons(http, { fine: null, late: null, paused: null, broken: 'import_error', slow: 'running', failed_broken: 'failed' });
  });

  it('with WATCH_DAGS, keeps a DAG whose file fails to import (Airflow 3 makes it stale) and drops one whose file is gone', async () => {
    const base = scenario();
    const http = await airflow.serve(
      {
        ...base,
        dags: { ...base.dags, gone: [done('gone', 'success', 5 * MIN)] },
        dagAttributes: { ...base.dagAttributes, broken: { has_import_errors: true, is_stale: true }, gone: { is_stale: true } },
      },
      { WATCH_DAGS: 'all' },
    );
    const body = await reasons(http, { broken: 'import_error', late: 'overdue' });
    expect(body.dags.map((d) => d.dag_id)).not.toContain('gone');
    // Stale DAGs asked for (Airflow 3 leaves them out unless told).
    expect(airflow.fake.calls.find((c) => c.path === '/api/v2/dags')?.query).toMatchObject({ exclude_stale: 'false' });
  });

  it("on Airflow 2 (v1), finds a DAG's import error by its absolute file name and the scheduler's health at /api/v1/health", async () => {
    const base = scenario();
    const http = await airflow.serve(
      { ...base, apiVersion: 'v1', auth: 'basic', importErrors: [{ filename: FakeAirflow.fileOf('broken', 'v1'), stack_trace: TRACE }] },
      { ALLOWED_DAG_IDS: DAGS },
    );
    const body = await reasons(http, EXPECTED);
    expect(body.dags.find((d) => d.dag_id === 'broken')!.explanation).toBe(
      "The DAG's file /opt/airflow/dags/broken.py fails to import: SyntaxError: '(' was never closed.",
    );
    airflow.fake.setScenario({ unhealthy: { scheduler: '2026-12-03T09:00:00+00:00' } });
    await reasons(http, { fine: 'airflow_scheduler_down' });
  });
});

describe('notifications of silent failures', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => {
    receiver.deliveries.length = 0;
  });
  afterAll(async () => {
    await receiver.stop();
  });

  const typesFor = (dagId: string) =>
    receiver
      .accepted('/hook')
      .filter((d) => cloudEventOf(d).subject === dagId)
      .map((d) => cloudEventOf(d).type.replace('airflow-status-api.dag.', ''));

  it('sends overdue, paused and import_error as they begin, and recovered, unpaused and import_fixed as they end, each signed', async () => {
    const hourly = { timetable_summary: '0 * * * *', next_dagrun_run_after: at(Date.now() + 30 * MIN) };
    // `a` last ran 90 minutes ago, before its next run was due.
    const dags = { a: [done('a', 'success', 90 * MIN)], b: [done('b', 'success', 5 * MIN)], c: [done('c', 'success', 5 * MIN)] };
    const http = await airflow.serve(
      { dags, dagAttributes: { a: hourly } },
      { ALLOWED_DAG_IDS: 'a,b,c', NOTIFY_WEBHOOKS: `${receiver.url}/hook`, NOTIFY_SECRETS: SECRET },
    );
    await reasons(http, { a: null, b: null, c: null });
    // The import error first: Airflow writes it with the DAG's flag, which the service may read just before it.
    airflow.fake.setScenario({ importErrors: [{ filename: FakeAirflow.fileOf('c'), stack_trace: 'ImportError: cannot import name x' }] });
    await reasons(http, { c: 'import_error' });
    airflow.fake.setScenario({
      dagAttributes: {
        a: { ...hourly, next_dagrun_run_after: at(Date.now() - 30 * MIN) },
        b: { is_paused: true },
        c: { has_import_errors: true },
      },
    });
    await reasons(http, { a: 'overdue', b: 'paused', c: 'import_error' });
    await until('three notifications', async () => (receiver.accepted('/hook').length >= 3 ? true : null));
    expect([typesFor('a'), typesFor('b'), typesFor('c')]).toEqual([['overdue'], ['paused'], ['import_error']]);
    for (const delivery of receiver.accepted('/hook')) expect(verified(delivery, SECRET)).toBeDefined();
    const importError = receiver.accepted('/hook').find((d) => cloudEventOf(d).subject === 'c')!;
    expect(cloudEventOf(importError).data).toMatchObject({
      reason: 'import_error',
      explanation: "The DAG's file c.py fails to import: ImportError: cannot import name x.",
    });

    // A run of `a` starts and succeeds; `b` is unpaused; `c`'s file is fixed.
    const now = Date.now();
    airflow.fake.addRun(
      'a',
      FakeAirflow.run({ dag_id: 'a', state: 'success', run_after: at(now), start_date: at(now), end_date: at(now + 1000) }),
    );
    airflow.fake.setScenario({ dagAttributes: { a: { ...hourly, next_dagrun_run_after: at(now + 60 * MIN) } }, importErrors: [] });
    await reasons(http, { a: null, b: null, c: null });
    await until('three more notifications', async () => (receiver.accepted('/hook').length >= 6 ? true : null));
    expect([typesFor('a'), typesFor('b'), typesFor('c')]).toEqual([
      ['overdue', 'recovered'],
      ['paused', 'unpaused'],
      ['import_error', 'import_fixed'],
    ]);
  });

  it("sends airflow_unreachable with the scheduler's words while it is down, then airflow_back", async () => {
    const http = await airflow.serve(
      { dags: { a: [done('a', 'success', 5 * MIN)] } },
      { ALLOWED_DAG_IDS: 'a', NOTIFY_WEBHOOKS: `slack=${receiver.url}/hook` },
    );
    await reasons(http, { a: null });
    airflow.fake.setScenario({ unhealthy: { scheduler: '2026-12-03T09:00:00+00:00' } });
    await until('the notification', async () => (receiver.accepted('/hook').length >= 1 ? true : null));
    expect(JSON.parse(receiver.accepted('/hook')[0].body).text).toMatch(/^:warning: a does not run: Airflow's scheduler is down: /);
    airflow.fake.setScenario({ unhealthy: {} });
    await until('the end of it', async () => (receiver.accepted('/hook').length >= 2 ? true : null));
    expect(JSON.parse(receiver.accepted('/hook')[1].body).text).toMatch(/^:white_check_mark: a can be read again/);
  });
});
