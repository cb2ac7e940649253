import { registerAs } from '@nestjs/config';
import { ConfigValidationError, readDagId, readDagIdList, readEnum, readInt, type Env } from './config.parsers.js';
import { DAG_ID_RULE, isDagId } from './dag-id.rule.js';

/** Which run decides the verdict: the newest one (the seed's rule), or the newest finished one. */
export type VerdictBasis = 'latest' | 'last_finished';

/** MAX_SUCCESS_AGE: how old the last success may be, by default and per DAG (ms; null = no limit). */
export interface MaxSuccessAge {
  readonly defaultMs: number | null;
  readonly perDag: Readonly<Record<string, number | null>>;
}

/** The DAGs the service answers for and how fresh its answers are; other features read TARGET_DAG_ID and the TTL here. */
export interface DagStatusConfig {
  /** TARGET_DAG_ID: the DAG of the status pages and readiness. */
  targetDagId: string;
  allowedDagIds: string[];
  /** STATUS_CACHE_TTL_MS: how long an answer read from Airflow is reused. */
  cacheTtlMs: number;
  maxSuccessAge: MaxSuccessAge;
  verdictBasis: VerdictBasis;
}

const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A year: longer limits are surely a typo (and stay far from Date's range). */
const MAX_DURATION_MS = 366 * 86_400_000;
const DURATION = /^(\d{1,6})([mhd])$/;

function readAge(name: string, text: string): number | null {
  if (text === 'off') return null;
  const match = DURATION.exec(text);
  const ms = match === null ? NaN : Number(match[1]) * DURATION_UNITS_MS[match[2]];
  if (!(ms > 0 && ms <= MAX_DURATION_MS)) {
    throw new ConfigValidationError(
      name,
      `must be a duration such as 90m, 26h or 7d (at most 366d), optionally followed by per-DAG overrides such as ",Airflow_Lab2=90m" or "=off" (got "${text}")`,
    );
  }
  return ms;
}

/**
 * MAX_SUCCESS_AGE: `26h` (every DAG), `26h,Airflow_Lab2=90m` (one DAG differs),
 * `Airflow_Lab2=90m` (only that DAG), `7d,Noisy_DAG=off` (that DAG has no limit).
 */
function readMaxSuccessAge(env: Env, name: string): MaxSuccessAge {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return { defaultMs: null, perDag: {} };
  let defaultMs: number | null = null;
  const perDag: Record<string, number | null> = {};
  const parts = value.split(',').map((part) => part.trim());
  for (const [index, part] of parts.entries()) {
    const eq = part.indexOf('=');
    if (eq === -1) {
      if (index !== 0) throw new ConfigValidationError(name, `may have one default duration, first (got "${value}")`);
      defaultMs = readAge(name, part.toLowerCase());
      continue;
    }
    const dagId = part.slice(0, eq).trim();
    if (!isDagId(dagId)) throw new ConfigValidationError(name, `names an invalid DAG id (${DAG_ID_RULE}): "${dagId}"`);
    if (Object.hasOwn(perDag, dagId)) throw new ConfigValidationError(name, `names ${dagId} twice`);
    perDag[dagId] = readAge(
      name,
      part
        .slice(eq + 1)
        .trim()
        .toLowerCase(),
    );
  }
  return { defaultMs, perDag };
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
    maxSuccessAge: readMaxSuccessAge(env, 'MAX_SUCCESS_AGE'),
    verdictBasis: readEnum(env, 'VERDICT_BASIS', ['latest', 'last_finished'] as const, 'latest'),
  };
}

/** The limit on the age of `dagId`'s last success, in ms, or null when it has none. */
export function maxSuccessAgeOf(config: MaxSuccessAge, dagId: string): number | null {
  return Object.hasOwn(config.perDag, dagId) ? (config.perDag[dagId] ?? null) : config.defaultMs;
}

export default registerAs('dagStatus', () => parseDagStatusConfig(process.env));
