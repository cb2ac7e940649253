import { describe, expect, it } from '@jest/globals';
import { EventsRing, type StatusEvent } from './events.ring.js';

const event = (id: number): StatusEvent => ({ id, dagId: 'd', shows: String(id), frame: '' });

describe('EventsRing', () => {
  it('gives the events after a known id, oldest first', () => {
    const ring = new EventsRing(4, 100);
    for (const id of [101, 102, 103]) ring.push(event(id));
    expect(ring.after(101, 103)?.map((e) => e.id)).toEqual([102, 103]);
    expect(ring.after(100, 103)?.map((e) => e.id)).toEqual([101, 102, 103]);
    expect(ring.after(103, 103)).toEqual([]);
  });

  it('forgets the oldest past its capacity, and then cannot resume from before them', () => {
    const ring = new EventsRing(3, 100);
    for (const id of [101, 102, 103, 104, 105]) ring.push(event(id));
    expect(ring.after(102, 105)?.map((e) => e.id)).toEqual([103, 104, 105]);
    expect(ring.after(101, 105)).toBeUndefined();
    expect(ring.after(100, 105)).toBeUndefined();
  });

  it('does not resume from an id never issued', () => {
    const ring = new EventsRing(3, 100);
    ring.push(event(101));
    expect(ring.after(102, 101)).toBeUndefined();
    expect(ring.after(99, 101)).toBeUndefined();
    expect(ring.after(Number.NaN, 101)).toBeUndefined();
  });
});
