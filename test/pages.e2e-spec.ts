import { Script } from 'node:vm';
import { describe, expect, it, jest } from '@jest/globals';
import { FakeAirflow } from './fake-airflow/fake-airflow.js';
import { fleet } from './support/many-dags.js';
import { againstFakeAirflow } from './support/service-app.js';

// Hundreds of DAGs read from the fake Airflow take a few seconds on a busy 2-core machine.
jest.setTimeout(30_000);

const DAG = 'Airflow_Lab2';
const OTHER = 'Other.DAG-2';

const airflow = againstFakeAirflow({ ALLOWED_DAG_IDS: `${DAG},${OTHER}`, STATUS_CACHE_TTL_MS: '60000' });

describe('GET /dags', () => {
  it('shows one row per allowed DAG, in order, with its state in words, escaped, under a strict CSP', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const http = await airflow.serve({
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
    const http = await airflow.serve({ dags: { [DAG]: [], [OTHER]: [] } });
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
    const http = await airflow.serve({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, state: 'success' })], [OTHER]: [] } });
    const page = await http.get('/success').expect(200);
    expect(page.text).toContain('<a href="/dags">All DAGs</a>');
    expect(page.text).not.toContain('http-equiv="refresh"');
    expect(page.text).toContain(`data-live-events="/api/events?dag_id=${DAG}"`);
    expect(page.text).toContain('<script src="/assets/live.js" defer></script>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

describe('GET /dags with many DAGs', () => {
  // 300 DAGs, 50 of each kind: success, failed, running, queued, no run, unknown to Airflow.
  const many = fleet(300);
  const serveMany = () => airflow.serve({ dags: many.dags }, many.env);
  const rows = (html: string) => [...html.matchAll(/<li class="dag" data-dag-id="([^"]+)"/g)].map((m) => m[1]);
  /** The counts at the top, as "label count" pairs with their links. */
  const tallies = (html: string) =>
    [...html.matchAll(/<a class="tally[^"]*" href="([^"]+)"( aria-current="page")?>(.*?)<\/a>/g)].map(([, href, current, body]) => ({
      href: href.replaceAll('&amp;', '&'),
      current: current !== undefined,
      text: body
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    }));

  it('shows every DAG by default, with the counts of each state at the top, each a link to its rows', async () => {
    const http = await serveMany();
    const page = await http.get('/dags').expect(200);
    expect(rows(page.text)).toEqual(many.ids);
    expect(tallies(page.text)).toEqual([
      { href: '/dags', current: true, text: 'All 300' },
      { href: '/dags?outcome=failure', current: false, text: 'Not a success 250' },
      { href: '/dags?outcome=success', current: false, text: '✔ success 50' },
      { href: '/dags?reason=failed', current: false, text: '✘ failed 50' },
      { href: '/dags?reason=running', current: false, text: '▶ running 50' },
      { href: '/dags?reason=queued', current: false, text: '⏳ queued 50' },
      { href: '/dags?reason=no_run', current: false, text: '– no run 50' },
      {
        href: '/dags?reason=airflow_unreachable&reason=airflow_timeout&reason=airflow_overloaded&reason=airflow_auth_refused&reason=config_mismatch&reason=airflow_bad_response&reason=dag_not_found',
        current: false,
        text: '⚠ unknown 50',
      },
    ]);
    expect(page.text).toContain('<title>250 of 300 DAGs not a success</title>');
    expect(page.text).toContain('300 DAGs.');
  });

  it('follows each count link to exactly its rows, and marks the one shown', async () => {
    const http = await serveMany();
    const home = await http.get('/dags').expect(200);
    for (const tally of tallies(home.text)) {
      const page = await http.get(tally.href).expect(200);
      expect(rows(page.text)).toHaveLength(Number(/(\d+)$/.exec(tally.text)![1]));
      expect(tallies(page.text).find((t) => t.current)?.href).toBe(tally.href);
    }
  });

  it('filters by a piece of the id and "only what is not a success" from a plain form (no JavaScript needed)', async () => {
    const http = await serveMany();
    const home = await http.get('/dags').expect(200);
    expect(home.text).toMatch(/<form class="filter" method="get" action="\/dags" role="search"/);
    expect(home.text).toContain('<label for="dag-filter">DAG id contains</label>');
    expect(home.text).toMatch(/<input type="checkbox" name="outcome" value="failure"> Only what is not a success/);
    // What the browser sends when the form is submitted with "nightly" and the box ticked.
    const page = await http.get('/dags?q=NiGhTlY&outcome=failure').expect(200);
    const wanted = many.ids.filter((id) => id.startsWith('Sales.Nightly') && many.kindOf(id) !== 'success');
    expect(rows(page.text)).toEqual(wanted);
    expect(page.text).toContain('value="NiGhTlY"');
    expect(page.text).toMatch(/value="failure" checked>/);
    expect(page.text).toContain(`${wanted.length} of 300 DAGs match: id contains “NiGhTlY”; not a success.`);
    expect(page.text).toContain('<a href="/dags">Show every DAG</a>');
    // The counts still cover every DAG.
    expect(tallies(page.text)[0]).toEqual({ href: '/dags', current: false, text: 'All 300' });
    // A filter from a count link survives a text search: it rides along as a hidden field.
    const failed = await http.get('/dags?reason=failed').expect(200);
    expect(failed.text).toContain('<input type="hidden" name="reason" value="failed">');
    const none = await http.get('/dags?q=no-such-dag').expect(200);
    expect(rows(none.text)).toEqual([]);
    expect(none.text).toContain('No DAG of 300 matches: id contains “no-such-dag”.');
  });

  it('escapes the text filter wherever it is shown back', async () => {
    const http = await serveMany();
    const evil = '"><script>alert(1)</script>';
    const page = await http.get('/dags').query({ q: evil }).expect(200);
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('pages on request, with a link to the next page', async () => {
    const http = await serveMany();
    const first = await http.get('/dags?limit=120').expect(200);
    expect(rows(first.text)).toEqual(many.ids.slice(0, 120));
    expect(first.text).toContain('300 DAGs. Showing 120 of them here.');
    const next = /<a href="([^"]+)">Next 120 DAGs<\/a>/.exec(first.text)![1].replaceAll('&amp;', '&');
    expect(next).toMatch(/^\/dags\?limit=120&cursor=/);
    const second = await http.get(next).expect(200);
    expect(rows(second.text)).toEqual(many.ids.slice(120, 240));
    expect(second.text).toContain('<a href="/dags?limit=120">First page</a>');
  });

  it('lets the form submit to this origin only, and refuses a malformed query with a 400', async () => {
    const http = await serveMany();
    const page = await http.get('/dags').expect(200);
    expect(page.headers['content-security-policy']).toContain("form-action 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const bad = await http.get('/dags?state=sleeping').expect(400);
    expect(bad.body).toMatchObject({ reason: 'bad_request', message: expect.stringContaining('state must be one of') });
  });
});

describe('GET /dags past 1,000 DAGs', () => {
  it('pages by 1,000 rows unasked, with a link to the rest', async () => {
    const many = fleet(1001);
    const http = await airflow.serve({ dags: many.dags }, many.env);
    const first = await http.get('/dags').expect(200);
    const rowIds = [...first.text.matchAll(/<li class="dag" data-dag-id="([^"]+)"/g)].map((m) => m[1]);
    expect(rowIds).toEqual(many.ids.slice(0, 1000));
    expect(first.text).toContain('1001 DAGs. Showing 1000 of them here.');
    const next = /<a href="([^"]+)">Next page<\/a>/.exec(first.text)![1].replaceAll('&amp;', '&');
    const rest = await http.get(next).expect(200);
    expect([...rest.text.matchAll(/<li class="dag" data-dag-id="([^"]+)"/g)].map((m) => m[1])).toEqual([many.ids[1000]]);
  });
});
