import { describe, expect, it } from '@jest/globals';
import { runOf } from '../airflow/airflow.fixtures.js';
import { overviewOf } from '../dag-status/dag-status.fixtures.js';
import { BadgeLabelPipe } from './badge-label.pipe.js';
import { badgeOf, renderBadgeSvg } from './badge.renderer.js';

const FAULT = { reason: 'airflow_unreachable', message: 'x', since: 'y' } as const;

describe('badges', () => {
  it.each([
    [{}, 'success', 'brightgreen', false],
    [{ run: runOf({ state: 'failed' }), outcome: 'failure', reason: 'failed' }, 'failed', 'red', false],
    [{ run: runOf({ state: 'running' }), outcome: 'failure', reason: 'running' }, 'running', 'blue', false],
    [{ run: runOf({ state: 'queued' }), outcome: 'failure', reason: 'queued' }, 'queued', 'lightgrey', false],
    [{ stale: true, outcome: 'failure', reason: 'stale' }, 'stale', 'orange', false],
    [{ run: null, outcome: 'failure', reason: 'no_run' }, 'no runs', 'lightgrey', false],
    [{ run: runOf({ state: 'up_for_retry' }), outcome: 'failure', reason: 'other_state' }, 'up_for_retry', 'yellow', false],
    [{ outcome: 'failure', reason: 'airflow_unreachable', airflowError: FAULT }, 'unknown', 'lightgrey', true],
    [{ outcome: 'failure', reason: 'import_error' }, 'import error', 'red', false],
    [{ outcome: 'failure', reason: 'paused' }, 'paused', 'lightgrey', false],
    [{ outcome: 'failure', reason: 'airflow_scheduler_down' }, 'scheduler down', 'red', false],
    [{ outcome: 'failure', reason: 'airflow_dag_processor_down' }, 'dag processor down', 'orange', false],
    [{ run: runOf({ state: 'running' }), outcome: 'failure', reason: 'running_long' }, 'running long', 'orange', false],
    [{ outcome: 'failure', reason: 'overdue' }, 'overdue', 'orange', false],
  ] as const)('says %j as %s in %s', (fields, message, color, isError) => {
    expect(badgeOf(overviewOf(fields), 'lab')).toEqual({ label: 'lab', message, color, isError });
  });

  it('follows the verdict: a run in progress under VERDICT_BASIS=last_finished shows the last finished outcome', () => {
    expect(badgeOf(overviewOf({ run: runOf({ state: 'running' }), outcome: 'success', reason: null }), 'x').message).toBe('success');
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
