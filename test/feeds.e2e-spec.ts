/**
 * Issue 18's feeds, end to end against the fake Airflow and read by Python's feedparser: the entries of a
 * DAG's history, the same ids after a restart, hostile text from Airflow, every DAG merged and bounded, access
 * control and the 404 of a DAG that is not watched.
 */
import { describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { FakeAirflow, type FakeAirflowOptions } from './fake-airflow/fake-airflow.js';
import { parseFeed, type ParsedFeed } from './support/feed-reader.js';
import { againstFakeAirflow, type ServiceEnv } from './support/service-app.js';
import { until } from './support/service-process.js';

// Each test starts an app; feedparser is a Python process per read.
jest.setTimeout(60_000);

const DAG = 'Airflow_Lab2';
const OTHER = 'Other_DAG';
const FEED = `/api/dags/${DAG}/feed.atom`;
const TOKEN = 'q3J9vT0xW2mZ8rL5pK1sN7cY4bF6hD0gE2aU9iO3tR1';

const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: `${DAG},${OTHER}`, STATUS_CACHE_TTL_MS: '60000' });

async function serve(scenario: Partial<FakeAirflowOptions>, env: ServiceEnv = {}) {
  return request((await airflow.start(scenario, env)).getHttpServer());
}

/** A finished run of `dagId` due at `hour` of 1 December 2026, ended a minute later. */
function finished(state: 'success' | 'failed', hour: number, dagId = DAG, extra: Partial<Parameters<typeof FakeAirflow.run>[0]> = {}) {
  const due = Date.UTC(2026, 11, 1, hour);
  return FakeAirflow.run({
    dag_id: dagId,
    state,
    run_type: 'manual',
    logical_date: null,
    run_after: new Date(due).toISOString(),
    start_date: new Date(due + 1000).toISOString(),
    end_date: new Date(due + 61_000).toISOString(),
    ...extra,
  });
}

/** Airflow's part of the ids: the fake's host and port. */
const tagOf = (dagId: string, runId: string, kind: string) =>
  `tag:airflow-status-api,2026:${new URL(airflow.fake.url).host}/dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(runId)}/${kind}`;

async function read(http: ReturnType<typeof request>, path: string): Promise<{ feed: ParsedFeed; xml: string }> {
  const res = await http
    .get(path)
    .buffer(true)
    .parse((response, callback) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => callback(null, text));
    })
    .expect(200)
    .expect('Content-Type', 'application/atom+xml; charset=utf-8');
  const xml = res.body as string;
  const feed = await parseFeed(xml);
  expect(feed).toMatchObject({ bozo: false, version: 'atom10' });
  return { feed, xml };
}

describe("a DAG's feed, as feedparser reads it", () => {
  it('has an entry per change of outcome and the first finished run, newest first, with the failed tasks and links', async () => {
    const first = finished('success', 1);
    const broke = finished('failed', 2);
    const again = finished('failed', 3);
    const back = finished('success', 4);
    const last = finished('failed', 5);
    const running = FakeAirflow.run({ dag_id: DAG, state: 'running', run_after: new Date(Date.UTC(2026, 11, 1, 6)).toISOString() });
    const http = await serve({
      dags: { [DAG]: [first, broke, again, back, last, running] },
      tasks: {
        [last.dag_run_id]: [
          { task_id: 'train', state: 'failed' },
          { task_id: 'evaluate', state: 'upstream_failed' },
        ],
      },
    });
    const { feed } = await read(http, FEED);
    expect(feed.feed).toMatchObject({
      id: `tag:airflow-status-api,2026:${new URL(airflow.fake.url).host}/dags/${DAG}`,
      title: `${DAG}: verdict changes`,
    });
    expect(Date.parse(feed.feed.updated)).toBe(Date.parse(last.end_date!));
    expect(feed.feed.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rel: 'self', href: FEED }),
        expect.objectContaining({ rel: 'alternate', href: `${airflow.fake.url}/dags/${DAG}` }),
      ]),
    );
    expect(feed.entries.map((e) => [e.id, e.title, e.tags.map((t) => t.term), Date.parse(e.updated)])).toEqual([
      [tagOf(DAG, last.dag_run_id, 'failed'), `${DAG} failed`, ['failed'], Date.parse(last.end_date!)],
      [tagOf(DAG, back.dag_run_id, 'recovered'), `${DAG} recovered`, ['recovered'], Date.parse(back.end_date!)],
      [tagOf(DAG, broke.dag_run_id, 'failed'), `${DAG} failed`, ['failed'], Date.parse(broke.end_date!)],
      [tagOf(DAG, first.dag_run_id, 'succeeded'), `${DAG} succeeded`, ['succeeded'], Date.parse(first.end_date!)],
    ]);
    const [failed, recovered] = feed.entries;
    expect(failed.summary).toBe(
      `Run ${last.dag_run_id} failed after run ${back.dag_run_id} had succeeded. Failed tasks: train (failed), evaluate (upstream_failed).`,
    );
    expect(recovered.summary).toBe(`Run ${back.dag_run_id} succeeded after run ${again.dag_run_id} had failed.`);
    const run = encodeURIComponent(last.dag_run_id);
    expect(failed.links).toEqual([
      expect.objectContaining({ rel: 'alternate', href: `${airflow.fake.url}/dags/${DAG}/runs/${run}` }),
      expect.objectContaining({ rel: 'related', href: `/dags?q=${DAG}` }),
      expect.objectContaining({
        rel: 'related',
        href: `${airflow.fake.url}/dags/${DAG}/runs/${run}/tasks/train`,
        title: 'Log of the failed task train',
      }),
      expect.objectContaining({ rel: 'related', href: `${airflow.fake.url}/dags/${DAG}/runs/${run}/tasks/evaluate` }),
    ]);
  });

  it('gives the same entries and ids after a restart: nothing comes from the memory of the process', async () => {
    const scenario = { dags: { [DAG]: [finished('success', 1), finished('failed', 2), finished('success', 3)] } };
    const first = await serve(scenario);
    const before = (await read(first, FEED)).xml;
    // A reader that polls gets a 304 while nothing changed.
    const { etag } = (await first.get(FEED).expect(200)).headers as { etag: string };
    await first.get(FEED).set('If-None-Match', etag).expect(304);
    // A fresh app: a new mirror, read from Airflow again.
    const after = (await read(await serve(scenario), FEED)).xml;
    expect(after).toBe(before);
    expect((await parseFeed(after)).entries).toHaveLength(3);
  });

  it('shows a paused DAG and one whose file does not import, from its attributes, on its last finished run', async () => {
    const ran = finished('success', 1);
    const http = await serve({
      dags: { [DAG]: [ran] },
      dagAttributes: { [DAG]: { is_paused: true, has_import_errors: true } },
    });
    const { feed } = await read(http, FEED);
    expect(feed.entries.map((e) => [e.id, e.title, Date.parse(e.updated)])).toEqual([
      [tagOf(DAG, ran.dag_run_id, 'import_error'), `${DAG} does not import`, Date.parse(ran.end_date!)],
      [tagOf(DAG, ran.dag_run_id, 'paused'), `${DAG} is paused`, Date.parse(ran.end_date!)],
      [tagOf(DAG, ran.dag_run_id, 'succeeded'), `${DAG} succeeded`, Date.parse(ran.end_date!)],
    ]);
  });

  it("keeps Airflow's text as text: markup escaped, characters XML forbids dropped", async () => {
    const ok = finished('success', 1);
    const hostile = finished('failed', 2, DAG, { note: 'broke <script>alert(1)</script> & "quotes" \u0001\u0008\u001B]8;;x\u0007 end' });
    const http = await serve({
      dags: { [DAG]: [ok, hostile] },
      tasks: { [hostile.dag_run_id]: [{ task_id: 'a&b<c>', state: 'failed' }] },
    });
    const { feed, xml } = await read(http, FEED);
    expect(xml).not.toContain('<script>');
    expect([...xml].filter((c) => c < ' ' && !'\t\n\r'.includes(c))).toEqual([]);
    expect(feed.entries[0].summary).toBe(
      `Run ${hostile.dag_run_id} failed after run ${ok.dag_run_id} had succeeded. ` +
        'Failed tasks: a&b<c> (failed). Note on the run: broke <script>alert(1)</script> & "quotes" ]8;;x end',
    );
  });

  it('is served from the last runs seen while Airflow cannot be read', async () => {
    const http = await serve({ dags: { [DAG]: [finished('success', 1), finished('failed', 2)] } }, { STATUS_CACHE_TTL_MS: '200' });
    const before = (await read(http, FEED)).xml;
    await airflow.fake.down();
    try {
      await until('the outage to be met', async () => ((await http.get(`/api/dags/${DAG}/status`)).status === 503 ? true : null));
      expect((await read(http, FEED)).xml).toBe(before);
    } finally {
      await airflow.fake.restart();
    }
  });
});

describe('the feed of every watched DAG', () => {
  it('merges every DAG newest first', async () => {
    const http = await serve({
      dags: {
        [DAG]: [finished('success', 1), finished('failed', 4)],
        [OTHER]: [finished('failed', 2, OTHER), finished('success', 3, OTHER)],
      },
    });
    const { feed } = await read(http, '/api/dags/feed.atom');
    expect(feed.feed).toMatchObject({ title: 'Every watched DAG: verdict changes' });
    expect(feed.feed.links).toEqual(expect.arrayContaining([expect.objectContaining({ rel: 'self', href: '/api/dags/feed.atom' })]));
    expect(feed.entries.map((e) => e.title)).toEqual([`${DAG} failed`, `${OTHER} recovered`, `${OTHER} failed`, `${DAG} succeeded`]);
  });

  it('holds the newest 100 entries', async () => {
    // 30 DAGs of 9 runs, alternating: 9 entries each (the first run and 8 changes), 270 in all.
    const dags = Object.fromEntries(
      Array.from({ length: 30 }, (_, d) => {
        const dagId = `dag_${String(d).padStart(2, '0')}`;
        return [dagId, Array.from({ length: 9 }, (_, k) => finished(k % 2 ? 'failed' : 'success', k * 30 + d, dagId))];
      }),
    );
    const http = await serve({ dags }, { ALLOWED_DAG_IDS: Object.keys(dags).join(',') });
    const { feed } = await read(http, '/api/dags/feed.atom');
    expect(feed.entries).toHaveLength(100);
    const times = feed.entries.map((e) => Date.parse(e.updated));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The newest of all: the last run of the last DAG.
    expect(feed.entries[0].id).toBe(tagOf('dag_29', dags.dag_29[8].dag_run_id, 'recovered'));
  });
});

describe('where the feeds are announced', () => {
  it('/dags links the every-DAG feed, the status pages their DAG\'s, in <link rel="alternate">', async () => {
    const http = await serve({ dags: { [DAG]: [finished('success', 1)] } }, { TARGET_DAG_ID: DAG });
    const link = (href: string) => new RegExp(`<link rel="alternate" type="application/atom\\+xml" title="[^"]+" href="${href}">`);
    expect((await http.get('/dags').expect(200)).text).toMatch(link('/api/dags/feed.atom'));
    for (const page of ['/success', '/failure']) expect((await http.get(page).expect(200)).text).toMatch(link(FEED));
  });
});

describe('who may read a feed', () => {
  it('answers a DAG that is not watched like one Airflow does not know (404), and a malformed id 400, in the JSON error shape', async () => {
    const http = await serve({ dags: { [DAG]: [finished('success', 1)], Secret_DAG: [finished('failed', 1, 'Secret_DAG')] } });
    const hidden = await http.get('/api/dags/Secret_DAG/feed.atom').expect(404);
    expect(hidden.body).toMatchObject({ statusCode: 404, reason: 'dag_not_found' });
    expect(airflow.fake.calls.some((c) => c.path.includes('Secret_DAG'))).toBe(false);
    await http.get('/api/dags/not%20a%20dag/feed.atom').expect(400);
  });

  it('sits behind access control like the JSON API', async () => {
    const http = await serve({ dags: { [DAG]: [finished('success', 1)] } }, { ACCESS_TOKENS: TOKEN });
    for (const path of [FEED, '/api/dags/feed.atom']) {
      const refused = await http.get(path).expect(401);
      expect(refused.body).toMatchObject({ reason: 'unauthorized' });
      await http.get(path).set('Authorization', `Bearer ${TOKEN}`).expect(200);
    }
  });
});
