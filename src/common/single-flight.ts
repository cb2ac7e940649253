/**
 * Shares one in-flight task between concurrent callers: while a task runs,
 * `run` hands every caller its promise instead of starting another. With
 * `reuseMs`, the settled outcome (a failure too) is handed out for that long
 * after it settles, so that repeated callers cost one task per period.
 */
export class SingleFlight<T> {
  private current: Promise<T> | null = null;
  /** Epoch ms until which `current` is handed out; Infinity while it runs. */
  private reuseUntil = 0;

  constructor(private readonly reuseMs = 0) {}

  /** The running (or still reusable) task's promise, or that of `task` started now. */
  run(task: () => Promise<T>): Promise<T> {
    if (this.current !== null && Date.now() < this.reuseUntil) return this.current;
    const flight = task();
    this.current = flight;
    this.reuseUntil = Number.POSITIVE_INFINITY;
    const settle = (): void => {
      if (this.current === flight) this.reuseUntil = Date.now() + this.reuseMs;
    };
    flight.then(settle, settle);
    return flight;
  }
}
