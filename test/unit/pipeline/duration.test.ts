import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../src/pipeline/duration.js";

describe("formatDuration (the one duration format: elapsed times and configured ones)", () => {
  it.each([
    [0, "0ms"],
    [850, "850ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [12_345, "12.3s"],
    [30_000, "30s"],
    [59_960, "1m"],
    [90_000, "1m30s"],
    [245_000, "4m05s"],
    [300_000, "5m"],
    [3_600_000, "1h"],
    [5_400_000, "1h30m"],
    [7_380_000, "2h03m"],
    [172_800_000, "48h"],
    // Rounded once, from the milliseconds (not from rounded seconds): 195h22m29.5s.
    [703_349_500, "195h22m"],
    [-5, "0ms"],
    [Number.NaN, "0ms"],
  ])("%d ms is %s", (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });

  it("reads back with parseDuration to the precision it shows", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
        const back = parseDuration(formatDuration(ms));
        expect(back).toBeDefined();
        const precision = ms < 1000 ? 1 : ms < 59_950 ? 100 : ms < 3_599_500 ? 1000 : 60_000;
        expect(Math.abs((back ?? 0) - ms)).toBeLessThanOrEqual(precision / 2 + 1);
      }),
      { numRuns: 2000 },
    );
  });
});
