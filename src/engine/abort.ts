/**
 * Small promise helpers around AbortSignal whose listeners are always removed: a forEach of ten
 * thousand items must not leave ten thousand listeners on the step's signal.
 */

/** A promise that resolves when `signal` aborts, and `dispose` to drop the listener if it no longer matters. */
export function onAbort(signal: AbortSignal): { promise: Promise<void>; dispose: () => void } {
  if (signal.aborted) return { promise: Promise.resolve(), dispose: () => {} };
  let listener: (() => void) | undefined;
  const promise = new Promise<void>((resolve) => {
    listener = () => resolve();
    signal.addEventListener("abort", listener, { once: true });
  });
  return {
    promise,
    dispose: () => {
      if (listener) signal.removeEventListener("abort", listener);
    },
  };
}

/** Waits `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A signal that never aborts, for work that must not be cancelled by the run (compensation, finally). */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
