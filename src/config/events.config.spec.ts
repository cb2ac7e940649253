import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { parseEventsConfig } from './events.config.js';

describe('events configuration', () => {
  it('allows 1000 streams and a heartbeat every 15 s by default', () => {
    expect(parseEventsConfig({})).toEqual({ maxStreams: 1000, heartbeatMs: 15_000 });
  });

  it('reads MAX_EVENT_STREAMS and EVENTS_HEARTBEAT_MS', () => {
    expect(parseEventsConfig({ MAX_EVENT_STREAMS: '5', EVENTS_HEARTBEAT_MS: '250' })).toEqual({ maxStreams: 5, heartbeatMs: 250 });
  });

  it.each([
    ['MAX_EVENT_STREAMS', '0'],
    ['MAX_EVENT_STREAMS', 'many'],
    ['MAX_EVENT_STREAMS', '100001'],
    ['EVENTS_HEARTBEAT_MS', '99'],
    ['EVENTS_HEARTBEAT_MS', '1.5'],
  ])('rejects %s=%s naming it', (name, value) => {
    expect(() => parseEventsConfig({ [name]: value })).toThrow(ConfigValidationError);
    expect(() => parseEventsConfig({ [name]: value })).toThrow(name);
  });
});
