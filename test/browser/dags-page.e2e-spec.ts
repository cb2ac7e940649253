import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { FakeAirflow, type FakeDagRun } from '../fake-airflow/fake-airflow.js';
import { inBrowserAgainstFakeAirflow } from '../support/browser.js';
import { fleet } from '../support/many-dags.js';

const DAG = 'Airflow_Lab2';
const OTHER = 'Nightly_Report';
const THIRD = 'Hourly.Sync-3';
/** Short, so that a change is seen quickly; the pages must show it within TTL + 1 s. */
const TTL_MS = 300;
/** axe-core's browser build, injected into each page (through the DevTools protocol: the pages' CSP forbids inline scripts). */
const AXE_SOURCE = axe.source;
jest.setTimeout(60_000);

const runs = (dagId: string, states: FakeDagRun['state'][]) => states.map((state) => FakeAirflow.run({ dag_id: dagId, state }));
// Oldest first, as FakeAirflow.run dates them; the fake serves them newest first.
const lab = runs(DAG, ['success', 'failed', 'success', 'success']);
/** OTHER's runs are hourly in the last hours, of different lengths: its reliability section has figures and a chart. */
const recentStates: FakeDagRun['state'][] = ['success', 'success', 'failed', 'success', 'success', 'success'];
const other = recentStates.map((state, i) => {
  const due = Date.now() - (recentStates.length - i) * 3_600_000;
  const at = (ms: number) => new Date(ms).toISOString();
  return FakeAirflow.run({ dag_id: OTHER, state, run_after: at(due), start_date: at(due), end_date: at(due + (2 + (i % 3)) * 60_000) });
});
const third = runs(THIRD, ['failed', 'success', 'running']);

const h = inBrowserAgainstFakeAirflow(
  { TARGET_DAG_ID: DAG, ALLOWED_DAG_IDS: `${DAG},${OTHER},${THIRD}`, STATUS_CACHE_TTL_MS: String(TTL_MS) },
  { dags: { [DAG]: [...lab], [OTHER]: [...other], [THIRD]: [...third] } },
);

/** axe-core's violations on the page, as "rule: targets" lines (empty when there is none). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }> } }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
  return violations;
}

async function live(page: Page): Promise<void> {
  await page.locator('[data-live-bar][data-live-state="live"]').waitFor({ timeout: 20_000 });
}

describe('/dags in a real browser', () => {
  it('shows every DAG, turns a row failed live without a reload, and has no accessibility violation', async () => {
    const page = await h.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    try {
      await page.goto(`${h.base}/dags`);
      await live(page);
      await expect(page.locator('li.dag').count()).resolves.toBe(3);
      const row = page.locator(`li.dag[data-dag-id="${DAG}"]`);
      await expect(row.getAttribute('data-state')).resolves.toBe('success');
      await expect(row.locator('.state').textContent()).resolves.toContain('success');
      await expect(axeViolations(page)).resolves.toEqual([]);

      // The reliability section: figures, and the durations drawn inline as SVG with a text alternative (CSP-safe: no error).
      const reliability = page.locator(`li.dag[data-dag-id="${OTHER}"] details.rel`);
      await expect(reliability.locator('summary').textContent()).resolves.toContain('Reliability: 83.3 % success over 30d');
      const chart = reliability.locator('svg.chart[role="img"]');
      await expect(chart.locator('title').textContent()).resolves.toMatch(/^Durations of the last 5 successful runs, oldest first/);
      await expect(chart.locator('polyline').count()).resolves.toBe(1);
      await reliability.locator('summary').click();
      await expect(reliability.locator('tbody tr').count()).resolves.toBe(2);
      await expect(axeViolations(page)).resolves.toEqual([]);

      // Remember this document: a reload would lose the mark.
      await page.evaluate(() => ((globalThis as { mark?: number }).mark = 42));
      const failedRun = FakeAirflow.run({ dag_id: DAG, state: 'failed' });
      h.fake.setScenario({
        dags: { [DAG]: [...lab, failedRun], [OTHER]: [...other], [THIRD]: [...third] },
        tasks: {
          [failedRun.dag_run_id]: [
            { task_id: 'train', state: 'failed' },
            { task_id: 'evaluate', state: 'upstream_failed' },
          ],
        },
      });
      const changed = Date.now();
      await page.locator(`li.dag[data-dag-id="${DAG}"][data-state="failed"]`).waitFor({ timeout: 20_000 });
      const tookMs = Date.now() - changed;
      expect(tookMs).toBeLessThan(TTL_MS + 1000);
      await expect(page.evaluate(() => (globalThis as { mark?: number }).mark)).resolves.toBe(42);
      await expect(row.locator('.state').textContent()).resolves.toContain('failed');
      await expect(row.locator('.tasks').textContent()).resolves.toMatch(/Failed tasks: train\b.*evaluate \(upstream_failed\)/);
      await expect(page.locator('h1').textContent()).resolves.toContain('not a success');
      await expect(axeViolations(page)).resolves.toEqual([]);

      // The README's screenshot is remade on demand (`npm run docs:screenshot`), so that a test run leaves the checkout clean.
      const screenshot = process.env.DOCS_SCREENSHOT === '1' ? 'docs/dags.png' : 'test/browser/.last-dags.png';
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('follows dark mode and fits a phone', async () => {
    const page = await h.browser.newPage({ viewport: { width: 375, height: 740 }, colorScheme: 'dark' });
    try {
      await page.goto(`${h.base}/dags`);
      await live(page);
      const background = await page.evaluate(() => {
        const g = globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string }; document: { body: unknown } };
        return g.getComputedStyle(g.document.body).backgroundColor;
      });
      expect(background).toBe('rgb(12, 17, 29)');
      const overflow = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
        return d.documentElement.scrollWidth - d.documentElement.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await expect(axeViolations(page)).resolves.toEqual([]);
    } finally {
      await page.close();
    }
  });

  it.each(['/success', '/failure'])('%s updates live and has no accessibility violation', async (path) => {
    const page = await h.browser.newPage();
    try {
      await page.goto(`${h.base}${path}`);
      await live(page);
      await expect(axeViolations(page)).resolves.toEqual([]);
      await expect(page.locator('a[href="/dags"]').count()).resolves.toBe(1);
      const before = (await page.locator('.verdict').getAttribute('data-outcome')) ?? '';
      const next = FakeAirflow.run({ dag_id: DAG, state: before === 'success' ? 'failed' : 'success' });
      lab.push(next);
      h.fake.setScenario({ dags: { [DAG]: [...lab], [OTHER]: [...other], [THIRD]: [...third] } });
      await page.locator(`.verdict[data-outcome="${before === 'success' ? 'failure' : 'success'}"]`).waitFor({ timeout: TTL_MS + 5000 });
      await expect(page.locator('tr', { hasText: 'Run id' }).locator('td').textContent()).resolves.toBe(next.dag_run_id);
    } finally {
      await page.close();
    }
  });

  it('says "Airflow unreachable" with the last known state when Airflow goes away', async () => {
    const page = await h.browser.newPage();
    try {
      await page.goto(`${h.base}/dags`);
      await live(page);
      await h.fake.down();
      const row = page.locator(`li.dag[data-dag-id="${DAG}"][data-state="unknown"]`);
      await row.waitFor({ timeout: TTL_MS + 10_000 });
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('Airflow unreachable since');
      expect(text).toContain('Last known state: failed');
      await expect(axeViolations(page)).resolves.toEqual([]);
    } finally {
      await page.close();
      await h.fake.restart();
    }
  });
});

/** What the tests read of a page's DOM (the project compiles without the DOM's types). */
interface Attributed {
  getAttribute(name: string): string | null;
}
interface BrowserGlobals {
  document: { querySelectorAll(selector: string): { length: number }; activeElement: Attributed | null };
}

describe('/dags with 300 DAGs in a real browser', () => {
  // 50 of each kind: success, failed, running, queued, no run, unknown to Airflow; every third id is "Sales.Nightly_…".
  const many = fleet(300);
  const m = inBrowserAgainstFakeAirflow({ ...many.env, STATUS_CACHE_TTL_MS: '2000' }, { dags: many.dags });
  const nightly = many.ids.filter((id) => id.startsWith('Sales.Nightly'));
  const rowCount = (page: Page) => page.locator('li.dag').count();
  /** Until the list holds `count` rows (the server's answer for the filter has been swapped in). */
  const rowsBecome = (page: Page, count: number) =>
    page.waitForFunction((n) => (globalThis as unknown as BrowserGlobals).document.querySelectorAll('li.dag').length === n, count, {
      timeout: 20_000,
    });

  it('renders every row with the counts at the top, and has no accessibility violation', async () => {
    const page = await m.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(`${m.base}/dags`);
      await live(page);
      await expect(rowCount(page)).resolves.toBe(300);
      const tallies = (await page.locator('nav .tallies a').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      expect(tallies).toEqual([
        'All 300',
        'Not a success 250',
        '✔ success 50',
        '✘ failed 50',
        '▶ running 50',
        '⏳ queued 50',
        '– no run 50',
        '⚠ unknown 50',
      ]);
      await expect(page.locator('nav a[aria-current="page"]').textContent()).resolves.toContain('All');
      await expect(axeViolations(page)).resolves.toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('narrows as the reader types and ticks "only what is not a success", keeping the filter in the URL', async () => {
    const page = await m.browser.newPage();
    try {
      await page.goto(`${m.base}/dags`);
      await live(page);
      await page.locator('#dag-filter').fill('NIGHTLY');
      await rowsBecome(page, nightly.length);
      expect(new URL(page.url()).searchParams.get('q')).toBe('NIGHTLY');
      await page.getByLabel('Only what is not a success').check();
      const failing = nightly.filter((id) => many.kindOf(id) !== 'success');
      await rowsBecome(page, failing.length);
      await expect(
        page.locator('li.dag').evaluateAll((rows: Attributed[]) => rows.map((r) => r.getAttribute('data-dag-id'))),
      ).resolves.toEqual(failing);
      expect(new URL(page.url()).searchParams.getAll('outcome')).toEqual(['failure']);
      await expect(page.locator('.selection').textContent()).resolves.toContain(`${failing.length} of 300 DAGs match`);
      await expect(axeViolations(page)).resolves.toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('filters without JavaScript: the form and the count links are plain GETs', async () => {
    const context = await m.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(`${m.base}/dags`);
      await expect(page.locator('[data-live-bar]').textContent()).resolves.toContain('Live updates need JavaScript');
      await page.locator('#dag-filter').fill('nightly');
      await page.getByLabel('Only what is not a success').check();
      await Promise.all([page.waitForURL(/q=nightly/), page.getByRole('button', { name: 'Filter' }).click()]);
      expect(new URL(page.url()).searchParams.getAll('outcome')).toEqual(['failure']);
      await expect(rowCount(page)).resolves.toBe(nightly.filter((id) => many.kindOf(id) !== 'success').length);
      await Promise.all([page.waitForURL(/reason=failed/), page.locator('nav .tallies a', { hasText: 'failed' }).click()]);
      await expect(rowCount(page)).resolves.toBe(50);
      await expect(page.locator('nav a[aria-current="page"]').textContent()).resolves.toContain('failed');
    } finally {
      await context.close();
    }
  });

  it('keeps a filtered list live: a DAG that starts matching joins in its place, one that stops leaves, focus goes to the list', async () => {
    const page = await m.browser.newPage();
    const [fixed, broken] = [many.ids[1], many.ids[0]]; // failed -> success; success -> failed
    try {
      await page.goto(`${m.base}/dags?outcome=failure`);
      await live(page);
      await expect(rowCount(page)).resolves.toBe(250);
      await page.evaluate(() => ((globalThis as { mark?: number }).mark = 7));
      // The reader is on a link of the row that is about to leave.
      await page.locator(`li.dag[data-dag-id="${fixed}"] a`).first().focus();
      m.fake.setScenario({
        dags: {
          ...many.dags,
          [fixed]: [...many.dags[fixed], FakeAirflow.run({ dag_id: fixed, state: 'success' })],
          [broken]: [...many.dags[broken], FakeAirflow.run({ dag_id: broken, state: 'failed' })],
        },
      });
      await page.locator(`li.dag[data-dag-id="${broken}"]`).waitFor({ timeout: 20_000 });
      await page.locator(`li.dag[data-dag-id="${fixed}"]`).waitFor({ state: 'detached', timeout: 20_000 });
      await expect(page.locator('li.dag').first().getAttribute('data-dag-id')).resolves.toBe(broken);
      await expect(rowCount(page)).resolves.toBe(250);
      await expect(page.evaluate(() => (globalThis as { mark?: number }).mark)).resolves.toBe(7);
      await expect(
        page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.getAttribute('data-live-list') ?? null),
      ).resolves.toBe('dags');
      await expect(page.locator('nav a[href="/dags?outcome=success"]').textContent()).resolves.toMatch(/success 50$/);
    } finally {
      await page.close();
      m.fake.setScenario({ dags: many.dags });
    }
  });
});
