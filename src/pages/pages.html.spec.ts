import { describe, expect, it } from '@jest/globals';
import { escapeHtml, safeHref } from './pages.html.js';

describe('the pages’ HTML helpers', () => {
  it('escapes all five HTML specials, and gives text without any back as it is', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    const plain = 'entraînement_modèle 2026-11-28';
    expect(escapeHtml(plain)).toBe(plain);
  });

  it.each([
    ['http://airflow:8080/dags/a?x=1&y=2', 'http://airflow:8080/dags/a?x=1&y=2'],
    ['https://airflow.example.com/log', 'https://airflow.example.com/log'],
    ['javascript:alert(1)', null],
    ['data:text/html,<b>', null],
    ['not a url', null],
    ['', null],
    [null, null],
  ])('links %j as %j', (url, href) => {
    expect(safeHref(url)).toBe(href);
  });
});
