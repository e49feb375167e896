import { describe, expect, it } from "vitest";
import { toProgress } from "../../../src/engine/follow/progress.js";
import { progressLine } from "../../../src/report/progress-text.js";
import { activityDetails, decodeHeartbeat } from "../../../src/temporal/describe-details.js";
import { encodePayload } from "../../../src/temporal/payloads.js";
import { msToDuration } from "../../../src/temporal/proto-values.js";

const NOW = Date.parse("2026-01-01T00:00:10Z");

describe("decodeHeartbeat", () => {
  it("a heartbeat sent without details (a null payload, as the SDKs send it) has no details", () => {
    expect(decodeHeartbeat({ payloads: [encodePayload(undefined)] })).toBeUndefined();
    expect(decodeHeartbeat({ payloads: [encodePayload(null)] })).toBeUndefined();
    expect(decodeHeartbeat({ payloads: [] })).toBeUndefined();
    expect(decodeHeartbeat({ payloads: [encodePayload({ done: 1 })] })).toEqual({ value: { done: 1 } });
    expect(decodeHeartbeat({ payloads: [encodePayload(0)] })).toEqual({ value: 0 });
  });

  it("so its progress line prints nothing for the details, never `null`", () => {
    const details = activityDetails({
      runState: 2, // PENDING_ACTIVITY_STATE_STARTED
      attempt: 1,
      lastHeartbeatTime: msToDuration(NOW - 1000),
      heartbeatTimeout: msToDuration(30_000),
      heartbeatDetails: { payloads: [encodePayload(undefined)] },
    });
    const progress = toProgress({
      description: { kind: "activity", id: "r.plain", runId: "x", status: "running", type: "slow", details },
      now: NOW,
    });
    expect(progressLine(progress, { now: NOW, stable: true })?.text ?? "").not.toContain("null");
  });
});
