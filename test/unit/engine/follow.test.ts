/** Following executions: the describe budget, and a Describe answer as progress (pure parts). */
import { describe, expect, it } from "vitest";
import { DescribeBudget } from "../../../src/engine/follow/describe-budget.js";
import { toProgress } from "../../../src/engine/follow/progress.js";
import { heartbeatDetailsText, progressLine } from "../../../src/report/progress-text.js";
import type { ExecutionDescription } from "../../../src/temporal/types.js";

const NOW = Date.parse("2026-01-01T00:00:10Z");
const description = (
  details: ExecutionDescription["details"],
  extra: Partial<ExecutionDescription> = {},
): ExecutionDescription => ({
  kind: "activity",
  id: "r.s",
  runId: "x",
  status: "running",
  type: "fail",
  details,
  ...extra,
});

describe("DescribeBudget", () => {
  it("gives at most its rate per second, and items only while the bucket is over half full", () => {
    let now = 0;
    const budget = new DescribeBudget(10, () => now);
    let items = 0;
    while (budget.tryTake(5)) items++;
    expect(items).toBe(5); // half the burst stays for steps
    let steps = 0;
    while (budget.tryTake()) steps++;
    expect(steps).toBe(5);
    now += 1000;
    let after = 0;
    while (budget.tryTake()) after++;
    expect(after).toBe(10);
    expect(budget.calls).toBe(20);
  });
});

describe("toProgress", () => {
  it("a retry: attempt, bound, last failure, next attempt; in trouble", () => {
    const progress = toProgress({
      description: description(
        { state: "scheduled", attempt: 3, maximumAttempts: 5, nextAttemptTime: new Date(NOW + 3000) },
        { lastFailure: { message: "boom", type: "FlakyFailure", nonRetryable: false } },
      ),
      now: NOW,
    });
    expect(progress).toMatchObject({
      state: "scheduled",
      attempt: 3,
      maximumAttempts: 5,
      lastFailure: { message: "boom", type: "FlakyFailure" },
      nextAttemptAt: new Date(NOW + 3000).toISOString(),
      trouble: true,
    });
    expect(progressLine(progress, { now: NOW })?.text).toBe(
      "attempt 2 of 5 failed: FlakyFailure (retryable): boom · retrying in 3 s",
    );
  });

  it("a healthy heartbeating activity is not in trouble; one past most of its heartbeat timeout is late", () => {
    const healthy = toProgress({
      description: description({
        state: "started",
        attempt: 1,
        heartbeatTimeout: 10_000,
        lastHeartbeatTime: new Date(NOW - 2000),
        heartbeat: { value: { done: 3, total: 4 } },
        lastWorkerIdentity: "1@w",
      }),
      now: NOW,
    });
    expect(healthy.trouble).toBe(false);
    expect(progressLine(healthy, { now: NOW })?.text).toBe("3/4 (75%) · on worker 1@w");
    const late = toProgress({
      description: description({
        state: "started",
        attempt: 1,
        heartbeatTimeout: 20_000,
        lastHeartbeatTime: new Date(NOW - 19_000),
        heartbeat: { undecodableBytes: 7 },
      }),
      now: NOW,
    });
    expect(late).toMatchObject({ trouble: true, heartbeat: { late: true, undecodableBytes: 7 } });
    expect(progressLine(late, { now: NOW })?.text).toBe("(7 bytes, not JSON) · no heartbeat for 19 s (timeout 20 s)");
  });

  it("a heartbeat gap the SDKs' throttle makes (0.8 of the timeout, and the way to the server) is not late", () => {
    const at = (gapMs: number) =>
      toProgress({
        description: description({
          state: "started",
          attempt: 1,
          heartbeatTimeout: 5000,
          lastHeartbeatTime: new Date(NOW - gapMs),
        }),
        now: NOW,
      });
    // A worker heartbeating every second under a 5 s timeout reaches the server every 4 s.
    expect(at(4000).heartbeat?.late).toBeUndefined();
    expect(at(4400).heartbeat?.late).toBeUndefined();
    expect(at(4600)).toMatchObject({ trouble: true, heartbeat: { late: true } });
  });

  it("a started attempt drops the previous backoff's time; waiting and no poller", () => {
    const started = toProgress({
      description: description({ state: "started", attempt: 2, nextAttemptTime: new Date(NOW - 500) }),
      now: NOW,
    });
    expect(started.nextAttemptAt).toBeUndefined();
    const waiting = toProgress({
      description: description({ state: "scheduled", attempt: 1 }),
      taskQueue: "orders",
      waitingSinceMs: NOW - 1000,
      now: NOW,
    });
    expect(waiting.trouble).toBe(false);
    expect(progressLine(waiting, { now: NOW })?.text).toBe("waiting for a worker on orders (1 s)");
    const nobody = toProgress({
      description: description({ state: "scheduled", attempt: 1 }),
      taskQueue: "orders",
      waitingSinceMs: NOW - 1000,
      noPoller: true,
      now: NOW,
    });
    expect(nobody.trouble).toBe(true);
    expect(progressLine(nobody, { now: NOW })).toEqual({ text: "no worker is polling task queue orders", tone: "bad" });
  });

  it("Nexus: blocked with its reason, started async with its token, the cancel request's delivery", () => {
    const progress = toProgress({
      description: description(
        {
          state: "blocked",
          attempt: 2,
          blockedReason: "circuit breaker open",
          operationToken: "tok-123",
          cancellation: {
            state: "backingOff",
            attempt: 2,
            lastFailure: { message: "handler busy", type: "UNAVAILABLE" },
          },
        },
        { kind: "nexus" },
      ),
      now: NOW,
    });
    expect(progressLine(progress, { now: NOW })?.text).toBe(
      "attempt 2 · blocked: circuit breaker open · started async (token tok-123) · cancel request backingOff attempt 2: UNAVAILABLE: handler busy",
    );
  });
});

describe("heartbeatDetailsText", () => {
  it("numbers, { done, total }, percentages, anything else as one line of JSON", () => {
    expect(heartbeatDetailsText(42)).toBe("progress 42");
    expect(heartbeatDetailsText({ done: 1, total: 3 })).toBe("1/3 (33%)");
    expect(heartbeatDetailsText({ percent: 12.5 })).toBe("12.5%");
    expect(heartbeatDetailsText({ stage: "copy", file: "a\u001b[2Jb" })).toBe('{"stage":"copy","file":"a\\u001b[2Jb"}');
  });
});

describe("progressLine: the server refusing the await", () => {
  it("says what the server said and since when nxrun has been waiting", () => {
    const line = progressLine(
      {
        server: {
          state: "busy",
          since: "2026-12-01T21:00:03.000Z",
          message: "Temporal at h:1 is rate limiting PollActivityExecution: Workflow is busy.\u001b[2J",
        },
        trouble: true,
      },
      { now: NOW },
    );
    expect(line).toEqual({
      text: "server busy since 21:00:03, still waiting: Temporal at h:1 is rate limiting PollActivityExecution: Workflow is busy.\\u001b[2J",
      tone: "warn",
    });
    expect(
      progressLine({ server: { state: "noAnswer", since: "2026-12-01T21:00:03.000Z" }, trouble: true }, { now: NOW })
        ?.text,
    ).toBe("no answer from the server since 21:00:03, still waiting");
  });
});
