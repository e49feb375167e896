import { describe, expect, it } from "vitest";
import { parseWaitTarget } from "../../../src/pipeline/duration.js";

describe("parseWaitTarget", () => {
  it("reads a duration or an ISO 8601 time with a zone", () => {
    expect(parseWaitTarget("5m")).toEqual({ durationMs: 300_000 });
    expect(parseWaitTarget("1h30m")).toEqual({ durationMs: 5_400_000 });
    expect(parseWaitTarget("2026-12-01T20:00:00Z")).toEqual({ untilMs: Date.UTC(2026, 11, 1, 20) });
    expect(parseWaitTarget("2026-12-01T21:00:00+01:00")).toEqual({ untilMs: Date.UTC(2026, 11, 1, 20) });
  });

  it("says why anything else is not a wait", () => {
    expect(parseWaitTarget("0s")).toHaveProperty("problem", expect.stringContaining("not a positive duration"));
    expect(parseWaitTarget("2026-12-01T20:00:00")).toHaveProperty("problem", expect.stringContaining("with a zone"));
    expect(parseWaitTarget(300)).toHaveProperty("problem", expect.stringContaining("got 300"));
    expect(parseWaitTarget(null)).toHaveProperty("problem");
  });
});
