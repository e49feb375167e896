/** Standalone activities through nxrun's client layer, on the real dev server with the real test worker. */
import { afterAll, describe, expect, it } from "vitest";
import { AlreadyStartedError, NotFoundError } from "../../../src/temporal/service-errors.js";
import type { Outcome } from "../../../src/temporal/types.js";
import { activityStatus, handlerRecord, stack, uniqueId, waitFor } from "../../support/e2e/harness.js";
import { countingClient } from "../../support/e2e/temporal-client.js";

const { client, calls } = countingClient();
afterAll(() => client.close());
const activities = client.activities;
const base = () => ({ taskQueue: stack().taskQueue, startToClose: 30_000 });

function failureOf(outcome: Outcome) {
  if (outcome.status === "completed") throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.failure;
}

describe.concurrent("standalone activities", () => {
  it("start and await a result", async () => {
    const id = uniqueId("echo");
    const started = await activities.start({
      ...base(),
      id,
      activityType: "echo",
      args: [{ hello: "world", n: [1, 2] }],
    });
    expect(started.started).toBe(true);
    expect(started.runId).toMatch(/\S/);
    expect(await activities.awaitOutcome(id, started.runId)).toEqual({
      status: "completed",
      result: { hello: "world", n: [1, 2] },
    });
    expect(await activityStatus(id)).toBe("COMPLETED");
  });

  it("passes several positional arguments, and binary data both ways", async () => {
    const id = uniqueId("args");
    await activities.start({ ...base(), id, activityType: "collectArgs", args: [1, "two", null, { four: 4 }] });
    expect(await activities.awaitOutcome(id, undefined)).toEqual({
      status: "completed",
      result: [1, "two", null, { four: 4 }],
    });
    // Bytes go out as binary/plain; the worker's SDK echoes them back as binary/plain; nxrun shows base64.
    const bin = uniqueId("binary");
    await activities.start({ ...base(), id: bin, activityType: "echo", args: [new Uint8Array([1, 2, 3])] });
    expect(await activities.awaitOutcome(bin, undefined)).toEqual({ status: "completed", result: "AQID" });
  });

  it("gets a result that arrives after several long polls", async () => {
    const id = uniqueId("longpoll");
    const before = calls.get("PollActivityExecution") ?? 0;
    // The server's long poll is 2s (test/support/e2e/global-setup.ts); 7s of work needs at least 3 polls.
    await activities.start({ ...base(), id, activityType: "sleepFor", args: [{ ms: 7000 }] });
    expect(await activities.awaitOutcome(id, undefined)).toEqual({ status: "completed", result: { slept: 7000 } });
    expect((calls.get("PollActivityExecution") ?? 0) - before).toBeGreaterThanOrEqual(3);
  });

  it("returns a failure with its cause chain", async () => {
    const id = uniqueId("fail");
    await activities.start({
      ...base(),
      id,
      activityType: "fail",
      args: [{ message: "card declined", type: "PaymentDeclined", nonRetryable: true }],
    });
    const outcome = await activities.awaitOutcome(id, undefined);
    expect(outcome.status).toBe("failed");
    expect(failureOf(outcome)).toMatchObject({
      message: "card declined",
      kind: "application",
      type: "PaymentDeclined",
      nonRetryable: true,
      cause: { message: "disk quota exceeded", type: "QuotaError", nonRetryable: true },
    });
    expect(await activityStatus(id)).toBe("FAILED");
  });

  it("retries a retryable failure up to the policy's attempts, but not a non-retryable one", async () => {
    const retryable = uniqueId("retryable");
    const fatal = uniqueId("fatal");
    const retry = { initialInterval: 100, backoffCoefficient: 1, maximumAttempts: 3 };
    await activities.start({ ...base(), id: retryable, activityType: "fail", args: [{ recordKey: retryable }], retry });
    await activities.start({
      ...base(),
      id: fatal,
      activityType: "fail",
      args: [{ recordKey: fatal, nonRetryable: true }],
      retry,
    });
    const [r, f] = await Promise.all([
      activities.awaitOutcome(retryable, undefined),
      activities.awaitOutcome(fatal, undefined),
    ]);
    expect(failureOf(r)).toMatchObject({ type: "TestFailure", nonRetryable: false });
    expect(failureOf(f)).toMatchObject({ type: "TestFailure", nonRetryable: true });
    expect(handlerRecord(retryable).map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(handlerRecord(fatal).map((e) => e.attempt)).toEqual([1]);
    expect((await activities.describe(retryable)).attempt).toBe(3);
  });

  it("ends timedOut at the schedule-to-close timeout", async () => {
    const id = uniqueId("timeout");
    await activities.start({
      id,
      taskQueue: stack().taskQueue,
      activityType: "sleepFor",
      args: [{ ms: 10_000 }],
      scheduleToClose: 1500,
    });
    const outcome = await activities.awaitOutcome(id, undefined);
    expect(outcome.status).toBe("timedOut");
    expect(failureOf(outcome)).toMatchObject({ kind: "timeout", timeoutType: "SCHEDULE_TO_CLOSE" });
    expect(await activityStatus(id)).toBe("TIMED_OUT");
  });

  it("cancels: the heartbeating activity sees it and the outcome is canceled", async () => {
    const id = uniqueId("cancel");
    await activities.start({
      ...base(),
      id,
      activityType: "slow",
      args: [{ recordKey: id, heartbeatMs: 100 }],
      heartbeat: 5000,
    });
    await waitFor("the activity to start", () => handlerRecord(id).some((e) => e.event === "started"));
    await activities.requestCancel(id, undefined, "e2e cancel");
    expect((await activities.describe(id)).cancelRequested).toBe(true);
    const outcome = await activities.awaitOutcome(id, undefined);
    expect(outcome.status).toBe("canceled");
    expect(failureOf(outcome).kind).toBe("canceled");
    expect(await activityStatus(id)).toBe("CANCELED");
    expect(handlerRecord(id).map((e) => e.event)).toContain("canceled");
  });

  it("terminates: the outcome is terminated with the reason", async () => {
    const id = uniqueId("terminate");
    await activities.start({ ...base(), id, activityType: "slow", args: [{ recordKey: id }], heartbeat: 5000 });
    await waitFor("the activity to start", () => handlerRecord(id).some((e) => e.event === "started"));
    await activities.terminate(id, undefined, "e2e terminate");
    const outcome = await activities.awaitOutcome(id, undefined);
    expect(outcome.status).toBe("terminated");
    expect(failureOf(outcome)).toMatchObject({ kind: "terminated", message: "e2e terminate" });
    expect(await activityStatus(id)).toBe("TERMINATED");
  });

  it("ID conflict: fail names the running execution's run; useExisting returns it", async () => {
    const id = uniqueId("conflict");
    const first = await activities.start({ ...base(), id, activityType: "sleepFor", args: [{ ms: 3000 }] });
    const error = await activities
      .start({ ...base(), id, activityType: "sleepFor", args: [{ ms: 1 }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect((error as AlreadyStartedError).runId).toBe(first.runId);
    expect((error as AlreadyStartedError).hint).toMatch(/useExisting/);
    const existing = await activities.start({
      ...base(),
      id,
      activityType: "sleepFor",
      args: [{ ms: 1 }],
      idConflictPolicy: "useExisting",
    });
    expect(existing).toEqual({ runId: first.runId, started: false });
  });

  it("a start retried with the same request ID is the same start", async () => {
    const id = uniqueId("requestid");
    const options = { ...base(), id, activityType: "sleepFor", args: [{ ms: 2000 }], requestId: `${id}-req` };
    const first = await activities.start(options);
    const again = await activities.start(options);
    expect(again.runId).toBe(first.runId);
  });

  it("ID reuse: rejectDuplicate refuses a closed ID; the default allows a new run", async () => {
    const id = uniqueId("reuse");
    const first = await activities.start({ ...base(), id, activityType: "echo", args: [1] });
    await activities.awaitOutcome(id, first.runId);
    const error = await activities
      .start({ ...base(), id, activityType: "echo", args: [2], idReusePolicy: "rejectDuplicate" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyStartedError);
    const second = await activities.start({ ...base(), id, activityType: "echo", args: [3] });
    expect(second.started).toBe(true);
    expect(second.runId).not.toBe(first.runId);
    expect(await activities.awaitOutcome(id, second.runId)).toEqual({ status: "completed", result: 3 });
  });

  it("describes a running and a closed execution", async () => {
    const id = uniqueId("describe");
    const { runId } = await activities.start({
      ...base(),
      id,
      activityType: "slow",
      args: [{ recordKey: id, ms: 1500 }],
      heartbeat: 5000,
    });
    const running = await activities.describe(id);
    expect(running).toMatchObject({
      kind: "activity",
      id,
      runId,
      status: "running",
      type: "slow",
      taskQueue: stack().taskQueue,
    });
    expect(running.startTime).toBeInstanceOf(Date);
    expect(running.outcome).toBeUndefined();
    await activities.awaitOutcome(id, runId);
    const closed = await activities.describe(id, runId);
    expect(closed).toMatchObject({ status: "completed", attempt: 1, outcome: { status: "completed" } });
    expect(closed.closeTime).toBeInstanceOf(Date);
  });

  it("describe of an unknown ID is NotFound", async () => {
    await expect(activities.describe(uniqueId("nobody"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("stops waiting when aborted, without touching the execution", async () => {
    const id = uniqueId("abort");
    await activities.start({ ...base(), id, activityType: "sleepFor", args: [{ ms: 3000 }] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(activities.awaitOutcome(id, undefined, { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect((await activities.describe(id)).status).toBe("running");
  });

  it("lists (paged) and counts with group-by, once visibility catches up", async () => {
    const prefix = uniqueId("listing");
    const ids = [1, 2, 3, 4, 5].map((n) => `${prefix}-${n}`);
    for (const id of ids) await activities.start({ ...base(), id, activityType: "echo", args: [id] });
    await activities.start({ ...base(), id: `${prefix}-fails`, activityType: "fail", args: [{ nonRetryable: true }] });
    await Promise.all([...ids, `${prefix}-fails`].map((id) => activities.awaitOutcome(id, undefined)));
    const query = `ActivityId STARTS_WITH '${prefix}'`;
    const count = await waitFor("visibility to count all six closed", async () => {
      const c = await activities.count(`${query} AND ExecutionStatus != 'Running'`);
      return c.count === 6 ? c : undefined;
    });
    expect(count.groups).toEqual([]);
    const grouped = await activities.count(`${query} GROUP BY ExecutionStatus`);
    expect(grouped.count).toBe(6);
    expect(grouped.groups.map((g) => [g.values, g.count]).sort()).toEqual([
      [["Completed"], 5],
      [["Failed"], 1],
    ]);
    const listed = [];
    for await (const entry of activities.list(query, { pageSize: 2 })) listed.push(entry);
    expect(listed.map((e) => e.id).sort()).toEqual([...ids, `${prefix}-fails`].sort());
    expect(listed.find((e) => e.id === ids[0])).toMatchObject({
      kind: "activity",
      status: "completed",
      type: "echo",
      taskQueue: stack().taskQueue,
    });
    expect(calls.get("ListActivityExecutions") ?? 0).toBeGreaterThanOrEqual(3);
  });
});
