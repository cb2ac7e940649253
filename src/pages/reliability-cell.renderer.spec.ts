import { describe, expect, it } from '@jest/globals';
import { reliabilityFiguresOf } from '../reliability/reliability.fixtures.js';
import { durationChart, reliabilityCell } from './reliability-cell.renderer.js';

const MIN = 60_000;

describe('the reliability cell of /dags', () => {
  it('draws the durations as an inline SVG line with a text alternative, nothing external', () => {
    const svg = durationChart([2 * MIN, 4 * MIN, 3 * MIN], 'c1');
    expect(svg).toBe(
      '<svg class="chart" width="120" height="24" viewBox="0 0 120 24" role="img" aria-labelledby="c1">' +
        '<title id="c1">Durations of the last 3 successful runs, oldest first: from 2 min 0 s to 4 min 0 s, the newest 3 min 0 s.</title>' +
        '<polyline points="1.0,23.0 60.0,1.0 119.0,12.0" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>',
    );
    expect(svg).not.toMatch(/href|url\(|<script|style=/);
  });

  it('draws nothing with fewer than two successes', () => {
    expect(durationChart([MIN], 'c')).toBe('');
  });

  it("shows each window's figures and the objectives' budgets", () => {
    const DAY = 86_400_000;
    const figures = reliabilityFiguresOf(
      { successRatio: 0.75, onTime: { onTime: 2, due: 4, missed: 1, ratio: 0.5 } },
      { successRatio: 0.992, duration: { count: 2, medianMs: 2 * MIN, p95Ms: 4 * MIN, series: [2 * MIN, 4 * MIN] } },
      [
        {
          metric: 'success',
          target: 0.99,
          windowMs: 30 * DAY,
          good: 124,
          total: 125,
          budgetLeft: 0.2,
          burn: { long: 0, short: 0 },
          fastBurn: false,
        },
      ],
    );
    const html = reliabilityCell(figures, 0);
    expect(html).toContain('Reliability: 99.2 % success over 30d <svg');
    expect(html).toContain('<th scope="row">7d</th><td>75.0 %</td><td>50.0 % (1 missed)</td>');
    expect(html).toContain('<td>2 min 0 s / 4 min 0 s</td>');
    expect(html).toContain('Success 99 % over 30d: 20 % of the error budget left.');
  });

  it('says when the past is not read yet', () => {
    expect(reliabilityCell(null, 0)).toContain('its runs are being read');
  });
});
