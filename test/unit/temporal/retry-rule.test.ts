import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  NotNowRetry,
  notNowReason,
  OUTAGE_LIMIT_MS,
  type ServerTrouble,
} from "../../../src/temporal/retry-rule.js";
import { ResourceExhaustedError, UnavailableError } from "../../../src/temporal/service-errors.js";

const busy = new ResourceExhaustedError(
  "Temporal at h:1 is rate limiting PollActivityExecution: Workflow is busy.",
  status.RESOURCE_EXHAUSTED,
  "PollActivityExecution",
);
const down = new UnavailableError("cannot reach Temporal at h:1 (No connection established)", status.UNAVAILABLE, "X");

describe("notNowReason", () => {
  it("classifies raw grpc-js errors and mapped errors alike, by their code", () => {
    expect(notNowReason({ code: status.UNAVAILABLE, details: "No connection established" })).toBe("unavailable");
    expect(notNowReason({ code: status.RESOURCE_EXHAUSTED, details: "Workflow is busy." })).toBe("busy");
    expect(notNowReason({ code: status.DEADLINE_EXCEEDED, details: "Deadline exceeded" })).toBe("noAnswer");
    expect(notNowReason(busy)).toBe("busy");
    expect(notNowReason(down)).toBe("unavailable");
  });

  it("repeating cannot help: a message over the size limit, a refusal, a bug", () => {
    expect(
      notNowReason({ code: status.RESOURCE_EXHAUSTED, details: "Received message larger than max (2 vs. 1)" }),
    ).toBeUndefined();
    expect(notNowReason({ code: status.NOT_FOUND, details: "not found" })).toBeUndefined();
    expect(notNowReason({ code: status.INVALID_ARGUMENT })).toBeUndefined();
    expect(notNowReason(new Error("bug"))).toBeUndefined();
    expect(notNowReason(undefined)).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("doubles from 200 ms, is capped at 5 s, and is jittered within ±20%", () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((t) => backoffDelay(t, mid))).toEqual([
      200, 400, 800, 1600, 3200, 5000, 5000, 5000,
    ]);
    expect(backoffDelay(0, () => 0)).toBe(160);
    expect(backoffDelay(10, () => 0.999_999)).toBe(6000);
  });
});

/** Fails `error` every `stepMs` until `untilMs`; returns the time it gave up, or undefined. */
function run(retry: NotNowRetry, clock: { now: number }, error: () => unknown, untilMs: number, stepMs = 5_000) {
  while (clock.now < untilMs) {
    if (retry.failed(error()) === undefined) return clock.now;
    clock.now += stepMs;
  }
  return undefined;
}

describe("NotNowRetry", () => {
  it("awaiting a known execution never gives up on busy answers, however long they last", () => {
    const clock = { now: 0 };
    const retry = new NotNowRetry("known", { now: () => clock.now });
    expect(run(retry, clock, () => busy, 3 * OUTAGE_LIMIT_MS)).toBeUndefined();
  });

  it("a known wait gives up only after OUTAGE_LIMIT_MS with no answer at all; a busy answer restarts that clock", () => {
    const clock = { now: 0 };
    const retry = new NotNowRetry("known", { now: () => clock.now });
    expect(run(retry, clock, () => down, OUTAGE_LIMIT_MS - 5_000)).toBeUndefined();
    // The server is back, but busy: it answers, so the outage is over.
    expect(retry.failed(busy)).toBeDefined();
    clock.now += 60_000;
    expect(run(retry, clock, () => down, clock.now + OUTAGE_LIMIT_MS - 5_000)).toBeUndefined();
    const gaveUp = run(retry, clock, () => down, clock.now + 10_000);
    expect(gaveUp).toBeDefined();
  });

  it("the limit counts from when the trouble began, not from the start of the wait (a long activity, then a restart)", () => {
    const clock = { now: 0 };
    const retry = new NotNowRetry("known", { now: () => clock.now });
    retry.answered();
    clock.now = 2 * OUTAGE_LIMIT_MS; // an hour-long activity polled fine until now
    retry.answered();
    expect(retry.failed(down)).toBeDefined();
    const bounded = new NotNowRetry("bounded", { now: () => clock.now });
    expect(bounded.failed(down)).toBeDefined();
  });

  it("a bounded call (a start) gives up after OUTAGE_LIMIT_MS of any trouble, busy included", () => {
    const clock = { now: 0 };
    const retry = new NotNowRetry("bounded", { now: () => clock.now });
    const gaveUp = run(retry, clock, () => busy, 2 * OUTAGE_LIMIT_MS);
    expect(gaveUp).toBe(OUTAGE_LIMIT_MS);
  });

  it("an answer resets the backoff and the clock", () => {
    const clock = { now: 0 };
    const retry = new NotNowRetry("bounded", { now: () => clock.now, random: () => 0.5 });
    expect([retry.failed(down), retry.failed(down), retry.failed(down)]).toEqual([200, 400, 800]);
    clock.now = OUTAGE_LIMIT_MS - 1;
    retry.answered();
    clock.now = OUTAGE_LIMIT_MS + 1;
    expect(retry.failed(down)).toBe(200);
  });

  it("never repeats what cannot change", () => {
    const retry = new NotNowRetry("known");
    expect(retry.failed({ code: status.NOT_FOUND })).toBeUndefined();
    expect(retry.failed(new Error("bug"))).toBeUndefined();
  });

  it("tells the trouble once when it begins, again when its reason changes, and its end", () => {
    const clock = { now: 1_000 };
    const seen: Array<ServerTrouble | undefined> = [];
    const retry = new NotNowRetry("known", { now: () => clock.now, onTrouble: (t) => seen.push(t) });
    retry.answered(); // no trouble yet: nothing to tell
    retry.failed(busy);
    clock.now = 2_000;
    retry.failed(busy);
    retry.failed(busy);
    clock.now = 3_000;
    retry.failed(down);
    retry.answered();
    retry.answered();
    expect(seen).toEqual([
      { reason: "busy", since: new Date(1_000), message: busy.message },
      { reason: "unavailable", since: new Date(1_000), message: down.message },
      undefined,
    ]);
  });
});
