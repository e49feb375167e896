/** The bounded fan-out of the ops commands (src/base/each-at-most.ts). */
import { describe, expect, it } from "vitest";
import { eachAtMost } from "../../../src/base/each-at-most.js";

describe("eachAtMost", () => {
  it("calls each item once with its index, never more than the limit at once, starting in list order", async () => {
    const items = Array.from({ length: 20 }, (_, i) => `x${i}`);
    const started: number[] = [];
    const seen: string[] = [];
    let inFlight = 0;
    let most = 0;
    await eachAtMost(items, 3, async (item, index) => {
      started.push(index);
      seen[index] = item;
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, (index * 7) % 5));
      inFlight--;
    });
    expect(started).toEqual([...started].sort((a, b) => a - b));
    expect(seen).toEqual(items);
    expect(most).toBe(3);
  });

  it("does nothing for an empty list, and rejects when a call throws", async () => {
    let calls = 0;
    await eachAtMost([], 8, async () => {
      calls++;
    });
    expect(calls).toBe(0);
    await expect(
      eachAtMost([1, 2], 8, async (n) => {
        if (n === 2) throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
  });
});
