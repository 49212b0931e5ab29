/**
 * limiter runs at most `n` tasks at once, in the order they were queued.
 */

/** Limit runs a task when a slot is free. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** limiter creates a Limit with `n` slots. */
export function limiter(n: number): Limit {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${n}`);
  let active = 0;
  const queue: Array<() => void> = [];
  const next = (): void => {
    active--;
    queue.shift()?.();
  };
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const run = (): void => {
        active++;
        task().then(resolve, reject).finally(next);
      };
      if (active < n) run();
      else queue.push(run);
    });
}
