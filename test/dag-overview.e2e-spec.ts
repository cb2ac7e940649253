/**
 * Issue #9, the data half, end to end against the fake Airflow: what every status now tells (last
 * finished run, last success, failed tasks, freshness, verdict basis, last known state), the
 * overview and the badges.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import request from 'supertest';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { fleet } from './support/many-dags.js';
import { againstFakeAirflow } from './support/service-app.js';
import { until } from './support/service-process.js';

// Hundreds of DAGs read from the fake Airflow take a few seconds on a busy 2-core machine.
jest.setTimeout(30_000);

const DAG = 'Airflow_Lab2';
const OTHER = 'Other_DAG';
const H = 3_600_000;

const airflow = againstFakeAirflow({
  ALLOWED_DAG_IDS: `${DAG},${OTHER}`,
  // Long enough that a test never sees an entry expire by accident.
  STATUS_CACHE_TTL_MS: '60000',
});

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A finished run of DAG that ended `agoMs` before now (started a minute before). */
function endedAgo(state: 'success' | 'failed', agoMs: number, extra: Partial<Parameters<typeof FakeAirflow.run>[0]> = {}) {
  const end = Date.now() - agoMs;
  return FakeAirflow.run({
    dag_id: DAG,
    state,
    run_after: iso(end - 120_000),
    logical_date: iso(end - 120_000),
    start_date: iso(end - 60_000),
    end_date: iso(end),
    ...extra,
  });
}

describe('what every status tells: last finished run, last success', () => {
  it('takes them from the page when it holds them (one Airflow read)', async () => {
    const success = endedAgo('success', 3 * H);
    const failed = endedAgo('failed', 2 * H);
    const running = FakeAirflow.run({ dag_id: DAG, state: 'running', run_after: iso(Date.now() - H) });
    const http = await airflow.serve({ dags: { [DAG]: [success, failed, running] } });
    const res = await http.get(`/api/dags/${DAG}/runs?limit=10`).expect(200);
    expect(res.body.runs).toHaveLength(3);
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(status.body).toMatchObject({
      state: 'running',
      last_finished: { run_id: failed.dag_run_id, state: 'failed', end_date: failed.end_date },
      last_success_at: success.end_date,
      stale: null,
    });
    expect(airflow.fake.calls.filter((c) => c.path === `/api/v2/dags/${DAG}/dagRuns`)).toHaveLength(1);
  });

  it('looks the last success up with one more read when the runs kept do not hold it, and says null when there is none', async () => {
    const success = endedAgo('success', 30 * H);
    // Ten failed runs since: the mirror keeps ten runs per DAG, none of them a success.
    const failures = Array.from({ length: 10 }, (_, i) => endedAgo('failed', (20 - i) * H));
    const newest = failures.at(-1)!;
    const http = await airflow.serve({ dags: { [DAG]: [success, ...failures], [OTHER]: [FakeAirflow.run({ state: 'failed' })] } });
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(status.body).toMatchObject({ state: 'failed', last_finished: { run_id: newest.dag_run_id }, last_success_at: success.end_date });
    const runReads = () => airflow.fake.calls.filter((c) => c.path === `/api/v2/dags/${DAG}/dagRuns`).map((c) => c.query);
    expect(runReads()).toEqual([
      { order_by: '-run_after', limit: '10' },
      { order_by: '-run_after', limit: '1', state: 'success' },
    ]);
    // Kept in the mirror: no more reads of the DAG after that.
    await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(runReads()).toHaveLength(2);
    const other = await http.get(`/api/dags/${OTHER}/status`).expect(200);
    expect(other.body).toMatchObject({ last_success_at: null, last_finished: { state: 'failed' } });
  });

  it('shows them on /success and /failure (HTML and JSON)', async () => {
    const success = endedAgo('success', 3 * H);
    const http = await airflow.serve({ dags: { [DAG]: [success] } });
    const json = await http.get('/success').set('Accept', 'application/json').expect(200);
    expect(json.body).toMatchObject({ outcome: 'success', last_success_at: success.end_date, last_finished: { state: 'success' } });
    const page = await http.get('/success').expect(200);
    expect(page.text).toMatch(/Last success<\/th><td>ended \d{4}-/);
  });
});

describe('failed tasks', () => {
  it('names the failed tasks of a failed run with links to their logs, read once per run', async () => {
    const failed = endedAgo('failed', H);
    const http = await airflow.serve({
      dags: { [DAG]: [failed] },
      tasks: {
        [failed.dag_run_id]: [
          { task_id: 'load_data', state: 'success' },
          { task_id: 'train', state: 'failed' },
          { task_id: 'evaluate', state: 'upstream_failed' },
        ],
      },
    });
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    const run = encodeURIComponent(failed.dag_run_id);
    expect(status.body.failed_tasks).toEqual([
      { task_id: 'train', state: 'failed', log_url: `${airflow.fake.url}/dags/${DAG}/runs/${run}/tasks/train` },
      { task_id: 'evaluate', state: 'upstream_failed', log_url: `${airflow.fake.url}/dags/${DAG}/runs/${run}/tasks/evaluate` },
    ]);
    const taskReads = airflow.fake.calls.filter((c) => c.path.endsWith('/taskInstances'));
    expect(taskReads).toHaveLength(1);
    expect(taskReads[0].path).toBe(`/api/v2/dags/${DAG}/dagRuns/${run}/taskInstances`);
    const page = await http.get('/failure').expect(200);
    expect(page.text).toContain(
      `<a href="${airflow.fake.url}/dags/${DAG}/runs/${run}/tasks/train" rel="noopener noreferrer">train</a> (failed)`,
    );
  });

  it('links the grid on Airflow 2', async () => {
    const failed = endedAgo('failed', H);
    const http = await airflow.serve(
      {
        apiVersion: 'v1',
        auth: 'basic',
        dags: { [DAG]: [failed] },
        tasks: { [failed.dag_run_id]: [{ task_id: 'train', state: 'failed' }] },
      },
      { AIRFLOW_API_VERSION: 'v1' },
    );
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(status.body.failed_tasks).toEqual([
      {
        task_id: 'train',
        state: 'failed',
        log_url: `${airflow.fake.url}/dags/${DAG}/grid?dag_run_id=${encodeURIComponent(failed.dag_run_id)}&task_id=train&tab=logs`,
      },
    ]);
  });
});

describe('freshness: MAX_SUCCESS_AGE', () => {
  it('is off by default: stale is null', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [endedAgo('success', 30 * 24 * H)] } });
    const status = await http.get(`/api/dags/${DAG}/status`).expect(200);
    expect(status.body.stale).toBeNull();
    await http.get('/').expect(302).expect('Location', '/success');
  });

  it('keeps a success just within the limit a success', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [endedAgo('success', 26 * H - 10 * 60_000)] } }, { MAX_SUCCESS_AGE: '26h' });
    expect((await http.get(`/api/dags/${DAG}/status`).expect(200)).body.stale).toBe(false);
    await http.get('/').expect(302).expect('Location', '/success');
  });

  it('turns a success just past the limit stale: not a success, reason stale, in words', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [endedAgo('success', 26 * H + 10 * 60_000)] } }, { MAX_SUCCESS_AGE: '26h' });
    expect((await http.get(`/api/dags/${DAG}/status`).expect(200)).body.stale).toBe(true);
    await http.get('/').expect(302).expect('Location', '/failure');
    const verdict = await http.get('/failure').set('Accept', 'application/json').expect(200);
    expect(verdict.body).toMatchObject({ outcome: 'failure', reason: 'stale', state: 'success', stale: true });
    expect(verdict.body.explanation).toBe('The last success ended 26 h ago; the limit is 26 h.');
    const badge = await http.get(`/api/dags/${DAG}/badge.json`).expect(200);
    expect(badge.body.message).toBe('stale');
  });

  it('says "2 days ago" and honours per-DAG overrides', async () => {
    const http = await airflow.serve(
      {
        dags: {
          [DAG]: [endedAgo('success', 2 * 24 * H + H)],
          [OTHER]: [FakeAirflow.run({ state: 'success', end_date: iso(Date.now() - 2 * H) })],
        },
      },
      { MAX_SUCCESS_AGE: `26h,${OTHER}=90m` },
    );
    const { body } = await http.get('/api/dags').expect(200);
    expect(body.dags.map((d: { dag_id: string; reason: string }) => [d.dag_id, d.reason])).toEqual([
      [DAG, 'stale'],
      [OTHER, 'stale'],
    ]);
    expect(body.dags[0].explanation).toBe('The last success ended 2 days ago; the limit is 26 h.');
    expect(body.dags[1].explanation).toBe('The last success ended 2 h ago; the limit is 90 min.');
  });
});

describe('VERDICT_BASIS', () => {
  const scenario = () => ({
    dags: { [DAG]: [endedAgo('success', 2 * H), FakeAirflow.run({ dag_id: DAG, state: 'running', run_after: iso(Date.now() - 60_000) })] },
  });

  it('latest (default): a run in progress turns the page red', async () => {
    const http = await airflow.serve(scenario());
    await http.get('/').expect(302).expect('Location', '/failure');
  });

  it('last_finished: a run in progress keeps the last finished verdict, and the page says a run is in progress', async () => {
    const http = await airflow.serve(scenario(), { VERDICT_BASIS: 'last_finished' });
    await http.get('/').expect(302).expect('Location', '/success');
    const page = await http.get('/success').expect(200);
    expect(page.text).toContain('The last finished run succeeded; a newer run is in progress.');
    const { body } = await http.get('/api/dags').expect(200);
    expect(body.dags[0]).toMatchObject({ state: 'running', outcome: 'success', reason: null });
    expect((await http.get(`/api/dags/${DAG}/badge.json`).expect(200)).body.message).toBe('success');
  });
});

describe('last known state while Airflow cannot be read', () => {
  it('keeps the 503 of the status route and carries last_known; the pages and the overview show the last state and since when', async () => {
    const success = endedAgo('success', H);
    const http = await airflow.serve({ dags: { [DAG]: [success] } }, { STATUS_CACHE_TTL_MS: '200' });
    const seen = (await http.get(`/api/dags/${DAG}/status`).expect(200)).body;
    await airflow.fake.down();
    try {
      const res = await until(
        'the status route to meet the outage',
        async () => {
          const answer = await http.get(`/api/dags/${DAG}/status`);
          return answer.status === 200 ? null : answer;
        },
        30_000,
      );
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, reason: 'airflow_unreachable', last_known: seen });
      expect(res.headers['retry-after']).toBeDefined();

      const page = await http.get('/failure').expect(200);
      expect(page.text).not.toContain('no run');
      expect(page.text).toMatch(/State<\/th><td>success \(last seen \d{4}-/);
      expect(page.text).toMatch(/failing since \d{4}-/);
      const json = await http.get('/failure').set('Accept', 'application/json').expect(200);
      expect(json.body).toMatchObject({
        outcome: 'failure',
        reason: 'airflow_unreachable',
        state: 'success',
        run_id: success.dag_run_id,
        fetched_at: seen.fetched_at,
        airflow_error: { reason: 'airflow_unreachable' },
      });

      const { body } = await http.get('/api/dags').expect(200);
      const [entry, other] = body.dags;
      expect(entry).toMatchObject({
        dag_id: DAG,
        state: 'success',
        reason: 'airflow_unreachable',
        airflow_error: { reason: 'airflow_unreachable' },
      });
      expect(Date.parse(entry.airflow_error.since)).toBeGreaterThanOrEqual(Date.parse(seen.fetched_at));
      // Never seen: nothing to show but the fault.
      expect(other).toMatchObject({ dag_id: OTHER, state: null, airflow_error: { reason: 'airflow_unreachable' } });

      const badge = await http.get(`/api/dags/${DAG}/badge.json`).expect(200);
      expect(badge.body).toEqual({ schemaVersion: 1, label: DAG, message: 'unknown', color: 'lightgrey', isError: true });
    } finally {
      await airflow.fake.restart();
    }
  });

  it('says "unknown", never "no run", when Airflow was never read', async () => {
    await airflow.fake.down();
    try {
      const http = await airflow.serve({ dags: { [DAG]: [] } });
      const page = await http.get('/failure').expect(200);
      expect(page.text).not.toContain('no run');
      expect(page.text).toMatch(/State<\/th><td>unknown/);
      const res = await http.get(`/api/dags/${DAG}/status`).expect(503);
      expect(res.body.last_known).toBeUndefined();
    } finally {
      await airflow.fake.restart();
    }
  });
});

describe('GET /api/dags', () => {
  it('lists every allowed DAG in the order of ALLOWED_DAG_IDS; a fault of one DAG stays in its entry', async () => {
    const failed = endedAgo('failed', H);
    const runs = Array.from({ length: 12 }, (_, i) => endedAgo('success', (20 - i) * H));
    const http = await airflow.serve(
      { dags: { [DAG]: [...runs, failed] }, tasks: { [failed.dag_run_id]: [{ task_id: 'train', state: 'failed' }] } },
      { ALLOWED_DAG_IDS: `${OTHER},${DAG}` },
    );
    const res = await http.get('/api/dags').expect(200);
    expect(res.body.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual([OTHER, DAG]);
    const [other, dag] = res.body.dags;
    // Airflow does not know Other_DAG: its entry says so, the answer is still a 200.
    expect(other).toMatchObject({ outcome: 'failure', reason: 'dag_not_found', airflow_error: { reason: 'dag_not_found' } });
    expect(dag).toMatchObject({
      dag_id: DAG,
      state: 'failed',
      run_id: failed.dag_run_id,
      outcome: 'failure',
      reason: 'failed',
      last_finished: { run_id: failed.dag_run_id, state: 'failed' },
      last_success_at: runs[11].end_date,
      failed_tasks: [{ task_id: 'train', state: 'failed' }],
      stale: null,
      airflow_error: null,
      airflow_url: `${airflow.fake.url}/dags/${DAG}/runs/${encodeURIComponent(failed.dag_run_id)}`,
    });
    expect(dag.recent_runs).toHaveLength(10);
    expect(dag.recent_runs[0]).toEqual({
      run_id: failed.dag_run_id,
      state: 'failed',
      start_date: failed.start_date,
      end_date: failed.end_date,
    });
    // The overview reads a page of 10 runs, once.
    expect(airflow.fake.calls.filter((c) => c.path === `/api/v2/dags/${DAG}/dagRuns`).map((c) => c.query.limit)).toEqual(['10']);
  });
});

describe('GET /api/dags with many DAGs: filters and pages', () => {
  // 300 DAGs, 50 of each kind: success, failed, running, queued, no run, unknown to Airflow.
  const many = fleet(300);
  const serveMany = () => airflow.serve({ dags: many.dags }, many.env);
  type Entry = { dag_id: string; outcome: string; state: string | null; reason: string | null };
  const ids = (body: { dags: Entry[] }) => body.dags.map((d) => d.dag_id);

  it('answers exactly the original shape, every DAG in order, without a query parameter (or with only unknown ones)', async () => {
    const http = await serveMany();
    const { body } = await http.get('/api/dags').expect(200);
    expect(Object.keys(body)).toEqual(['dags']);
    expect(ids(body)).toEqual(many.ids);
    const ignored = await http.get('/api/dags?_=1732800000&foo=bar').expect(200);
    expect(Object.keys(ignored.body)).toEqual(['dags']);
    expect(ids(ignored.body)).toEqual(many.ids);
  });

  it('counts the whole set by outcome, state and reason, whatever the filter', async () => {
    const http = await serveMany();
    const { body } = await http.get('/api/dags?q=nightly&limit=1').expect(200);
    expect(body.counts).toEqual({
      all: 300,
      outcome: { success: 50, failure: 250 },
      // "none": no run, and the DAGs Airflow does not know (never read).
      state: { success: 50, failed: 50, running: 50, queued: 50, none: 100 },
      reason: {
        no_run: 50,
        queued: 50,
        running: 50,
        failed: 50,
        other_state: 0,
        stale: 0,
        import_error: 0,
        paused: 0,
        airflow_scheduler_down: 0,
        airflow_dag_processor_down: 0,
        running_long: 0,
        overdue: 0,
        budget_burn: 0,
        airflow_unreachable: 0,
        airflow_timeout: 0,
        airflow_overloaded: 0,
        airflow_auth_refused: 0,
        config_mismatch: 0,
        airflow_bad_response: 0,
        dag_not_found: 50,
      },
    });
  });

  it('filters by outcome, state (repeatable, none: no run), reason and a case-insensitive piece of the id, all together', async () => {
    const http = await serveMany();
    const expectIds = (body: { dags: Entry[]; total: number; next: unknown }, keep: (id: string, kind: string) => boolean) => {
      const wanted = many.ids.filter((id) => keep(id, many.kindOf(id)));
      expect(ids(body)).toEqual(wanted);
      expect(body.total).toBe(wanted.length);
      expect(body.next).toBeNull();
    };
    const failing = await http.get('/api/dags?outcome=failure').expect(200);
    expectIds(failing.body, (_id, kind) => kind !== 'success');
    expect(failing.body.dags.every((d: Entry) => d.outcome === 'failure')).toBe(true);

    const states = await http.get('/api/dags?state=failed&state=running').expect(200);
    expectIds(states.body, (_id, kind) => kind === 'failed' || kind === 'running');

    const none = await http.get('/api/dags?state=none').expect(200);
    expectIds(none.body, (_id, kind) => kind === 'no_run' || kind === 'unknown');

    const reasons = await http.get('/api/dags?reason=dag_not_found&reason=queued').expect(200);
    expectIds(reasons.body, (_id, kind) => kind === 'unknown' || kind === 'queued');

    const text = await http.get('/api/dags?q=NIGHTLY').expect(200);
    expectIds(text.body, (id) => id.startsWith('Sales.Nightly'));
    const dotted = await http.get(`/api/dags?q=${encodeURIComponent('s.n')}`).expect(200);
    expectIds(dotted.body, (id) => id.startsWith('Sales.Nightly'));

    const all = await http.get('/api/dags?q=nightly&outcome=failure&state=failed&state=queued').expect(200);
    expectIds(all.body, (id, kind) => id.startsWith('Sales.Nightly') && (kind === 'failed' || kind === 'queued'));

    const nothing = await http.get('/api/dags?q=no-such-dag').expect(200);
    expect(nothing.body).toMatchObject({ dags: [], total: 0, next: null, counts: { all: 300 } });
  });

  it('pages with limit and the opaque `next` cursor: every matching DAG once, in order, `total` on every page', async () => {
    const http = await serveMany();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { limit: '40', outcome: 'failure' };
      if (cursor !== null) query.cursor = cursor;
      const { body } = await http.get('/api/dags').query(query).expect(200);
      expect(body.total).toBe(250);
      expect(body.dags.length).toBeLessThanOrEqual(40);
      seen.push(...ids(body));
      cursor = body.next;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(pages).toBe(7);
    expect(seen).toEqual(many.ids.filter((id) => many.kindOf(id) !== 'success'));

    // A page of exactly what is left ends the walk: no cursor to an empty page.
    const first = await http.get('/api/dags?limit=290').expect(200);
    const rest = await http.get('/api/dags').query({ limit: '10', cursor: first.body.next }).expect(200);
    expect(ids(rest.body)).toEqual(many.ids.slice(290));
    expect(rest.body.next).toBeNull();
    // Without a limit, a cursor gives everything after it.
    const after = await http.get('/api/dags').query({ cursor: first.body.next }).expect(200);
    expect(ids(after.body)).toEqual(many.ids.slice(290));
  });

  it('serves every filtered or paged answer from what the store holds: no Airflow call per request', async () => {
    const http = await serveMany();
    await http.get('/api/dags').expect(200);
    const calls = airflow.fake.calls.length;
    for (const path of ['/api/dags?limit=100', '/api/dags?outcome=failure', '/api/dags?q=hourly&state=none', '/api/dags?reason=stale']) {
      await http.get(path).expect(200);
    }
    expect(airflow.fake.calls.length).toBe(calls);
  });

  it.each([
    ['limit=0', 'limit must be a whole number from 1 to 1000'],
    ['limit=1001', 'limit must be a whole number from 1 to 1000'],
    ['limit=ten', 'limit must be a whole number from 1 to 1000'],
    ['limit=', 'limit must be a whole number from 1 to 1000'],
    ['limit=5&limit=6', 'limit must be given once'],
    ['outcome=maybe', 'outcome must be one of success, failure (repeat it for several)'],
    ['state=up_for_retry', 'state must be one of success, failed, running, queued, none (repeat it for several)'],
    ['state=failed,running', 'state must be one of success, failed, running, queued, none (repeat it for several)'],
    [
      'reason=broken',
      expect.stringContaining('reason must be one of no_run, queued, running, failed, other_state, stale, import_error, paused'),
    ],
    ['cursor=abc', 'cursor must be the `next` of an earlier answer'],
    [`q=${'x'.repeat(251)}`, 'q must be at most 250 characters'],
    ['q=a&q=b', 'q must be given once'],
  ])('answers 400, never a 500, for %s', async (query, message) => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    const res = await http.get(`/api/dags?${query}`).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, reason: 'bad_request', message, path: '/api/dags' });
  });

  it('documents the parameters and the added fields in the OpenAPI document', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [] } });
    const { body } = await http.get('/docs-json').expect(200);
    const operation = body.paths['/api/dags'].get;
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual([
      'limit',
      'cursor',
      'outcome',
      'state',
      'reason',
      'q',
      'tag',
    ]);
    expect(operation.responses['400']).toBeDefined();
    const schema = body.components.schemas.OverviewDto;
    expect(Object.keys(schema.properties)).toEqual(['dags', 'total', 'next', 'counts']);
    expect(schema.required).toEqual(['dags']);
  });
});

/** supertest keeps no body for image/svg+xml: this parser keeps it as text. */
function asText(res: request.Response, done: (error: Error | null, body: string) => void): void {
  let text = '';
  res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  res.on('end', () => done(null, text));
}

describe('badges', () => {
  const parser = new XMLParser({ ignoreAttributes: false });

  it('draws a well-formed SVG badge with the state, an ETag and a short max-age', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [endedAgo('success', H)] } });
    const res = await http.get(`/api/dags/${DAG}/badge.svg`).buffer(true).parse(asText).expect(200);
    const svg = res.body as string;
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).toMatch(/^max-age=\d{1,2}$/);
    expect(res.headers.etag).toBeDefined();
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = parser.parse(svg) as { svg: { title: string; '@_xmlns': string } };
    expect(doc.svg['@_xmlns']).toBe('http://www.w3.org/2000/svg');
    expect(doc.svg.title).toBe(`${DAG}: success`);
    await http.get(`/api/dags/${DAG}/badge.svg`).set('If-None-Match', res.headers.etag).expect(304);
  });

  it('escapes a hostile label and keeps the SVG well-formed', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [endedAgo('failed', H)] } });
    const label = `<script>alert("x")</script>&'`;
    const res = await http.get(`/api/dags/${DAG}/badge.svg`).query({ label }).buffer(true).parse(asText).expect(200);
    const svg = res.body as string;
    expect(svg).not.toContain('<script>');
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = parser.parse(svg) as { svg: { title: string } };
    expect(doc.svg.title).toBe(`${label}: failed`);
  });

  it('refuses a label too long or with control characters (400), and a DAG outside the list (404) or malformed (400)', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [endedAgo('success', H)], Secret_DAG: [] } });
    await http
      .get(`/api/dags/${DAG}/badge.svg`)
      .query({ label: 'x'.repeat(65) })
      .expect(400);
    await http.get(`/api/dags/${DAG}/badge.json`).query({ label: 'a\u0007b' }).expect(400);
    const notAllowed = await http.get('/api/dags/Secret_DAG/badge.svg').expect(404);
    expect(notAllowed.body.reason).toBe('dag_not_found');
    await http.get('/api/dags/Secret_DAG/badge.json').expect(404);
    await http.get('/api/dags/bad!id/badge.svg').expect(400);
    expect(airflow.fake.callsTo('/api/v2/dags/Secret_DAG')).toBe(0);
  });

  it('answers the shields.io endpoint schema', async () => {
    const http = await airflow.serve({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'running' })] } });
    const res = await http.get(`/api/dags/${DAG}/badge.json`).query({ label: 'lab 2' }).expect(200);
    expect(res.headers['cache-control']).toMatch(/^max-age=\d{1,2}$/);
    expect(res.body).toEqual({ schemaVersion: 1, label: 'lab 2', message: 'running', color: 'blue', isError: false });
    // The schema: https://shields.io/badges/endpoint-badge
    expect(Object.keys(res.body).sort()).toEqual(['color', 'isError', 'label', 'message', 'schemaVersion']);
  });
});
