import { describe, expect, it } from "vitest";
import { countdown, describeRepeat } from "../../../src/report/format.js";

describe("repeat progress text", () => {
  const now = Date.parse("2026-12-01T20:00:00Z");
  it("says the check, the limit, when the next one starts and the last output", () => {
    expect(
      describeRepeat({ attempt: 3, limit: 20, nextAt: "2026-12-01T20:00:25Z", lastOutput: { healthy: false } }, now),
    ).toBe('check 3/20, next in 25 s, last output {"healthy":false}');
    expect(describeRepeat({ attempt: 1 }, now)).toBe("check 1");
  });

  it("never lets a worker's output drive the terminal", () => {
    expect(describeRepeat({ attempt: 1, lastOutput: "\u009b2J" }, now)).not.toContain("\u009b");
  });

  it("counts down in seconds under a minute", () => {
    expect(countdown("2026-12-01T20:00:01.400Z", now)).toBe("2 s");
    expect(countdown("2026-12-01T20:04:05Z", now)).toBe("4m05s");
    expect(countdown("2026-12-01T19:00:00Z", now)).toBe("0 s");
  });

  it("shows a wait under a second as the tenths it really is, never as 1 s", () => {
    expect(countdown("2026-12-01T20:00:00.300Z", now)).toBe("0.3 s");
    expect(countdown("2026-12-01T20:00:00.298Z", now)).toBe("0.3 s");
    expect(countdown("2026-12-01T20:00:00.040Z", now)).toBe("0.1 s");
    expect(countdown("2026-12-01T20:00:00.950Z", now)).toBe("1 s");
    expect(countdown("2026-12-01T20:00:01Z", now)).toBe("1 s");
    expect(describeRepeat({ attempt: 1, limit: 5, nextAt: "2026-12-01T20:00:00.300Z" }, now)).toBe(
      "check 1/5, next in 0.3 s",
    );
  });
});
