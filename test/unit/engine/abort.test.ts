import { afterEach, describe, expect, it, vi } from "vitest";
import { longTimer, onAbort, sleep } from "../../../src/engine/abort.js";

/** Settles pending promise callbacks. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("onAbort", () => {
  it("wakes every waiter still waiting when the signal aborts, and none that was disposed", async () => {
    const controller = new AbortController();
    const woken: number[] = [];
    const waits = Array.from({ length: 5 }, (_, index) => {
      const wait = onAbort(controller.signal);
      void wait.promise.then(() => woken.push(index));
      return wait;
    });
    waits[1]?.dispose();
    waits[3]?.dispose();
    await flush();
    expect(woken).toEqual([]);
    controller.abort();
    await flush();
    expect(woken.sort()).toEqual([0, 2, 4]);
  });

  it("resolves at once for a signal already aborted, and for a waiter added after the abort", async () => {
    const controller = new AbortController();
    const before = onAbort(controller.signal);
    controller.abort();
    await expect(before.promise).resolves.toBeUndefined();
    await expect(onAbort(controller.signal).promise).resolves.toBeUndefined();
  });

  it("puts one listener on the signal however many wait, and a disposed waiter leaves nothing behind", async () => {
    const controller = new AbortController();
    let added = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      return add(...args);
    }) as typeof add;
    for (let i = 0; i < 1000; i++) onAbort(controller.signal).dispose();
    const last = onAbort(controller.signal);
    expect(added).toBe(1);
    controller.abort();
    await expect(last.promise).resolves.toBeUndefined();
  });
});

describe("longTimer and sleep", () => {
  const NODE_MAX_TIMEOUT_MS = 2 ** 31 - 1;

  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits a delay longer than setTimeout keeps (a wait of 600h) instead of firing at once", async () => {
    vi.useFakeTimers();
    const ms = 600 * 3_600_000;
    let fired = false;
    longTimer(() => {
      fired = true;
    }, ms);
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toBe(false);
    await vi.advanceTimersByTimeAsync(NODE_MAX_TIMEOUT_MS);
    expect(fired).toBe(false);
    await vi.advanceTimersByTimeAsync(ms - NODE_MAX_TIMEOUT_MS - 10);
    expect(fired).toBe(true);
  });

  it("stops a long timer, and a sleep of 30 days ends only when its signal aborts", async () => {
    vi.useFakeTimers();
    let fired = false;
    const stop = longTimer(() => {
      fired = true;
    }, 3 * NODE_MAX_TIMEOUT_MS);
    await vi.advanceTimersByTimeAsync(NODE_MAX_TIMEOUT_MS + 5);
    stop();
    await vi.advanceTimersByTimeAsync(3 * NODE_MAX_TIMEOUT_MS);
    expect(fired).toBe(false);

    const controller = new AbortController();
    let slept = false;
    void sleep(30 * 86_400_000, controller.signal).then(() => {
      slept = true;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(slept).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(slept).toBe(true);
  });
});
