import { describe, expect, it } from '@jest/globals';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { inBrowserAgainstFakeAirflow } from '../support/browser.js';

const DAG = 'Airflow_Lab2';

const h = inBrowserAgainstFakeAirflow({ TARGET_DAG_ID: DAG, STATUS_CACHE_TTL_MS: '0' });

describe('status page in a real browser', () => {
  it('follows / to the success page and shows the run', async () => {
    h.fake.setScenario({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, dag_run_id: 'manual__ok', state: 'success' })] } });
    const page = await h.browser.newPage();
    try {
      await page.goto(`${h.base}/`);
      expect(new URL(page.url()).pathname).toBe('/success');
      await expect(page.locator('h1').textContent()).resolves.toContain('Success');
      await expect(page.locator('tr', { hasText: 'Run id' }).locator('td').textContent()).resolves.toBe('manual__ok');
      const link = page.getByRole('link', { name: /Open this run in Airflow/ });
      await expect(link.getAttribute('href')).resolves.toBe(`${h.fake.url}/dags/${DAG}/runs/manual__ok`);
      await page.screenshot({ path: 'test/browser/.last-success.png', fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('never runs a script smuggled into a run id or a note', async () => {
    const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    h.fake.setScenario({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, dag_run_id: `manual__${evil}`, state: 'failed', note: evil })] } });
    const page = await h.browser.newPage();
    try {
      await page.goto(`${h.base}/`);
      expect(new URL(page.url()).pathname).toBe('/failure');
      await expect(page.locator('h1').textContent()).resolves.toContain('Not a success');
      await expect(page.locator('.verdict p').textContent()).resolves.toBe('The latest run failed.');
      await expect(page.locator('tr', { hasText: 'Note' }).locator('td').textContent()).resolves.toBe(evil);
      await expect(page.evaluate(() => (globalThis as { pwned?: number }).pwned)).resolves.toBeUndefined();
      await expect(page.locator('img').count()).resolves.toBe(0);
      await page.screenshot({ path: 'test/browser/.last-failure.png', fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('explains in plain words that Airflow cannot be reached', async () => {
    await h.fake.down();
    const page = await h.browser.newPage();
    try {
      await page.goto(`${h.base}/`);
      expect(new URL(page.url()).pathname).toBe('/failure');
      await expect(page.locator('.verdict p').textContent()).resolves.toContain('Airflow cannot be reached');
    } finally {
      await page.close();
      await h.fake.restart();
    }
  });
});
