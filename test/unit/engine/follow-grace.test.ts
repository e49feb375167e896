/**
 * Following's cost when nothing is in trouble: the grace from the run's observed latency
 * (usual-latency.ts), the one-timer grace queue (grace-queue.ts) and the Follower on fake time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ExecutionProgress } from "../../../src/engine/events.js";
import { Follower } from "../../../src/engine/follow/follower.js";
import { GraceQueue, type InGrace } from "../../../src/engine/follow/grace-queue.js";
import { toProgress } from "../../../src/engine/follow/progress.js";
import {
  ITEM_GRACE_FLOOR_MS,
  NOT_STARTED_FLOOR_MS,
  SLOW_CAP_MS,
  UsualLatency,
} from "../../../src/engine/follow/usual-latency.js";
import type { ExecutionDescription, TemporalClient } from "../../../src/temporal/types.js";

describe("UsualLatency", () => {
  it("is the floor until something of the group completed, then a few times its p90, within the cap", () => {
    const latency = new UsualLatency();
    expect(latency.slowAfter("a", ITEM_GRACE_FLOOR_MS)).toBe(ITEM_GRACE_FLOOR_MS);
    for (let i = 0; i < 100; i++) latency.record("a", 1_500);
    // 1.5 s is in the bucket up to 2^(43/4) ms (about 1.7 s): three times that, above the 5 s floor.
    const slow = latency.slowAfter("a", ITEM_GRACE_FLOOR_MS);
    expect(slow).toBeGreaterThanOrEqual(3 * 1_500);
    expect(slow).toBeLessThan(3 * 1_500 * 1.2);
    expect(latency.slowAfter("a", 6_000)).toBe(6_000);
    // Another group knows nothing yet (a queue nobody polls completes nothing).
    expect(latency.slowAfter("b", NOT_STARTED_FLOOR_MS)).toBe(NOT_STARTED_FLOOR_MS);
    // A few slow (retried) ones among many do not move the p90.
    for (let i = 0; i < 5; i++) latency.record("a", 60_000);
    expect(latency.slowAfter("a", ITEM_GRACE_FLOOR_MS)).toBe(slow);
    // Many slow ones do, up to the cap.
    for (let i = 0; i < 100; i++) latency.record("a", 60_000);
    expect(latency.slowAfter("a", ITEM_GRACE_FLOOR_MS)).toBe(SLOW_CAP_MS);
  });
});

describe("toProgress: waiting for a worker is trouble from the threshold it is given", () => {
  const scheduled: ExecutionDescription = {
    kind: "activity",
    id: "r.s",
    runId: "x",
    status: "running",
    type: "echo",
    details: { state: "scheduled", attempt: 1 },
  };
  it("5 s of waiting is trouble by the 3 s floor, not on a server whose usual is 10 s", () => {
    const now = 100_000;
    expect(toProgress({ description: scheduled, waitingSinceMs: now - 5_000, now }).trouble).toBe(true);
    expect(
      toProgress({ description: scheduled, waitingSinceMs: now - 5_000, notStartedTroubleMs: 10_000, now }).trouble,
    ).toBe(false);
  });
});

describe("on fake time", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe("GraceQueue", () => {
    interface Entry extends InGrace {
      stopped: boolean;
      name: string;
    }
    it("hands entries over in start order when their queue's grace is over, skips stopped ones, one timer", async () => {
      const due: string[] = [];
      const graces: Record<string, number> = { fast: 1_000, slow: 5_000 };
      const queue = new GraceQueue<Entry>(
        (key) => graces[key] ?? 0,
        (entry) => due.push(entry.name),
        () => Date.now(),
      );
      const t0 = Date.now();
      const add = (name: string, key: string, at: number) => {
        const entry: Entry = { name, queue: key, startedAt: t0 + at, stopped: false };
        queue.add(entry);
        return entry;
      };
      add("s0", "slow", 0);
      add("f0", "fast", 0);
      await vi.advanceTimersByTimeAsync(200);
      const f1 = add("f1", "fast", 200);
      add("f2", "fast", 200);
      expect(vi.getTimerCount()).toBe(1);
      f1.stopped = true;
      queue.forget();
      await vi.advanceTimersByTimeAsync(1_100);
      expect(due).toEqual(["f0", "f2"]);
      // The grace of a queue may change while it waits; the new one counts.
      graces.slow = 3_000;
      await vi.advanceTimersByTimeAsync(1_800);
      expect(due).toEqual(["f0", "f2", "s0"]);
      expect(queue.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it("when every entry waiting is stopped, the timer goes at once", () => {
      const queue = new GraceQueue<Entry>(
        () => 5_000,
        () => {},
        () => Date.now(),
      );
      const entries = Array.from({ length: 3 }, (_, i) => ({
        name: `${i}`,
        queue: "q",
        startedAt: Date.now(),
        stopped: false,
      }));
      for (const entry of entries) queue.add(entry);
      for (const entry of entries) {
        entry.stopped = true;
        queue.forget();
      }
      expect(queue.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe("Follower", () => {
    function client(state: "started" | "scheduled" = "started") {
      const described: string[] = [];
      const fake = {
        activities: {
          describe: async (id: string): Promise<ExecutionDescription> => {
            described.push(id);
            return {
              kind: "activity",
              id,
              runId: "r",
              status: "running",
              type: "echo",
              startTime: new Date(Date.now() - 60_000),
              details: { state, attempt: 1 },
            };
          },
        },
        pollerCount: async () => 1,
      };
      return { described, client: fake as unknown as TemporalClient };
    }
    const item = (id: string, onProgress: (progress: ExecutionProgress) => void = () => {}) => ({
      kind: "activity" as const,
      executionId: id,
      runId: "r",
      taskQueue: "q",
      group: "activity echo on q",
      item: true,
      onProgress,
    });

    it("items that end in their grace cost no describe, no timer and no abort controller", async () => {
      const { described, client: fake } = client();
      const follower = new Follower(fake, { perSecond: 20, now: () => Date.now() });
      const followings = Array.from({ length: 1_000 }, (_, i) => follower.follow(item(`i${i}`)));
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(ITEM_GRACE_FLOOR_MS - 1);
      for (const following of followings) following.completed();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(described).toEqual([]);
      expect(follower.budget.calls).toBe(0);
      expect(follower.inGrace).toBe(0);
    });

    it("with nothing completed, an item is described at the 5 s floor", async () => {
      const { described, client: fake } = client();
      const follower = new Follower(fake, { perSecond: 20, now: () => Date.now() });
      const following = follower.follow(item("slow"));
      await vi.advanceTimersByTimeAsync(ITEM_GRACE_FLOOR_MS - 10);
      expect(described).toEqual([]);
      await vi.advanceTimersByTimeAsync(20);
      expect(described).toEqual(["slow"]);
      following.stop();
    });

    it("after items of its work completed in 4 s, an item is left alone until about three times that", async () => {
      const { described, client: fake } = client();
      const follower = new Follower(fake, { perSecond: 20, now: () => Date.now() });
      const first = Array.from({ length: 20 }, (_, i) => follower.follow(item(`a${i}`)));
      await vi.advanceTimersByTimeAsync(4_000);
      for (const following of first) following.completed();
      const later = follower.follow(item("b"));
      // 4 s is in the bucket up to 4,096 ms: slower than usual from 12,288 ms.
      await vi.advanceTimersByTimeAsync(12_000);
      expect(described).toEqual([]);
      await vi.advanceTimersByTimeAsync(1_300);
      expect(described).toEqual(["b"]);
      later.stop();
      // A step is followed from 1 s whatever the items' usual.
      follower.follow({ ...item("step"), item: false }).stop();
      const step = follower.follow({ ...item("step"), item: false });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(described).toEqual(["b", "step"]);
      step.stop();
    });

    it("a closed step waits for the budget and tries its describe twice; an item only takes what is there", async () => {
      let refusals = 1;
      const described: string[] = [];
      const fake = {
        activities: {
          describe: async (id: string): Promise<ExecutionDescription> => {
            described.push(id);
            if (refusals-- > 0) throw new Error("busy");
            return { kind: "activity", id, runId: "r", status: "completed", type: "echo", details: { attempt: 4 } };
          },
        },
      } as unknown as TemporalClient;
      const follower = new Follower(fake, { perSecond: 1, now: () => Date.now() });
      expect(follower.budget.tryTake()).toBe(true); // the bucket (1 token) is empty now
      expect(
        await follower.describeOnce({ kind: "activity", executionId: "item", runId: "r", item: true }),
      ).toBeUndefined();
      expect(described).toEqual([]);
      const step = follower.describeOnce({ kind: "activity", executionId: "step", runId: "r", item: false });
      await vi.advanceTimersByTimeAsync(3_000);
      // Waited for a token, was refused once, waited for the next token, read attempt 4.
      expect((await step)?.details?.attempt).toBe(4);
      expect(described).toEqual(["step", "step"]);
    });

    it("an item seen in trouble does not count towards the usual", async () => {
      const { described, client: fake } = client("scheduled");
      const follower = new Follower(fake, { perSecond: 20, now: () => Date.now() });
      const progress: boolean[] = [];
      const waiting = follower.follow(item("w", (p) => progress.push(p.trouble)));
      await vi.advanceTimersByTimeAsync(20_000);
      expect(progress).toContain(true);
      waiting.completed();
      // Had its 20 s counted, the next item would wait for three times that (the cap).
      const next = follower.follow(item("n"));
      await vi.advanceTimersByTimeAsync(ITEM_GRACE_FLOOR_MS + 10);
      expect(described.at(-1)).toBe("n");
      next.stop();
    });
  });
});
