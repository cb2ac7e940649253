import { describe, expect, it } from '@jest/globals';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';

const DAG = 'Airflow_Lab2';
const airflow = againstFakeAirflow({ STATUS_CACHE_TTL_MS: '60000' });

const serve = () => airflow.serve({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG })] } });

describe('methods', () => {
  it.each([
    ['POST', `/api/dags/${DAG}/status`],
    ['DELETE', `/api/dags/${DAG}/runs`],
    ['PUT', '/'],
    ['PATCH', '/health/ready'],
    ['POST', '/docs-json'],
  ])('%s %s answers 405 with an Allow header, in the one error shape', async (method, path) => {
    const http = await serve();
    const res = await http[method.toLowerCase() as 'post'](path).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ statusCode: 405, error: 'Method Not Allowed', reason: 'method_not_allowed', path });
  });

  it('still answers 404 for a path no route has, whatever the method', async () => {
    const http = await serve();
    await http.post('/nowhere').expect(404);
    await http.get('/api/nowhere').expect(404);
  });

  it('answers HEAD like GET', async () => {
    const http = await serve();
    await http.head('/health/live').expect(200);
  });
});

describe('Swagger UI', () => {
  it.each(['/docs', '/docs/', '/docs/?anything=1', '/docs?x', '/docs/index.html', '/docs/index.html?x'])(
    '%s serves the page with assets that resolve under /docs/',
    async (path) => {
      const http = await serve();
      const page = await http
        .get(path)
        .expect(200)
        .expect('Content-Type', /text\/html/);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      const base = new URL(path, 'http://x');
      for (const [, asset] of page.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const url = new URL(asset, base);
        expect(url.pathname).toMatch(/^\/docs\/[^/]+$/);
        await http.get(url.pathname).expect(200);
      }
    },
  );
});

describe('the OpenAPI document says exactly what is accepted and answered', () => {
  type Operation = { parameters?: Array<{ name: string; schema?: Record<string, unknown> }>; responses: Record<string, Response> };
  type Response = { content?: Record<string, unknown>; headers?: Record<string, unknown> };

  async function document(): Promise<{ paths: Record<string, { get: Operation }> }> {
    const http = await serve();
    return (await http.get('/docs-json').expect(200)).body as { paths: Record<string, { get: Operation }> };
  }

  it('bounds dagId and limit as the service does', async () => {
    const { paths } = await document();
    const runs = paths['/api/dags/{dagId}/runs'].get;
    expect(runs.parameters?.find((p) => p.name === 'dagId')?.schema).toMatchObject({
      // Airflow's rule: letters and digits of any script (test/dag-ids.e2e-spec.ts checks every route has it).
      pattern: '^[\\p{L}\\p{N}_.-]{1,250}$',
      minLength: 1,
      maxLength: 250,
    });
    expect(runs.parameters?.find((p) => p.name === 'limit')?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
  });

  it('names the headers: Retry-After on 503s, the cache validators, the redirect target', async () => {
    const { paths } = await document();
    for (const path of ['/api/dags/{dagId}/status', '/api/dags/{dagId}/runs', '/health/ready']) {
      expect(Object.keys(paths[path].get.responses['503'].headers ?? {})).toContain('Retry-After');
    }
    const status = paths['/api/dags/{dagId}/status'].get.responses;
    expect(Object.keys(status['200'].headers ?? {})).toEqual(expect.arrayContaining(['ETag', 'Cache-Control']));
    expect(status['304']).toBeDefined();
    expect(paths['/'].get.responses['302'].headers?.Location).toMatchObject({ schema: { enum: ['/success', '/failure'] } });
  });

  it('gives the pages both their HTML and their JSON, and the metrics their text', async () => {
    const { paths } = await document();
    for (const path of ['/success', '/failure']) {
      expect(Object.keys(paths[path].get.responses['200'].content ?? {})).toEqual(['text/html', 'application/json']);
    }
    expect(Object.keys(paths['/metrics'].get.responses['200'].content ?? {})).toEqual(['text/plain']);
  });
});
