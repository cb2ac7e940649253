import { describe, expect, it } from '@jest/globals';
import { runOf } from '../airflow/airflow.fixtures.js';
import { overviewOf } from '../dag-status/dag-status.fixtures.js';
import { BadgeLabelPipe } from './badge-label.pipe.js';
import { reliabilityFiguresOf } from '../reliability/reliability.fixtures.js';
import { badgeOf, reliabilityBadgeOf, renderBadgeSvg } from './badge.renderer.js';

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

  describe('reliability badges', () => {
    const DAY = 86_400_000;
    const success30 = { metric: 'success', windowMs: 30 * DAY, name: 'success_30d' } as const;

    it.each([
      [0.992, '99.2 %', 'brightgreen'],
      [0.9996, '99.9 %', 'brightgreen'],
      [0.96, '96.0 %', 'green'],
      [0.91, '91.0 %', 'yellow'],
      [0.85, '85.0 %', 'orange'],
      [0.5, '50.0 %', 'red'],
      [1, '100.0 %', 'brightgreen'],
    ])('says a success ratio of %d as %s in %s', (ratio, message, color) => {
      const figures = reliabilityFiguresOf({}, { successRatio: ratio });
      expect(reliabilityBadgeOf(overviewOf(), figures, success30, 'lab')).toEqual({ label: 'lab', message, color, isError: false });
    });

    it('colours by the objective when the DAG has one on that figure', () => {
      const objective = {
        metric: 'success',
        target: 0.995,
        windowMs: 30 * DAY,
        good: 0,
        total: 0,
        budgetLeft: null,
        burn: { long: null, short: null },
        fastBurn: false,
      } as const;
      const figures = reliabilityFiguresOf({}, { successRatio: 0.992 }, [objective]);
      expect(reliabilityBadgeOf(overviewOf(), figures, success30, 'lab').color).toBe('red');
    });

    it('says no data without a run, unknown before the past is read or while Airflow cannot be read', () => {
      const onTime7 = { metric: 'on_time', windowMs: 7 * DAY, name: 'on_time_7d' } as const;
      expect(reliabilityBadgeOf(overviewOf(), reliabilityFiguresOf(), onTime7, 'l').message).toBe('no data');
      expect(reliabilityBadgeOf(overviewOf(), null, onTime7, 'l')).toEqual({
        label: 'l',
        message: 'unknown',
        color: 'lightgrey',
        isError: true,
      });
      const failing = overviewOf({ outcome: 'failure', reason: 'airflow_unreachable', airflowError: FAULT });
      expect(reliabilityBadgeOf(failing, reliabilityFiguresOf({}, { successRatio: 1 }), success30, 'l').message).toBe('unknown');
      const other = { metric: 'success', windowMs: 14 * DAY, name: 'success_14d' } as const;
      expect(reliabilityBadgeOf(overviewOf(), reliabilityFiguresOf(), other, 'l')).toEqual({
        label: 'l',
        message: 'no 14d window',
        color: 'lightgrey',
        isError: true,
      });
    });
  });
});
