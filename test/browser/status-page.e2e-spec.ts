import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser } from 'playwright-core';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { startServiceApp } from '../support/service-app.js';
import { launchChromium } from '../support/browser.js';

const DAG = 'Airflow_Lab2';
/** Debian's Chromium; `.ci/run` installs it (playwright's own browser download cannot work here). */

let fake: FakeAirflow;
let app: INestApplication;
let base: string;
let browser: Browser;

beforeAll(async () => {
  fake = await FakeAirflow.start();
  app = await startServiceApp({ AIRFLOW_WEBSERVER: fake.url, TARGET_DAG_ID: DAG, STATUS_CACHE_TTL_MS: '0' });
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await fake?.stop();
});

describe('status page in a real browser', () => {
  it('follows / to the success page and shows the run', async () => {
    fake.setScenario({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, dag_run_id: 'manual__ok', state: 'success' })] } });
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/`);
      expect(new URL(page.url()).pathname).toBe('/success');
      await expect(page.locator('h1').textContent()).resolves.toContain('Success');
      await expect(page.locator('tr', { hasText: 'Run id' }).locator('td').textContent()).resolves.toBe('manual__ok');
      const link = page.getByRole('link', { name: /Open this run in Airflow/ });
      await expect(link.getAttribute('href')).resolves.toBe(`${fake.url}/dags/${DAG}/runs/manual__ok`);
      await page.screenshot({ path: 'test/browser/.last-success.png', fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('never runs a script smuggled into a run id or a note', async () => {
    const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    fake.setScenario({ dags: { [DAG]: [FakeAirflow.run({ dag_id: DAG, dag_run_id: `manual__${evil}`, state: 'failed', note: evil })] } });
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/`);
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
    await fake.down();
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/`);
      expect(new URL(page.url()).pathname).toBe('/failure');
      await expect(page.locator('.verdict p').textContent()).resolves.toContain('Airflow cannot be reached');
    } finally {
      await page.close();
      await fake.restart();
    }
  });
});
