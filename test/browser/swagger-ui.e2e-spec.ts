import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser } from 'playwright-core';
import { FakeAirflow } from '../fake-airflow/fake-airflow.js';
import { startServiceApp } from '../support/service-app.js';
import { launchChromium } from '../support/browser.js';

/** Debian's Chromium, as in status-page.e2e-spec.ts. */

let fake: FakeAirflow;
let app: INestApplication;
let base: string;
let browser: Browser;

beforeAll(async () => {
  fake = await FakeAirflow.start();
  app = await startServiceApp({ AIRFLOW_WEBSERVER: fake.url });
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await fake?.stop();
});

describe('Swagger UI in a real browser', () => {
  it.each(['/docs', '/docs/?anything=1'])('%s renders the API under its Content-Security-Policy, with nothing blocked', async (path) => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('requestfailed', (req) => problems.push(`${req.url()} failed`));
    try {
      const response = await page.goto(`${base}${path}`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      await expect(page.locator('.swagger-ui .info .title').textContent({ timeout: 30_000 })).resolves.toContain('airflow-status-api');
      // Every route of the document is listed: the UI fetched /docs-json and rendered it.
      await page.locator('.opblock-summary-path', { hasText: '/api/dags/{dagId}/status' }).waitFor({ timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
