/** Standalone Nexus operations through nxrun's client layer, on the real dev server with the real test worker. */
import { afterAll, describe, expect, it } from "vitest";
import { AlreadyStartedError, NotFoundError } from "../../../src/temporal/service-errors.js";
import type { FailureInfo, Outcome, StartNexusOperationOptions } from "../../../src/temporal/types.js";
import { handlerRecord, nexusStatus, stack, uniqueId, waitFor } from "../../support/e2e/harness.js";
import { countingClient } from "../../support/e2e/temporal-client.js";

const { client, calls } = countingClient();
afterAll(() => client.close());
const nexus = client.nexus;
const op = (
  operation: string,
  input: unknown,
  extra: Partial<StartNexusOperationOptions> = {},
): StartNexusOperationOptions => ({
  id: uniqueId(operation),
  endpoint: stack().endpoint,
  service: "TestService",
  operation,
  input,
  scheduleToClose: 60_000,
  ...extra,
});

function failureOf(outcome: Outcome) {
  if (outcome.status === "completed") throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.failure;
}

describe.concurrent("standalone Nexus operations", () => {
  it("start and await a sync operation (no onStarted: it never ran asynchronously)", async () => {
    const options = op("echo", { hello: "nexus" });
    const started = await nexus.start(options);
    expect(started.started).toBe(true);
    const tokens: Array<string | undefined> = [];
    const outcome = await nexus.awaitOutcome(options.id, started.runId, { onStarted: (t) => tokens.push(t) });
    expect(outcome).toEqual({ status: "completed", result: { hello: "nexus" } });
    expect(tokens).toEqual([]);
    expect(await nexusStatus(options.id)).toBe("COMPLETED");
  });

  it("no input is sent as binary/null and arrives as null", async () => {
    const options = op("echo", undefined);
    await nexus.start(options);
    expect(await nexus.awaitOutcome(options.id, undefined)).toEqual({ status: "completed", result: null });
  });

  it("an async operation reports its start (with a token), then its result after several long polls", async () => {
    const options = op("shout", { text: "hi", ms: 6000 });
    const before = calls.get("PollNexusOperationExecution") ?? 0;
    await nexus.start(options);
    const tokens: Array<string | undefined> = [];
    const outcome = await nexus.awaitOutcome(options.id, undefined, { onStarted: (t) => tokens.push(t) });
    expect(outcome).toEqual({ status: "completed", result: { text: "HI" } });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatch(/\S/);
    // Long poll 2s (test/support/e2e/global-setup.ts), 6s of work: at least one STARTED poll and several CLOSED polls.
    expect((calls.get("PollNexusOperationExecution") ?? 0) - before).toBeGreaterThanOrEqual(3);
  });

  it("an operation failure carries its cause chain", async () => {
    const options = op("fail", { errorType: "OPERATION_FAILED", message: "no stock" });
    await nexus.start(options);
    const outcome = await nexus.awaitOutcome(options.id, undefined);
    expect(outcome.status).toBe("failed");
    const chain: string[] = [];
    for (let f: FailureInfo | undefined = failureOf(outcome); f; f = f.cause) {
      chain.push(f.message);
    }
    expect(chain).toContain("no stock");
    expect(await nexusStatus(options.id)).toBe("FAILED");
  });

  it("a non-retryable handler error fails at once with its type", async () => {
    for (const errorType of ["BAD_REQUEST", "NOT_FOUND"]) {
      const options = op("fail", { errorType });
      await nexus.start(options);
      const outcome = await nexus.awaitOutcome(options.id, undefined);
      expect(outcome.status, errorType).toBe("failed");
      expect(failureOf(outcome)).toMatchObject({ kind: "nexusHandler", type: errorType, nonRetryable: true });
      expect((await nexus.describe(options.id)).attempt).toBe(1);
    }
  });

  it("a retryable handler error is retried by the server", async () => {
    const options = op("fail", { errorType: "INTERNAL", message: "flaky" });
    await nexus.start(options);
    const retried = await waitFor(
      "a second attempt",
      async () => {
        const d = await nexus.describe(options.id);
        return (d.attempt ?? 0) >= 2 ? d : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(retried.status).toBe("running");
    expect(retried.lastFailure).toMatchObject({ type: "INTERNAL", nonRetryable: false });
    await nexus.terminate(options.id, undefined, "enough retries seen");
    expect((await nexus.awaitOutcome(options.id, undefined)).status).toBe("terminated");
  });

  it("ends timedOut at the schedule-to-close timeout", async () => {
    const key = uniqueId("timeout-rec");
    const options = op("waitForCancel", { recordKey: key }, { scheduleToClose: 2000 });
    await nexus.start(options);
    const outcome = await nexus.awaitOutcome(options.id, undefined);
    expect(outcome.status).toBe("timedOut");
    expect(failureOf(outcome)).toMatchObject({ kind: "timeout", timeoutType: "SCHEDULE_TO_CLOSE" });
    expect(await nexusStatus(options.id)).toBe("TIMED_OUT");
  });

  it("cancels a workflow-run operation: the handler's workflow records it and the outcome is canceled", async () => {
    const key = uniqueId("cancel-rec");
    const options = op("waitForCancel", { recordKey: key });
    await nexus.start(options);
    let started = false;
    const outcome = nexus.awaitOutcome(options.id, undefined, { onStarted: () => (started = true) });
    await waitFor(
      "the operation's workflow to start",
      () => started && handlerRecord(key).some((e) => e.event === "started"),
    );
    await nexus.requestCancel(options.id, undefined, "e2e cancel");
    const described = await nexus.describe(options.id);
    expect(described.cancelRequested).toBe(true);
    expect(described.cancellationState).toMatch(/scheduled|backingOff|succeeded/);
    const result = await outcome;
    expect(result.status).toBe("canceled");
    expect(failureOf(result).kind).toBe("canceled");
    expect(await nexusStatus(options.id)).toBe("CANCELED");
    expect(handlerRecord(key).map((e) => e.event)).toContain("canceled");
    expect((await nexus.describe(options.id)).cancellationState).toBe("succeeded");
  });

  it("terminates: the outcome is terminated with the reason", async () => {
    const key = uniqueId("terminate-rec");
    const options = op("waitForCancel", { recordKey: key });
    await nexus.start(options);
    await waitFor("the operation's workflow to start", () => handlerRecord(key).some((e) => e.event === "started"));
    await nexus.terminate(options.id, undefined, "e2e terminate");
    const outcome = await nexus.awaitOutcome(options.id, undefined);
    expect(outcome.status).toBe("terminated");
    expect(failureOf(outcome)).toMatchObject({ kind: "terminated", message: "e2e terminate" });
    expect(await nexusStatus(options.id)).toBe("TERMINATED");
  });

  it("ID conflict: fail names the running operation's run; useExisting returns it", async () => {
    const key = uniqueId("conflict-rec");
    const options = op("waitForCancel", { recordKey: key });
    const first = await nexus.start(options);
    const error = await nexus.start(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect((error as AlreadyStartedError).runId).toBe(first.runId);
    expect(await nexus.start({ ...options, idConflictPolicy: "useExisting" })).toEqual({
      runId: first.runId,
      started: false,
    });
    await nexus.terminate(options.id, first.runId, "cleanup");
  });

  it("ID reuse: rejectDuplicate refuses a closed ID; the default allows a new run", async () => {
    const options = op("echo", 1);
    const first = await nexus.start(options);
    await nexus.awaitOutcome(options.id, first.runId);
    await expect(nexus.start({ ...options, input: 2, idReusePolicy: "rejectDuplicate" })).rejects.toBeInstanceOf(
      AlreadyStartedError,
    );
    const second = await nexus.start({ ...options, input: 3 });
    expect(second.runId).not.toBe(first.runId);
    expect(await nexus.awaitOutcome(options.id, second.runId)).toEqual({ status: "completed", result: 3 });
  });

  it("describes an operation; an unknown ID is NotFound", async () => {
    const options = op("echo", "x", { summary: "an echo" });
    const { runId } = await nexus.start(options);
    await nexus.awaitOutcome(options.id, runId);
    const d = await nexus.describe(options.id);
    expect(d).toMatchObject({
      kind: "nexus",
      id: options.id,
      runId,
      status: "completed",
      type: `${stack().endpoint}/TestService/echo`,
      outcome: { status: "completed", result: "x" },
    });
    expect(d.closeTime).toBeInstanceOf(Date);
    await expect(nexus.describe(uniqueId("nobody"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("starting on an endpoint that does not exist says so, with a hint", async () => {
    const error = await nexus.start(op("echo", 1, { endpoint: "no-such-endpoint" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toMatch(/Nexus endpoint/);
    expect((error as NotFoundError).hint).toMatch(/nexus endpoint create/);
  });

  it("lists and counts with group-by, once visibility catches up", async () => {
    const prefix = uniqueId("nxlist");
    const ids = [1, 2, 3].map((n) => `${prefix}-${n}`);
    for (const id of ids) await nexus.start({ ...op("echo", id), id });
    await nexus.start({ ...op("fail", { errorType: "BAD_REQUEST" }), id: `${prefix}-bad` });
    await Promise.all([...ids, `${prefix}-bad`].map((id) => nexus.awaitOutcome(id, undefined)));
    const query = `OperationId STARTS_WITH '${prefix}'`;
    await waitFor(
      "visibility to count all four closed",
      async () => (await nexus.count(`${query} AND ExecutionStatus != 'Running'`)).count === 4,
    );
    const grouped = await nexus.count(`${query} GROUP BY ExecutionStatus`);
    expect(grouped.groups.map((g) => [g.values, g.count]).sort()).toEqual([
      [["Completed"], 3],
      [["Failed"], 1],
    ]);
    const listed = [];
    for await (const entry of nexus.list(query, { pageSize: 3 })) listed.push(entry);
    expect(listed.map((e) => e.id).sort()).toEqual([...ids, `${prefix}-bad`].sort());
    expect(listed.find((e) => e.id === ids[0])).toMatchObject({
      kind: "nexus",
      status: "completed",
      type: `${stack().endpoint}/TestService/echo`,
    });
  });
});
