import { describe, expect, it } from '@jest/globals';
import type { StatusVerdict } from './dag-status.types.js';
import { escapeHtml, formatDuration, renderStatusPage } from './status-page.renderer.js';

const verdict: StatusVerdict = {
  outcome: 'failure',
  reason: 'failed',
  explanation: 'The latest run failed.',
  dagId: 'Airflow_Lab2',
  run: {
    dagId: 'Airflow_Lab2',
    runId: 'manual__<script>alert(1)</script>',
    state: 'failed',
    logicalDate: null,
    runAfter: '2026-11-28T10:00:00Z',
    startDate: '2026-11-28T10:00:00Z',
    endDate: '2026-11-28T10:01:05Z',
    note: '"><img src=x onerror=alert(2)>',
    runType: 'manual',
  },
  airflowUrl: 'http://localhost:8080/dags/Airflow_Lab2/runs/manual__%3Cscript%3E',
  fetchedAt: '2026-11-28T10:02:00Z',
};

describe('status page', () => {
  it('escapes every user-controlled value', () => {
    const html = renderStatusPage(verdict);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('manual__&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('says what happened in plain words', () => {
    const html = renderStatusPage(verdict);
    expect(html).toContain('Not a success');
    expect(html).toContain('The latest run failed.');
    expect(html).toContain('none (manual run)');
    expect(html).toContain('1 min 5 s');
    expect(html).toContain('data-outcome="failure"');
    expect(html).toContain('href="http://localhost:8080/dags/Airflow_Lab2/runs/manual__%3Cscript%3E"');
  });

  it('formats durations, including runs still going', () => {
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T01:02:03Z', new Date())).toBe('1 h 2 min 3 s');
    expect(formatDuration('2026-01-01T00:00:00Z', null, new Date('2026-01-01T00:00:07Z'))).toBe('7 s (so far)');
    expect(formatDuration(null, null, new Date())).toBe('—');
  });

  it('escapes all five HTML specials', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
