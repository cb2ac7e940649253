import { registerAs } from '@nestjs/config';
import { ConfigValidationError, readEnum, readList, readString, type Env } from './config.parsers.js';

/** Who may read the service beyond its probes. Off (everything open, as the seed's API was) unless a credential is set. */
export interface AccessConfig {
  /** ACCESS_TOKENS: bearer tokens, any of which lets a request in (several, so that one can be rotated out). */
  tokens: readonly string[];
  /** ACCESS_TRUSTED_HEADER, lower-cased: a header a trusted reverse proxy sets on the requests it lets through; null when unset. */
  trustedHeader: string | null;
  /** ACCESS_PUBLIC_BADGES: the badges stay open while access control is on. */
  publicBadges: boolean;
}

/** 32 characters of a random source are at least 128 bits even in hex (`openssl rand -hex 16`). */
const MIN_TOKEN_LENGTH = 32;
/** A header line holds at most 16 kB in Node: a longer token could never be sent. */
const MAX_TOKEN_LENGTH = 4096;
/** RFC 6750's b64token: what may follow `Bearer ` in an Authorization header. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Random tokens of 32 hex characters always hold more; "aaaa…", "abab…" and the like do not. */
const MIN_DISTINCT_CHARACTERS = 8;
/** A random token repeats no run this long (odds of ~1e-7 for 32 hex characters); "changeme" × 4 does. */
const REPEATED_RUN = 8;
/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * Headers every client or any proxy sends by itself: a request carrying one proves nothing, so
 * naming one would open the service to everyone.
 */
const UNTRUSTABLE_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'authorization',
  'cache-control',
  'connection',
  'content-length',
  'content-type',
  'cookie',
  'forwarded',
  'host',
  'if-modified-since',
  'if-none-match',
  'last-event-id',
  'origin',
  'pragma',
  'proxy-authorization',
  'referer',
  'te',
  'upgrade',
  'user-agent',
  'via',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
]);

/** Whether some run of REPEATED_RUN characters occurs twice in `token`. */
function repeatsARun(token: string): boolean {
  const seen = new Set<string>();
  for (let i = 0; i + REPEATED_RUN <= token.length; i++) {
    const run = token.slice(i, i + REPEATED_RUN);
    if (seen.has(run)) return true;
    seen.add(run);
  }
  return false;
}

/** Each token of ACCESS_TOKENS, checked; a problem names the token by its position, never by its value. */
function readTokens(env: Env, name: string): string[] {
  const tokens = readList(env, name, 'token (comma-separated)');
  if (tokens === undefined) return [];
  tokens.forEach((token, i) => {
    const which = tokens.length === 1 ? 'its token' : `token ${i + 1} of ${tokens.length}`;
    const make = 'make one with `openssl rand -base64 32`';
    if (token.length < MIN_TOKEN_LENGTH)
      throw new ConfigValidationError(name, `${which} is shorter than ${MIN_TOKEN_LENGTH} characters; ${make}`);
    if (token.length > MAX_TOKEN_LENGTH) throw new ConfigValidationError(name, `${which} is longer than ${MAX_TOKEN_LENGTH} characters`);
    if (!BEARER_TOKEN.test(token)) {
      throw new ConfigValidationError(
        name,
        `${which} holds characters a bearer token cannot (letters, digits, - . _ ~ + / and trailing =)`,
      );
    }
    if (new Set(token).size < MIN_DISTINCT_CHARACTERS || repeatsARun(token)) {
      throw new ConfigValidationError(name, `${which} is too weak (repeated characters or a repeated pattern); ${make}`);
    }
  });
  return [...new Set(tokens)];
}

function readTrustedHeader(env: Env, name: string): string | null {
  const value = readString(env, name, '');
  if (value === '') return null;
  if (!HEADER_NAME.test(value))
    throw new ConfigValidationError(name, `must be an HTTP header name such as X-Forwarded-User (got "${value}")`);
  const header = value.toLowerCase();
  if (UNTRUSTABLE_HEADERS.has(header) || header.startsWith('sec-')) {
    throw new ConfigValidationError(name, `must name a header only your proxy sets, not one clients or any proxy send (got "${value}")`);
  }
  return header;
}

export function parseAccessConfig(env: Env): AccessConfig {
  return {
    tokens: readTokens(env, 'ACCESS_TOKENS'),
    trustedHeader: readTrustedHeader(env, 'ACCESS_TRUSTED_HEADER'),
    publicBadges: readEnum(env, 'ACCESS_PUBLIC_BADGES', ['true', 'false'], 'false') === 'true',
  };
}

export default registerAs('access', () => parseAccessConfig(process.env));
