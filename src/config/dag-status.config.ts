import { registerAs } from '@nestjs/config';
import {
  ConfigValidationError,
  parseDuration,
  perDagValue,
  readDagId,
  readDagIdList,
  readEnum,
  readInt,
  readPerDag,
  type Env,
  type PerDag,
} from './config.parsers.js';

/** Which run decides the verdict: the newest one (the seed's rule), or the newest finished one. */
export type VerdictBasis = 'latest' | 'last_finished';

/** MAX_SUCCESS_AGE: how old the last success may be, by default and per DAG (ms; null = no limit). */
export type MaxSuccessAge = PerDag<number | null>;

/** The DAGs the service answers for and how they are judged; other features read TARGET_DAG_ID and the TTL here. */
export interface DagStatusConfig {
  /** TARGET_DAG_ID: the DAG of the status pages and readiness. */
  targetDagId: string;
  allowedDagIds: string[];
  /** STATUS_CACHE_TTL_MS: how long an answer read from Airflow is reused. */
  cacheTtlMs: number;
  maxSuccessAge: MaxSuccessAge;
  verdictBasis: VerdictBasis;
  /** OVERDUE_GRACE: how long past its due time a DAG's next scheduled run may be missing (ms; null = never overdue). */
  overdueGrace: PerDag<number | null>;
  /** PAUSED_IS_FAILURE: whether a paused DAG is not a success (`paused`). */
  pausedIsFailure: PerDag<boolean>;
  /** RUNNING_LONG_FACTOR: how many times its usual duration a run may take (null = never `running_long`). */
  runningLongFactor: PerDag<number | null>;
}

const FACTOR = /^\d{1,3}(?:\.\d{1,2})?$/;

/** A duration such as 90m, 26h or 7d, or `off` (null). */
function durationReader(name: string): (text: string) => number | null {
  return (text) => {
    if (text === 'off') return null;
    const ms = parseDuration(text);
    if (ms === undefined) {
      throw new ConfigValidationError(
        name,
        `must be a duration such as 90m, 26h or 7d (at most 366d), optionally followed by per-DAG overrides such as ",Airflow_Lab2=90m" or "=off" (got "${text}")`,
      );
    }
    return ms;
  };
}

/** `true` or `false`. */
function booleanReader(name: string): (text: string) => boolean {
  return (text) => {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new ConfigValidationError(
      name,
      `must be true or false, optionally followed by per-DAG overrides such as ",Seasonal_DAG=false" (got "${text}")`,
    );
  };
}

/** A factor above 1 and at most 100 (two decimals at most), or `off` (null). */
function factorReader(name: string): (text: string) => number | null {
  return (text) => {
    if (text === 'off') return null;
    const factor = FACTOR.test(text) ? Number(text) : NaN;
    if (!(factor > 1 && factor <= 100)) {
      throw new ConfigValidationError(
        name,
        `must be a number above 1 and at most 100 such as 3 or 2.5, or off, optionally followed by per-DAG overrides such as ",Flaky_DAG=5" (got "${text}")`,
      );
    }
    return factor;
  };
}

export function parseDagStatusConfig(env: Env): DagStatusConfig {
  const targetDagId = readDagId(env, 'TARGET_DAG_ID', 'Airflow_Lab2');
  const allowed = readDagIdList(env, 'ALLOWED_DAG_IDS', [targetDagId]);
  // 2 s keeps pages fresh for people while capping Airflow at one call per DAG per 2 s under any load.
  const cacheTtlMs = readInt(env, 'STATUS_CACHE_TTL_MS', 2000, 0, 3_600_000);
  return {
    targetDagId,
    // The target is always readable, whatever the list says: the pages depend on it.
    allowedDagIds: allowed.includes(targetDagId) ? allowed : [targetDagId, ...allowed],
    cacheTtlMs,
    // `26h` (every DAG), `26h,Airflow_Lab2=90m` (one differs), `Airflow_Lab2=90m` (only that one), `7d,Noisy=off`.
    maxSuccessAge: readPerDag(env, 'MAX_SUCCESS_AGE', null, durationReader('MAX_SUCCESS_AGE')),
    verdictBasis: readEnum(env, 'VERDICT_BASIS', ['latest', 'last_finished'] as const, 'latest'),
    // Ten minutes: a scheduler creates a due run within seconds, a loaded one within a minute or two.
    overdueGrace: readPerDag(env, 'OVERDUE_GRACE', 10 * 60_000, durationReader('OVERDUE_GRACE')),
    // A paused DAG runs nothing: the silent stop issue 18 is about. Teams that pause on purpose say so per DAG.
    pausedIsFailure: readPerDag(env, 'PAUSED_IS_FAILURE', true, booleanReader('PAUSED_IS_FAILURE')),
    // Three times the 90th percentile of recent successes: far outside a DAG's usual spread, rarely a false alarm.
    runningLongFactor: readPerDag(env, 'RUNNING_LONG_FACTOR', 3, factorReader('RUNNING_LONG_FACTOR')),
  };
}

/** The limit on the age of `dagId`'s last success, in ms, or null when it has none. */
export function maxSuccessAgeOf(config: MaxSuccessAge, dagId: string): number | null {
  return perDagValue(config, dagId);
}

export default registerAs('dagStatus', () => parseDagStatusConfig(process.env));
