import { DAY, HOUR, MINUTE } from '../common/time-format.js';
import { DAG_ID_RULE, isDagId } from './dag-id.rule.js';

/**
 * Parsers for environment variables. Every failure names the variable, so a
 * bad setting stops the process with a one-line message an operator can act on.
 */
export class ConfigValidationError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigValidationError';
  }
}

export type Env = Record<string, string | undefined>;

/** A value that is set and not blank, or undefined. */
function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

/** Like readString but keeps surrounding spaces, for secrets. */
export function readSecret(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    throw new ConfigValidationError(name, `must be a whole number between ${min} and ${max} (got "${value}")`);
  }
  const parsed = Number(value);
  if (parsed < min || parsed > max) {
    throw new ConfigValidationError(name, `must be between ${min} and ${max} (got ${parsed})`);
  }
  return parsed;
}

export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigValidationError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

/**
 * A URL as it may be printed: whatever could be a user and password (before an '@') replaced.
 * Text-based, since the URL may be too malformed for `new URL` to find its parts.
 */
function withoutCredentials(value: string): string {
  const at = value.lastIndexOf('@');
  if (at === -1) return value;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value)?.[0] ?? '';
  return `${scheme}[REDACTED]${value.slice(at)}`;
}

/** An absolute http(s) URL, returned without a trailing slash. */
export function readHttpUrl(env: Env, name: string, fallback: string): string {
  const value = raw(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigValidationError(name, `must be an http(s) URL such as http://localhost:8080 (got "${withoutCredentials(value)}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // "user:secret@host" parses with "user" as its scheme: name the scheme only when no credentials may follow it.
    const shown = value.includes('@') ? '' : ` (got "${url.protocol.slice(0, -1)}")`;
    throw new ConfigValidationError(name, `must use http or https${shown}`);
  }
  if (url.username || url.password) {
    // Credentials in the URL would end up in logs and error messages.
    throw new ConfigValidationError(name, 'must not carry credentials; use AIRFLOW_USERNAME and AIRFLOW_PASSWORD');
  }
  if (url.search || url.hash) {
    throw new ConfigValidationError(name, 'must not have a query string or fragment');
  }
  return url.toString().replace(/\/+$/, '');
}

export function readDagId(env: Env, name: string, fallback: string): string {
  const value = readString(env, name, fallback);
  if (!isDagId(value)) {
    throw new ConfigValidationError(name, `is not a valid DAG id (${DAG_ID_RULE}): "${value}"`);
  }
  return value;
}

/** A comma-separated list, its items trimmed and the empty ones dropped; undefined when unset. */
export function readList(env: Env, name: string, what: string): string[] | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new ConfigValidationError(name, `must list at least one ${what}`);
  return items;
}

export function readDagIdList(env: Env, name: string, fallback: string[]): string[] {
  const ids = readList(env, name, 'DAG id');
  if (ids === undefined) return fallback;
  for (const id of ids) {
    if (!isDagId(id)) {
      throw new ConfigValidationError(name, `contains an invalid DAG id (${DAG_ID_RULE}): "${id}"`);
    }
  }
  return [...new Set(ids)];
}

/** An IP address or host name to bind to. */
export function readHost(env: Env, name: string, fallback: string): string {
  const value = readString(env, name, fallback);
  if (!/^[A-Za-z0-9.:_-]+$/.test(value)) {
    throw new ConfigValidationError(name, `must be an IP address or host name (got "${value}")`);
  }
  return value;
}

const DURATION_UNITS_MS: Record<string, number> = { m: MINUTE, h: HOUR, d: DAY };
/** A year: longer durations are surely a typo (and stay far from Date's range). */
const MAX_DURATION_MS = 366 * DAY;
const DURATION = /^(\d{1,6})([mhd])$/;

/** A duration such as 90m, 26h or 7d (at most 366d), in ms; undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  const ms = match === null ? NaN : Number(match[1]) * DURATION_UNITS_MS[match[2]];
  return ms > 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** A setting with a value for every DAG and overrides for some, e.g. MAX_SUCCESS_AGE's `26h,Airflow_Lab2=90m`. */
export interface PerDag<T> {
  /** The value of every DAG not overridden. */
  readonly fallback: T;
  readonly perDag: Readonly<Record<string, T>>;
}

/**
 * A per-DAG setting: `<value>` (every DAG), `<value>,Some_DAG=<value>` (one DAG differs), or only
 * overrides, `Some_DAG=<value>` (the others keep `fallback`). `readValue` reads one value (lower-cased)
 * and throws a ConfigValidationError that says what a value must be.
 */
export function readPerDag<T>(env: Env, name: string, fallback: T, readValue: (text: string) => T): PerDag<T> {
  const value = raw(env, name);
  if (value === undefined) return { fallback, perDag: {} };
  let all = fallback;
  const perDag: Record<string, T> = {};
  for (const [index, part] of value
    .split(',')
    .map((item) => item.trim())
    .entries()) {
    const eq = part.indexOf('=');
    if (eq === -1) {
      if (index !== 0) throw new ConfigValidationError(name, `may have one value for every DAG, first (got "${value}")`);
      all = readValue(part.toLowerCase());
      continue;
    }
    const dagId = part.slice(0, eq).trim();
    if (!isDagId(dagId)) throw new ConfigValidationError(name, `names an invalid DAG id (${DAG_ID_RULE}): "${dagId}"`);
    if (Object.hasOwn(perDag, dagId)) throw new ConfigValidationError(name, `names ${dagId} twice`);
    perDag[dagId] = readValue(
      part
        .slice(eq + 1)
        .trim()
        .toLowerCase(),
    );
  }
  return { fallback: all, perDag };
}

/** The value of a per-DAG setting for `dagId`. */
export function perDagValue<T>(setting: PerDag<T>, dagId: string): T {
  return Object.hasOwn(setting.perDag, dagId) ? setting.perDag[dagId] : setting.fallback;
}
