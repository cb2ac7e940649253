import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { FakeAirflow, type FakeDagRun } from '../fake-airflow/fake-airflow.js';
import { inBrowserAgainstFakeAirflow } from '../support/browser.js';

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
const other = runs(OTHER, ['success', 'success', 'failed', 'success', 'success', 'success']);
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
