/**
 * Issue #19: a DAG id in any script, as Airflow accepts it, through everything that shows or
 * carries one, against the fake Airflow: Airflow's URLs, the JSON routes, the pages' HTML and
 * links, the badges, the event stream, the metrics and the OpenAPI document's one pattern.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import request from 'supertest';
import { DAG_ID_SCHEMA } from '../src/config/dag-id.rule.js';
import { FakeAirflow, type FakeAirflowOptions } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';
import { SseClient } from './support/sse-client.js';

const DAG = 'entraînement_modèle';
/** As a browser or curl sends it: entra%C3%AEnement_mod%C3%A8le. */
const IN_URL = encodeURIComponent(DAG);
const OTHER = 'データ_パイプライン';
/** "modèle" with a combining grave accent (NFD): a mark is not a letter, and Airflow refuses it too. */
const DECOMPOSED = 'mode\u0300le';

const airflow = againstFakeAirflow({ TARGET_DAG_ID: DAG, ALLOWED_DAG_IDS: `${DAG},${OTHER}`, STATUS_CACHE_TTL_MS: '60000' });

const failedRun = FakeAirflow.run({ dag_id: DAG, state: 'failed', dag_run_id: 'manual__première' });
const scenario: Partial<FakeAirflowOptions> = {
  dags: { [DAG]: [failedRun], [OTHER]: [FakeAirflow.run({ dag_id: OTHER, state: 'success' })] },
  tasks: { [failedRun.dag_run_id]: [{ task_id: 'entraîner', state: 'failed' }] },
};

const serve = () => airflow.serve(scenario);

/** supertest keeps no body for image/svg+xml: this parser keeps it as text. */
function asText(res: request.Response, done: (error: Error | null, body: string) => void): void {
  let text = '';
  res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  res.on('end', () => done(null, text));
}

describe('a DAG id in any script (entraînement_modèle)', () => {
  it('is read from Airflow under its encoded id and answered on /status and /runs, whole', async () => {
    const http = await serve();
    const status = await http.get(`/api/dags/${IN_URL}/status`).expect(200);
    expect(status.body).toMatchObject({ dag_id: DAG, state: 'failed', run_id: 'manual__première' });
    // Content-Length counts bytes, not characters.
    expect(Number(status.headers['content-length'])).toBe(Buffer.byteLength(status.text));
    const run = encodeURIComponent('manual__première');
    expect(status.body.failed_tasks).toEqual([
      {
        task_id: 'entraîner',
        state: 'failed',
        log_url: `${airflow.fake.url}/dags/${IN_URL}/runs/${run}/tasks/${encodeURIComponent('entraîner')}`,
      },
    ]);
    expect(airflow.fake.callsTo(`/api/v2/dags/${IN_URL}/dagRuns`)).toBeGreaterThan(0);
    await http.get(`/api/dags/${IN_URL}/status`).set('If-None-Match', status.headers.etag).expect(304);
    const runs = await http.get(`/api/dags/${IN_URL}/runs?limit=1`).expect(200);
    expect(runs.body).toMatchObject({ dag_id: DAG, runs: [{ run_id: 'manual__première' }] });
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info.airflow).toMatchObject({ status: 'up', dag_id: DAG });
  });

  it('refuses a decomposed accent (400) on every route that takes an id, without asking Airflow', async () => {
    const http = await serve();
    const bad = encodeURIComponent(DECOMPOSED);
    for (const path of [
      `/api/dags/${bad}/status`,
      `/api/dags/${bad}/runs`,
      `/api/dags/${bad}/badge.svg`,
      `/api/dags/${bad}/badge.json`,
      `/api/dags/${bad}/feed.atom`,
      `/api/events?dag_id=${bad}`,
    ]) {
      const res = await http.get(path).expect(400);
      expect(res.body.message).toContain('letters or digits of any script');
    }
    expect(airflow.fake.calls.filter((c) => c.path.includes(bad))).toEqual([]);
  });

  it('shows it escaped on /failure, with every link to it encoded', async () => {
    const http = await serve();
    await http.get('/').expect(302).expect('Location', '/failure');
    const page = await http
      .get('/failure')
      .expect(200)
      .expect('Content-Type', /charset=utf-8/);
    expect(page.text).toContain(`<title>${DAG}: not a success</title>`);
    expect(page.text).toContain(`<th scope="row">DAG</th><td>${DAG}</td>`);
    expect(page.text).toContain(`data-live-events="/api/events?dag_id=${IN_URL}"`);
    expect(page.text).toContain(`<a href="/api/dags/${IN_URL}/status">JSON</a>`);
    expect(page.text).toContain(`<a href="${airflow.fake.url}/dags/${IN_URL}/runs/${encodeURIComponent('manual__première')}"`);
    const dags = await http.get('/dags').expect(200);
    expect(dags.text).toContain(`data-dag-id="${DAG}"`);
    expect(dags.text).toContain(`data-dag-id="${OTHER}"`);
    expect(dags.text).toContain(`href="${airflow.fake.url}/dags/${encodeURIComponent(OTHER)}`);
  });

  it('labels its badges with it, the SVG well-formed and measured like its unaccented twin', async () => {
    const http = await serve();
    const svg = (await http.get(`/api/dags/${IN_URL}/badge.svg`).buffer(true).parse(asText).expect(200)).body as string;
    expect(XMLValidator.validate(svg)).toBe(true);
    expect((new XMLParser().parse(svg) as { svg: { title: string } }).svg.title).toBe(`${DAG}: failed`);
    // badge-maker sizes the label from font metrics: î and è as wide as i and e, not unknown (zero-width) glyphs.
    const twin = (await http.get(`/api/dags/${IN_URL}/badge.svg?label=entrainement_modele`).buffer(true).parse(asText).expect(200))
      .body as string;
    const labelLength = (text: string) => /textLength="(\d+)"/.exec(text)?.[1];
    expect(labelLength(svg)).toBe(labelLength(twin));
    expect(Number(labelLength(svg))).toBeGreaterThan(1000);
    const json = await http.get(`/api/dags/${encodeURIComponent(OTHER)}/badge.json`).expect(200);
    expect(json.body).toEqual({ schemaVersion: 1, label: OTHER, message: 'success', color: 'brightgreen', isError: false });
  });

  it('carries it in the Prometheus labels, as UTF-8', async () => {
    const http = await serve();
    await http.get(`/api/dags/${IN_URL}/status`).expect(200);
    const metrics = await http
      .get('/metrics')
      .expect(200)
      .expect('Content-Type', /charset=utf-8/);
    expect(metrics.text).toContain(`airflow_dag_latest_run_state{dag_id="${DAG}",state="failed"} 1`);
    expect(metrics.text).toContain(`airflow_dag_latest_run_state{dag_id="${OTHER}",state="none"} 0`);
  });

  describe('on the event stream', () => {
    let client: SseClient | undefined;
    afterEach(() => client?.close());

    it('streams its status to a client that names it in the query', async () => {
      const app = await airflow.start(scenario);
      await app.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
      client = await SseClient.open(`${base}/api/events?dag_id=${IN_URL}`);
      expect(client.status).toBe(200);
      await client.until('its first status', (c) => c.statuses.length > 0);
      expect(client.statuses[0].data).toMatchObject({ dag_id: DAG, state: 'failed' });
    });
  });

  it('is described by one schema on every route of the OpenAPI document, whose pattern accepts it', async () => {
    const http = await serve();
    const doc = (await http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: { items?: unknown } }[] }>>;
    };
    const schemas: Record<string, unknown> = {};
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const parameter of operations.get?.parameters ?? []) {
        if (parameter.name === 'dagId') schemas[path] = parameter.schema;
        if (parameter.name === 'dag_id') schemas[path] = parameter.schema.items;
      }
    }
    expect(schemas).toEqual({
      '/api/dags/{dagId}/status': DAG_ID_SCHEMA,
      '/api/dags/{dagId}/runs': DAG_ID_SCHEMA,
      '/api/dags/{dagId}/badge.svg': DAG_ID_SCHEMA,
      '/api/dags/{dagId}/badge.json': DAG_ID_SCHEMA,
      '/api/dags/{dagId}/feed.atom': DAG_ID_SCHEMA,
      '/api/dags/{dagId}/reliability': DAG_ID_SCHEMA,
      '/api/events': DAG_ID_SCHEMA,
    });
    // As a JSON Schema validator reads it (ECMA-262 with the u flag, as ajv does by default).
    const pattern = new RegExp(DAG_ID_SCHEMA.pattern, 'u');
    expect([DAG, OTHER, 'Airflow_Lab2', DECOMPOSED, 'a b'].map((id) => pattern.test(id))).toEqual([true, true, true, false, false]);
  });
});
