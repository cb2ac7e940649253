import { Script } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FakeAirflow, type FakeAirflowOptions } from './fake-airflow/fake-airflow.js';
import { againstFakeAirflow } from './support/service-app.js';

const DAG = 'Airflow_Lab2';
const OTHER = 'Other.DAG-2';

const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: `${DAG},${OTHER}`, STATUS_CACHE_TTL_MS: '60000' });

async function serve(scenario: Partial<FakeAirflowOptions>) {
  return request((await airflow.start(scenario)).getHttpServer());
}

describe('GET /dags', () => {
  it('shows one row per allowed DAG, in order, with its state in words, escaped, under a strict CSP', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const http = await serve({
      dags: {
        [DAG]: [
          FakeAirflow.run({ dag_id: DAG, state: 'success' }),
          FakeAirflow.run({ dag_id: DAG, state: 'failed', dag_run_id: `manual__${evil}` }),
        ],
        [OTHER]: [FakeAirflow.run({ dag_id: OTHER, state: 'success', dag_run_id: 'scheduled__ok' })],
      },
    });
    const page = await http
      .get('/dags')
      .expect(200)
      .expect('Content-Type', /text\/html/)
      .expect('Cache-Control', 'no-store');
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(page.text.indexOf(`data-dag-id="${DAG}"`)).toBeLessThan(page.text.indexOf(`data-dag-id="${OTHER}"`));
    expect(page.text).toContain('✘</span> failed');
    expect(page.text).toContain('✔</span> success');
    expect(page.text).toContain('manual__&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain(evil);
    expect(page.text).toContain('<script src="/assets/live.js" defer></script>');
    expect(page.text).not.toContain('http-equiv="refresh"');
    expect(page.text).not.toMatch(/<script>|https?:\/\/(?!127\.0\.0\.1)[a-z]/);
  });

  it('serves its script from our own origin, revalidated by ETag', async () => {
    const http = await serve({ dags: { [DAG]: [], [OTHER]: [] } });
    const script = await http
      .get('/assets/live.js')
      .expect(200)
      .expect('Content-Type', /text\/javascript/)
      .expect('Cache-Control', 'no-cache');
    expect(script.text).toContain('EventSource');
    // Compiles (not run): a syntax error would only show in a browser.
    expect(() => new Script(script.text)).not.toThrow();
    const etag = script.headers.etag;
    expect(etag).toBeDefined();
    await http.get('/assets/live.js').set('If-None-Match', etag).expect(304);
  });

  it('links /success and /failure to it, with live updates instead of a meta refresh', async () => {
    const http = await serve({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })], [OTHER]: [] } });
    const page = await http.get('/success').expect(200);
    expect(page.text).toContain('<a href="/dags">All DAGs</a>');
    expect(page.text).not.toContain('http-equiv="refresh"');
    expect(page.text).toContain(`data-live-events="/api/events?dag_id=${DAG}"`);
    expect(page.text).toContain('<script src="/assets/live.js" defer></script>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
