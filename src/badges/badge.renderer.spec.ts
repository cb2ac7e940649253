import { describe, expect, it } from '@jest/globals';
import type { DagOverviewDto } from '../dag-status/dag-status.dto.js';
import { BadgeLabelPipe } from './badge-label.pipe.js';
import { badgeOf, renderBadgeSvg } from './badge.renderer.js';

function overview(partial: Partial<DagOverviewDto>): DagOverviewDto {
  return {
    dag_id: 'Airflow_Lab2',
    state: 'success',
    run_id: 'r1',
    logical_date: null,
    run_after: null,
    start_date: null,
    end_date: null,
    note: null,
    fetched_at: '2026-12-01T00:00:00.000Z',
    last_finished: null,
    last_success_at: null,
    failed_tasks: [],
    stale: null,
    outcome: 'success',
    reason: null,
    explanation: '',
    airflow_url: '',
    recent_runs: [],
    tags: [],
    airflow_error: null,
    ...partial,
  };
}

describe('badges', () => {
  it.each([
    [{}, 'success', 'brightgreen', false],
    [{ state: 'failed', outcome: 'failure', reason: 'failed' }, 'failed', 'red', false],
    [{ state: 'running', outcome: 'failure', reason: 'running' }, 'running', 'blue', false],
    [{ state: 'queued', outcome: 'failure', reason: 'queued' }, 'queued', 'lightgrey', false],
    [{ stale: true, outcome: 'failure', reason: 'stale' }, 'stale', 'orange', false],
    [{ state: null, outcome: 'failure', reason: 'no_run' }, 'no runs', 'lightgrey', false],
    [{ state: 'up_for_retry', outcome: 'failure', reason: 'other_state' }, 'up_for_retry', 'yellow', false],
    [
      { outcome: 'failure', reason: 'airflow_unreachable', airflow_error: { reason: 'airflow_unreachable', message: 'x', since: 'y' } },
      'unknown',
      'lightgrey',
      true,
    ],
  ] as const)('says %j as %s in %s', (partial, message, color, isError) => {
    expect(badgeOf(overview(partial as Partial<DagOverviewDto>), 'lab')).toEqual({ label: 'lab', message, color, isError });
  });

  it('follows the verdict: a run in progress under VERDICT_BASIS=last_finished shows the last finished outcome', () => {
    expect(badgeOf(overview({ state: 'running', outcome: 'success', reason: null }), 'x').message).toBe('success');
  });

  it('draws an SVG with the label escaped', async () => {
    const svg = await renderBadgeSvg({ label: `<script>&"'`, message: 'success', color: 'brightgreen', isError: false });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;&amp;&quot;&apos;');
  });

  it('takes a label of 1 to 64 printable characters, or none', () => {
    const pipe = new BadgeLabelPipe();
    expect(pipe.transform(undefined)).toBeUndefined();
    expect(pipe.transform('build ✓')).toBe('build ✓');
    expect(pipe.transform('x'.repeat(64))).toHaveLength(64);
    for (const bad of ['', 'x'.repeat(65), 'a\u0000b', 'line\nbreak', ['a', 'b']])
      expect(() => pipe.transform(bad)).toThrow(/label must be/);
  });
});
