import { describe, expect, it } from '@jest/globals';
import { inBrowserAgainstFakeAirflow } from '../support/browser.js';

const h = inBrowserAgainstFakeAirflow({});

describe('Swagger UI in a real browser', () => {
  it.each(['/docs', '/docs/?anything=1'])('%s renders the API under its Content-Security-Policy, with nothing blocked', async (path) => {
    const page = await h.browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('requestfailed', (req) => problems.push(`${req.url()} failed`));
    try {
      const response = await page.goto(`${h.base}${path}`);
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
