import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';

const DAG = 'Airflow_Lab2';
const airflow = againstFakeAirflow({ STATUS_CACHE_TTL_MS: '60000' });

async function serve() {
  return request((await airflow.start({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG })] } })).getHttpServer());
}

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
    await http.get('/api/dags').expect(404);
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
