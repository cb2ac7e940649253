import { formatSpan } from '../common/time-format.js';
import { windowName } from '../reliability/reliability.dto.js';
import type { Reliability } from '../reliability/reliability.types.js';
import { escapeHtml } from './pages.html.js';

/** Successes the chart draws at most: the newest, enough to see a trend in a row's width. */
const CHART_POINTS = 60;
const CHART_WIDTH = 120;
const CHART_HEIGHT = 24;

const percent = (ratio: number | null): string =>
  ratio === null ? '—' : `${(Math.floor(Math.round(ratio * 1e6) / 1e3) / 10).toFixed(1)} %`;
const span = (ms: number | null): string => (ms === null ? '—' : formatSpan(ms, { most: 2 }));

/**
 * The durations of successful runs as an inline SVG line (oldest left), drawn on the server: no script,
 * no external resource, nothing the page's CSP forbids. Its text alternative says what it shows in words.
 */
export function durationChart(series: readonly number[], id: string): string {
  const points = series.slice(-CHART_POINTS);
  if (points.length < 2) return '';
  const max = Math.max(...points);
  const min = Math.min(...points);
  const x = (i: number) => ((i / (points.length - 1)) * (CHART_WIDTH - 2) + 1).toFixed(1);
  const y = (ms: number) =>
    (max === min ? CHART_HEIGHT / 2 : CHART_HEIGHT - 1 - ((ms - min) / (max - min)) * (CHART_HEIGHT - 2)).toFixed(1);
  const line = points.map((ms, i) => `${x(i)},${y(ms)}`).join(' ');
  const text = `Durations of the last ${points.length} successful runs, oldest first: from ${span(min)} to ${span(max)}, the newest ${span(points.at(-1)!)}.`;
  return (
    `<svg class="chart" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" aria-labelledby="${id}">` +
    `<title id="${id}">${escapeHtml(text)}</title>` +
    `<polyline points="${line}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>`
  );
}

/** A DAG's reliability on /dags: each window's ratios, durations and recovery, its objectives, and the chart. */
export function reliabilityCell(figures: Reliability | null, index: number): string {
  if (figures === null) return '<p class="rel muted">Reliability: its runs are being read.</p>';
  const longest = figures.windows.at(-1);
  const rows = figures.windows
    .map((w) => {
      const name = windowName(w.windowMs);
      const young = w.firstRunAt === null ? '' : ' (since its first run)';
      return (
        `<tr><th scope="row">${name}${young}</th><td>${percent(w.successRatio)}</td><td>${percent(w.onTime.ratio)}${w.onTime.missed > 0 ? ` (${w.onTime.missed} missed)` : ''}</td>` +
        `<td>${span(w.duration.medianMs)} / ${span(w.duration.p95Ms)}</td><td>${span(w.recovery.medianMs)} / ${span(w.recovery.maxMs)}</td><td>${w.failures.count}</td></tr>`
      );
    })
    .join('');
  const trend =
    figures.trend.change === null
      ? ''
      : ` Duration trend: ${figures.trend.change >= 0 ? '+' : ''}${Math.round(figures.trend.change * 100)} % (last 7 days against the 30 before).`;
  const objectives = figures.objectives
    .map(
      (o) =>
        `${o.metric === 'success' ? 'Success' : 'On time'} ${(o.target * 100).toFixed(2).replace(/\.?0+$/, '')} % over ${windowName(o.windowMs)}: ` +
        `${o.budgetLeft === null ? 'no runs yet' : `${Math.round(o.budgetLeft * 100)} % of the error budget left`}${o.fastBurn ? ' — burning fast' : ''}`,
    )
    .join('; ');
  return `<details class="rel"><summary>Reliability: ${escapeHtml(longest === undefined ? '' : `${percent(longest.successRatio)} success over ${windowName(longest.windowMs)}`)}${longest === undefined ? '' : ` ${durationChart(longest.duration.series, `rel-chart-${index}`)}`}</summary>
      <table><thead><tr><th scope="col">Window</th><th scope="col">Success</th><th scope="col">On time</th><th scope="col">Duration median / p95</th><th scope="col">Recovery median / max</th><th scope="col">Failed runs</th></tr></thead><tbody>${rows}</tbody></table>
      ${trend || objectives ? `<p class="muted">${escapeHtml(trend.trim())}${objectives ? ` ${escapeHtml(objectives)}.` : ''}</p>` : ''}
    </details>`;
}
