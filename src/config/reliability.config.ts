import { registerAs } from '@nestjs/config';
import { ConfigValidationError, parseDuration, readList, type Env } from './config.parsers.js';

/** How reliable each pipeline is (issue 20): the windows its figures cover. */
export interface ReliabilityConfig {
  /** RELIABILITY_WINDOWS: the windows (ms), shortest first; the mirror keeps each DAG's runs over the longest. */
  windows: readonly number[];
}

/** What the mirror may keep per DAG: 90 days of hourly runs is ~2,200 runs. */
const MAX_WINDOW_MS = 90 * 86_400_000;
const MIN_WINDOW_MS = 3_600_000;

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
  return { windows: [...new Set(windows)].sort((a, b) => a - b) };
}

export default registerAs('reliability', () => parseReliabilityConfig(process.env));
