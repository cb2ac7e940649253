import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { SingleFlight } from './single-flight.js';

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('shares the running task between concurrent callers', async () => {
    const flight = new SingleFlight<number>();
    const task = deferred<number>();
    const start = jest.fn(() => task.promise);
    const callers = [flight.run(start), flight.run(start), flight.run(start)];
    task.resolve(7);
    await expect(Promise.all(callers)).resolves.toEqual([7, 7, 7]);
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('starts afresh once the task has settled, after a failure too', async () => {
    const flight = new SingleFlight<number>();
    await expect(flight.run(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(flight.run(async () => 2)).resolves.toBe(2);
    await expect(flight.run(async () => 3)).resolves.toBe(3);
  });

  it('with a reuse period, hands out the settled outcome until it ends', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000);
    const flight = new SingleFlight<string>(500);
    const start = jest.fn(async () => `call ${start.mock.calls.length}`);
    await expect(flight.run(start)).resolves.toBe('call 1');
    now.mockReturnValue(1_499);
    await expect(flight.run(start)).resolves.toBe('call 1');
    now.mockReturnValue(1_500);
    await expect(flight.run(start)).resolves.toBe('call 2');
    expect(start).toHaveBeenCalledTimes(2);
  });

  it('counts the reuse period from when the task settles, not from when it started', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(0);
    const flight = new SingleFlight<string>(100);
    const task = deferred<string>();
    const first = flight.run(() => task.promise);
    now.mockReturnValue(10_000);
    task.resolve('slow');
    await first;
    now.mockReturnValue(10_099);
    await expect(flight.run(async () => 'fresh')).resolves.toBe('slow');
  });
});
