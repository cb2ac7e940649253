import { DAY } from '../common/time-format.js';
import type { ObjectiveFigures, Reliability, WindowFigures } from './reliability.types.js';

/** One window's figures for other features' specs: nothing counted, except what `fields` says. */
function windowFiguresOf(windowMs: number, fields: Partial<WindowFigures> = {}): WindowFigures {
  return {
    windowMs,
    from: 0,
    complete: true,
    firstRunAt: null,
    runs: { finished: 0, succeeded: 0, failed: 0, unfinished: 0, backfills: 0 },
    successRatio: null,
    onTime: { onTime: 0, due: 0, missed: 0, ratio: null },
    recovery: { count: 0, medianMs: null, maxMs: null, failingSince: null },
    duration: { count: 0, medianMs: null, p95Ms: null, series: [] },
    failures: { count: 0, listed: [] },
    ...fields,
  };
}

/** A DAG's figures over 7 and 30 days for other features' specs. */
export function reliabilityFiguresOf(
  week: Partial<WindowFigures> = {},
  month: Partial<WindowFigures> = {},
  objectives: readonly ObjectiveFigures[] = [],
): Reliability {
  return {
    dagId: 'd',
    at: 0,
    revision: 1,
    windows: [windowFiguresOf(7 * DAY, week), windowFiguresOf(30 * DAY, month)],
    trend: { recentMedianMs: null, beforeMedianMs: null, change: null },
    objectives,
    period: { ms: DAY, source: 'schedule' },
  };
}
