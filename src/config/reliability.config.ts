import { registerAs } from '@nestjs/config';
import { DAY, HOUR } from '../common/time-format.js';
import { ConfigValidationError, parseDuration, readList, readPerDag, type Env, type PerDag } from './config.parsers.js';

/** One objective: a share of good events (successful finished runs, or scheduled runs on time) over a window. */
export interface ReliabilityObjective {
  readonly metric: 'success' | 'on_time';
  /** Above 0 and below 1: 0.99 for 99 %. */
  readonly target: number;
  /** One of the windows (ms). */
  readonly windowMs: number;
}

/** How reliable each pipeline is (issue 20): the windows its figures cover and the objectives set. */
export interface ReliabilityConfig {
  /** RELIABILITY_WINDOWS: the windows (ms), shortest first; the mirror keeps each DAG's runs over the longest. */
  windows: readonly number[];
  /** RELIABILITY_OBJECTIVE: each DAG's objectives, none by default. */
  objectives: PerDag<readonly ReliabilityObjective[]>;
  /** What the mirror keeps of each DAG (ms): the longest window, and at least the trend's two spans. */
  keepMs: number;
}

/** The duration trend compares the newest week against the 30 days before it. */
export const TREND_RECENT_MS = 7 * DAY;
export const TREND_BEFORE_MS = 30 * DAY;

/** `success:99%/30d` or `on_time:95.5%/7d`: a metric, a percentage (two decimals at most) and a window. */
const OBJECTIVE = /^(success|on_time):(\d{1,2}(?:\.\d{1,2})?)%\/(\w+)$/;

/**
 * A DAG's objectives: `off`, or one or more objectives joined by `+` (commas already separate DAGs in
 * the per-DAG syntax), each over one of the windows, so that the figures it is judged by are shown.
 */
function objectivesReader(windows: readonly number[]): (text: string) => readonly ReliabilityObjective[] {
  return (text) => {
    if (text === 'off') return [];
    return text.split('+').map((part) => {
      const match = OBJECTIVE.exec(part.trim());
      const percent = match === null ? NaN : Number(match[2]);
      const windowMs = match === null ? undefined : parseDuration(match[3]);
      if (match === null || !(percent > 0 && percent < 100) || windowMs === undefined || !windows.includes(windowMs)) {
        throw new ConfigValidationError(
          'RELIABILITY_OBJECTIVE',
          `must be objectives such as success:99%/30d or on_time:95%/7d (a percentage above 0 and below 100, a window of RELIABILITY_WINDOWS), joined by "+", or off, optionally followed by per-DAG overrides such as ",Nightly=success:95%/7d" (got "${part}")`,
        );
      }
      return { metric: match[1] as ReliabilityObjective['metric'], target: percent / 100, windowMs };
    });
  };
}

/** What the mirror may keep per DAG: 90 days of hourly runs is ~2,200 runs. */
const MAX_WINDOW_MS = 90 * DAY;
const MIN_WINDOW_MS = HOUR;

export function parseReliabilityConfig(env: Env): ReliabilityConfig {
  // 7 and 30 days: the week a team looks back on and the month objectives are usually set over.
  const texts = readList(env, 'RELIABILITY_WINDOWS', 'window') ?? ['7d', '30d'];
  const windows = texts.map((text) => {
    const ms = parseDuration(text.toLowerCase());
    if (ms === undefined || ms < MIN_WINDOW_MS || ms > MAX_WINDOW_MS) {
      throw new ConfigValidationError('RELIABILITY_WINDOWS', `must list durations from 1h to 90d such as 7d,30d (got "${text}")`);
    }
    return ms;
  });
  const sorted = [...new Set(windows)].sort((a, b) => a - b);
  // Off by default: an objective is a team's promise, not the service's to make.
  return {
    windows: sorted,
    objectives: readPerDag(env, 'RELIABILITY_OBJECTIVE', [], objectivesReader(sorted)),
    keepMs: Math.max(sorted[sorted.length - 1], TREND_RECENT_MS + TREND_BEFORE_MS),
  };
}

export default registerAs('reliability', () => parseReliabilityConfig(process.env));
