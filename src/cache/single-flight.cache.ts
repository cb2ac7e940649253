interface Entry<V> {
  promise: Promise<V>;
  /** Epoch ms until which a settled result is reused; Infinity while the load is in flight. */
  expiresAt: number;
  /** The loaded value, once the load has succeeded (what `peek` hands out). */
  fulfilled?: { value: V };
}

/**
 * Caches the outcome of an async load per key for a fixed time, failures
 * included, and shares one in-flight load between concurrent callers. Under any
 * load this makes at most one upstream call per key per TTL.
 */
export class SingleFlightCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(private readonly ttlMs: number) {}

  /** Resolves to the cached outcome, or runs `load` once for all callers waiting on `key`. */
  get(key: K, load: () => Promise<V>): { value: Promise<V>; hit: boolean } {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && now < entry.expiresAt) return { value: entry.promise, hit: true };

    const fresh: Entry<V> = { promise: load(), expiresAt: Number.POSITIVE_INFINITY };
    this.entries.set(key, fresh);
    const settle = (): void => {
      // Failures are cached too: an Airflow outage must not turn into a retry storm.
      if (this.entries.get(key) === fresh) fresh.expiresAt = Date.now() + this.ttlMs;
    };
    fresh.promise.then((value) => {
      fresh.fulfilled = { value };
      settle();
    }, settle);
    return { value: fresh.promise, hit: false };
  }

  /**
   * The value of a fresh, successful load of `key`, synchronously; undefined when
   * `get` would have to wait (nothing cached, a load in flight, an expired entry
   * or a cached failure). Never starts a load.
   */
  peek(key: K): V | undefined {
    const entry = this.entries.get(key);
    return entry && Date.now() < entry.expiresAt ? entry.fulfilled?.value : undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}
