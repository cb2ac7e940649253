import { registerAs } from '@nestjs/config';
import { readStatusCacheTtlMs, type Env } from './config.parsers.js';

export interface HttpConfig {
  /** The Retry-After of a 503 answer, in seconds. */
  retryAfterSeconds: number;
}

export function parseHttpConfig(env: Env): HttpConfig {
  return {
    // Answers are reused for the status TTL: asking again sooner cannot bring news (at least 1 s, as the header counts whole seconds).
    retryAfterSeconds: Math.max(1, Math.ceil(readStatusCacheTtlMs(env) / 1000)),
  };
}

export default registerAs('http', () => parseHttpConfig(process.env));
