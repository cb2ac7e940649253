import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { SingleFlightCache } from './single-flight.cache.js';

describe('SingleFlightCache', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('shares one in-flight load between concurrent callers', async () => {
    const cache = new SingleFlightCache<string, number>(1000);
    let calls = 0;
    let release!: (v: number) => void;
    const load = () => {
      calls++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const a = cache.get('k', load);
    const b = cache.get('k', load);
    release(42);
    await expect(a.value).resolves.toBe(42);
    await expect(b.value).resolves.toBe(42);
    expect(calls).toBe(1);
    expect([a.hit, b.hit]).toEqual([false, true]);
  });

  it('reuses a result for the TTL, then loads again', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new SingleFlightCache<string, number>(2000);
    let calls = 0;
    const load = async () => ++calls;
    await cache.get('k', load).value;
    jest.setSystemTime(1_001_999);
    await expect(cache.get('k', load).value).resolves.toBe(1);
    jest.setSystemTime(1_002_001);
    await expect(cache.get('k', load).value).resolves.toBe(2);
  });

  it('caches failures for the TTL too', async () => {
    const cache = new SingleFlightCache<string, number>(60_000);
    let calls = 0;
    const load = async () => {
      calls++;
      throw new Error('down');
    };
    await expect(cache.get('k', load).value).rejects.toThrow('down');
    await expect(cache.get('k', load).value).rejects.toThrow('down');
    expect(calls).toBe(1);
  });

  it('keeps keys apart', async () => {
    const cache = new SingleFlightCache<string, string>(60_000);
    await expect(cache.get('a', async () => 'A').value).resolves.toBe('A');
    await expect(cache.get('b', async () => 'B').value).resolves.toBe('B');
  });

  it('with a TTL of 0 still shares the in-flight load but never reuses a settled one', async () => {
    const cache = new SingleFlightCache<string, number>(0);
    let calls = 0;
    const load = async () => ++calls;
    const [x, y] = [cache.get('k', load), cache.get('k', load)];
    expect(await x.value).toBe(1);
    expect(await y.value).toBe(1);
    await new Promise((r) => setTimeout(r, 2));
    expect(await cache.get('k', load).value).toBe(2);
  });

  it('peeks at a fresh successful value only, and never loads', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new SingleFlightCache<string, number>(2000);
    let release!: (v: number) => void;
    const pending = cache.get('k', () => new Promise<number>((resolve) => (release = resolve)));
    expect(cache.peek('k')).toBeUndefined(); // in flight
    release(7);
    await pending.value;
    expect(cache.peek('k')).toBe(7);
    jest.setSystemTime(1_002_001);
    expect(cache.peek('k')).toBeUndefined(); // expired
    expect(cache.peek('other')).toBeUndefined();
  });

  it('does not peek at a cached failure', async () => {
    const cache = new SingleFlightCache<string, number>(60_000);
    await expect(cache.get('k', async () => Promise.reject(new Error('down'))).value).rejects.toThrow('down');
    expect(cache.peek('k')).toBeUndefined();
    const again = cache.get('k', async () => 1);
    expect(again.hit).toBe(true);
    await expect(again.value).rejects.toThrow('down');
  });
});
