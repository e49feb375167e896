import { describe, expect, it } from "vitest";
import { Slots } from "../../../src/engine/concurrency-limit.js";
import {
  compensationExecutionId,
  formatRunTimestamp,
  itemExecutionId,
  newRunId,
  stepExecutionId,
} from "../../../src/engine/execution-ids.js";
import { Readiness } from "../../../src/engine/readiness.js";
import { allowedFailures } from "../../../src/engine/tolerated-failures.js";

describe("execution IDs", () => {
  it("formats the run timestamp in UTC as yyyymmddThhmmssZ", () => {
    expect(formatRunTimestamp(new Date("2025-01-02T03:04:05.678Z"))).toBe("20250102T030405Z");
  });

  it("makes run IDs of name, timestamp and 4 random [a-z0-9]", () => {
    const id = newRunId("provision-tenant", new Date("2025-12-31T23:59:59Z"));
    expect(id).toMatch(/^provision-tenant-20251231T235959Z-[a-z0-9]{4}$/);
    expect(newRunId("p", new Date(0), () => 0)).toBe("p-19700101T000000Z-aaaa");
    expect(newRunId("p", new Date(0), () => 0.9999)).toBe("p-19700101T000000Z-9999");
  });

  it("derives step, item and compensation IDs from the run ID", () => {
    expect(stepExecutionId("r-1", "reserve")).toBe("r-1.reserve");
    expect(itemExecutionId("r-1", "notify", 7)).toBe("r-1.notify.7");
    expect(compensationExecutionId("r-1", "createDb")).toBe("r-1.createDb.compensate");
  });
});

describe("toleratedFailures", () => {
  it("tolerates nothing by default", () => {
    expect(allowedFailures(undefined, 100)).toBe(0);
  });
  it("takes a count as written", () => {
    expect(allowedFailures({ count: 3 }, 10)).toBe(3);
    expect(allowedFailures({ count: 0 }, 10)).toBe(0);
  });
  it("rounds a percentage down", () => {
    expect(allowedFailures({ percent: 10 }, 5)).toBe(0);
    expect(allowedFailures({ percent: 10 }, 10)).toBe(1);
    expect(allowedFailures({ percent: 50 }, 5)).toBe(2);
    expect(allowedFailures({ percent: 100 }, 3)).toBe(3);
    expect(allowedFailures({ percent: 0 }, 3)).toBe(0);
    // 0.1 * 30 is 3.0000000000000004 in floating point, and 7% of 100 is 7.000000000000001.
    expect(allowedFailures({ percent: 10 }, 30)).toBe(3);
    expect(allowedFailures({ percent: 7 }, 100)).toBe(7);
    expect(allowedFailures({ percent: 29 }, 100)).toBe(29);
  });
});

describe("Readiness", () => {
  const node = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });

  it("hands out roots first, then dependents when all their dependencies finished", () => {
    const r = new Readiness([node("a"), node("b"), node("c", "a", "b"), node("d", "c")]);
    expect(r.takeReady().map((n) => n.id)).toEqual(["a", "b"]);
    expect(r.takeReady()).toEqual([]);
    r.finish("a");
    expect(r.takeReady()).toEqual([]);
    r.finish("b");
    expect(r.takeReady().map((n) => n.id)).toEqual(["c"]);
    r.finish("c");
    expect(r.takeReady().map((n) => n.id)).toEqual(["d"]);
    expect(r.done).toBe(false);
    r.finish("d");
    expect(r.done).toBe(true);
  });

  it("treats dependencies outside the section as finished and ignores duplicates", () => {
    const r = new Readiness([node("audit", "mainStep"), node("x", "audit", "audit")]);
    expect(r.takeReady().map((n) => n.id)).toEqual(["audit"]);
    r.finish("audit");
    expect(r.takeReady().map((n) => n.id)).toEqual(["x"]);
  });

  it("lists what never started", () => {
    const r = new Readiness([node("a"), node("b", "a"), node("c")]);
    r.takeReady();
    expect(r.neverStarted()).toEqual(["b"]);
  });
});

describe("Slots", () => {
  it("limits holders and hands slots over first in, first out", async () => {
    const slots = new Slots(2);
    expect(await slots.acquire()).toBe(true);
    expect(await slots.acquire()).toBe(true);
    const order: number[] = [];
    const third = slots.acquire().then(() => order.push(3));
    const fourth = slots.acquire().then(() => order.push(4));
    expect(slots.inUse).toBe(2);
    slots.release();
    await third;
    slots.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(slots.inUse).toBe(2);
  });

  it("lets a waiter give up when its signal aborts, without losing the slot", async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    slots.release();
    expect(slots.inUse).toBe(0);
    expect(await slots.acquire(AbortSignal.abort())).toBe(false);
  });
});
