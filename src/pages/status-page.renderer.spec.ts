import { describe, expect, it } from '@jest/globals';
import type { StatusVerdict } from '../dag-status/dag-status.types.js';
import { renderStatusPage } from './status-page.renderer.js';

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
  history: { lastFinished: null, lastSuccess: null, failedTasks: [] },
  stale: null,
  airflowError: null,
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

  it('gives a duration in hours at most, and one still going so far', () => {
    const run = { ...verdict.run!, startDate: '2026-01-01T00:00:00Z', endDate: '2026-01-02T01:02:03Z' };
    expect(renderStatusPage({ ...verdict, run })).toMatch(/Duration<\/th><td>25 h 2 min 3 s</);
    const going = { ...run, endDate: null };
    expect(renderStatusPage({ ...verdict, run: going }, new Date('2026-01-01T00:00:07Z'))).toMatch(/Duration<\/th><td>7 s \(so far\)</);
    expect(renderStatusPage({ ...verdict, run: { ...run, startDate: null } })).toMatch(/Duration<\/th><td>—</);
  });

  it('names the failed tasks with links to their logs, escaped', () => {
    const html = renderStatusPage({
      ...verdict,
      history: {
        lastFinished: verdict.run,
        lastSuccess: null,
        failedTasks: [{ taskId: 'train<b>', state: 'failed', logUrl: 'http://x/dags/d/runs/r/tasks/train"x' }],
      },
    });
    expect(html).toContain('<a href="http://x/dags/d/runs/r/tasks/train&quot;x" rel="noopener noreferrer">train&lt;b&gt;</a> (failed)');
    expect(html).toMatch(/Last success<\/th><td>never/);
  });

  it('says the state is unknown, never "no run", while Airflow cannot be read and nothing was seen', () => {
    const html = renderStatusPage({
      ...verdict,
      run: null,
      reason: 'airflow_unreachable',
      airflowError: { reason: 'airflow_unreachable', message: 'Airflow at x cannot be reached', since: '2026-11-28T10:00:00Z' },
    });
    expect(html).not.toContain('no run');
    expect(html).toMatch(/State<\/th><td>unknown/);
    expect(html).toContain('failing since 2026-11-28 10:00:00 UTC');
  });

  it('shows the last state seen, and when, while Airflow cannot be read', () => {
    const html = renderStatusPage({
      ...verdict,
      reason: 'airflow_unreachable',
      airflowError: { reason: 'airflow_unreachable', message: 'down', since: '2026-11-28T10:05:00Z' },
    });
    expect(html).toMatch(/State<\/th><td>failed \(last seen 2026-11-28 10:02:00 UTC\)/);
  });
});
