/**
 * Small promise helpers around AbortSignal whose waiters are always removed: a forEach of ten
 * thousand items must not leave ten thousand listeners (or waiters) on the step's signal.
 */

/**
 * Who waits for each signal's abort. A signal gets one real listener however many wait on it: every
 * forEach item in flight waits on its step's signal, and adding then removing an EventTarget
 * listener per item cost more than the item's own bookkeeping (bench/findings.md, issue 17).
 */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

function waitersOf(signal: AbortSignal): Set<() => void> {
  const known = waiting.get(signal);
  if (known !== undefined) return known;
  const waiters = new Set<() => void>();
  waiting.set(signal, waiters);
  signal.addEventListener(
    "abort",
    () => {
      waiting.delete(signal);
      for (const wake of waiters) wake();
      waiters.clear();
    },
    { once: true },
  );
  return waiters;
}

/** A promise that resolves when `signal` aborts, and `dispose` to drop the waiter if it no longer matters. */
export function onAbort(signal: AbortSignal): { promise: Promise<void>; dispose: () => void } {
  if (signal.aborted) return { promise: Promise.resolve(), dispose: () => {} };
  const waiters = waitersOf(signal);
  let wake: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    wake = resolve;
  });
  waiters.add(wake);
  return { promise, dispose: () => waiters.delete(wake) };
}

/** The longest delay one setTimeout keeps; Node fires a longer one after 1ms instead. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Calls `callback` after `ms`, however long (a wait until next month, a run timeout of 30d), in
 * slices setTimeout keeps; returns what stops it.
 */
export function longTimer(callback: () => void, ms: number): () => void {
  const dueMs = Date.now() + ms;
  let timer: ReturnType<typeof setTimeout>;
  const arm = (left: number) => {
    timer = setTimeout(
      () => {
        const rest = dueMs - Date.now();
        if (rest > 0 && left > MAX_TIMEOUT_MS) arm(rest);
        else callback();
      },
      Math.min(Math.max(0, left), MAX_TIMEOUT_MS),
    );
  };
  arm(ms);
  return () => clearTimeout(timer);
}

/** Waits `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      stop();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const stop = longTimer(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A signal that never aborts, for work that must not be cancelled by the run (compensation, finally). */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
