import { registerAs } from '@nestjs/config';
import { readInt, type Env } from './config.parsers.js';

/** The live updates (`GET /api/events`). */
export interface EventsConfig {
  /** Event streams open at once at most (MAX_EVENT_STREAMS); beyond it a 503. */
  maxStreams: number;
  /** How often an idle stream gets a comment (EVENTS_HEARTBEAT_MS). */
  heartbeatMs: number;
}

export function parseEventsConfig(env: Env): EventsConfig {
  return {
    // What the bench's fan-out row holds within its bounds (BENCHMARKS.md).
    maxStreams: readInt(env, 'MAX_EVENT_STREAMS', 1000, 1, 100_000),
    // 15 s keeps a stream alive through proxies that drop connections idle for 30-60 s.
    heartbeatMs: readInt(env, 'EVENTS_HEARTBEAT_MS', 15_000, 100, 300_000),
  };
}

export default registerAs('events', () => parseEventsConfig(process.env));
