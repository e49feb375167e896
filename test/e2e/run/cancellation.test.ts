/**
 * The cancellation contract (README.md, "The cancellation contract") end to end: each cancellation type against a heartbeating
 * activity and against a workflow-run Nexus operation, triggered by SIGINT; the second Ctrl-C; the
 * run timeout. The handlers' own records (test/workers/record.ts) prove what reached them, and the
 * server is asked what it holds when nxrun has exited.
 */
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { CancellationType } from "../../../src/pipeline/model.js";
import { expectNothingFor, handlerRecord, uniqueId, waitFor } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();

/** How long each handler keeps working after it sees the cancellation, before it ends canceled. */
const CLEANUP_MS = 4000;

type Kind = "activity" | "nexus";

function pipelineFor(kind: Kind, type: CancellationType, key: string, extra = ""): string {
  const step =
    kind === "activity"
      ? `
  - id: work
    activity: slow
    taskQueue: {{queue}}
    input: { recordKey: ${key}, heartbeatMs: 200, cleanupMs: ${CLEANUP_MS} }
    timeouts: { startToClose: 2m, heartbeat: 10s }
    retry: { maximumAttempts: 1 }
    cancellation: ${type}`
      : `
  - id: work
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: waitForCancel }
    input: { recordKey: ${key}, cleanupMs: ${CLEANUP_MS} }
    timeouts: { scheduleToClose: 2m }
    cancellation: ${type}`;
  return pipelineFile(`
nxrun: 1
name: cancel-${kind}-${type.toLowerCase()}
${extra}
steps:${step}
`);
}

/** Runs the pipeline, sends SIGINT once the handler recorded its start, and notes when nxrun exited. */
async function interruptOnceStarted(file: string, key: string, signals = 1) {
  let child: ChildProcess | undefined;
  const running = runPipelineFile(file, [], { onSpawn: (c) => (child = c) });
  await waitFor(`${key} to start`, () => handlerRecord(key).some((r) => r.event === "started"), { timeoutMs: 60_000 });
  child?.kill("SIGINT");
  if (signals === 2) {
    await waitFor(`${key} to see the cancel`, () => handlerRecord(key).some((r) => r.event === "canceled"), {
      timeoutMs: 30_000,
    });
    child?.kill("SIGINT");
  }
  const result = await running;
  return { result, exitedAt: Date.now() };
}

function clientFor(kind: Kind) {
  return kind === "activity" ? client.activities : client.nexus;
}

const events = (key: string) => handlerRecord(key).map((r) => r.event);
const eventAt = (key: string, event: string) => {
  const found = handlerRecord(key).find((r) => r.event === event);
  return found ? Date.parse(found.at) : undefined;
};

describe.concurrent.each(["activity", "nexus"] as const)("cancellation of a %s step on Ctrl-C", (kind) => {
  it("abandon: asks Temporal nothing; the execution keeps running", async () => {
    const key = uniqueId(`abandon-${kind}`);
    const { result } = await interruptOnceStarted(pipelineFor(kind, "abandon", key), key);
    expect(result.code, output(result)).toBe(130);
    expect(stepOf(result, "work").status).toBe("abandoned");
    const id = `${result.runId}.work`;
    const described = await clientFor(kind).describe(id);
    expect(described.status).toBe("running");
    expect(described.cancelRequested ?? false).toBe(false);
    // A cancel request, had one been sent, would reach the handler within this: none does.
    await expectNothingFor(1500, () => expect(events(key)).not.toContain("canceled"));
    await clientFor(kind).terminate(id, undefined, "test cleanup");
  });

  it("tryCancel: requests cancellation and ends without waiting for the handler", async () => {
    const key = uniqueId(`try-${kind}`);
    const { result, exitedAt } = await interruptOnceStarted(pipelineFor(kind, "tryCancel", key), key);
    expect(result.code, output(result)).toBe(130);
    expect(stepOf(result, "work").status).toBe("canceled");
    // The request reaches the handler, which is still cleaning up after nxrun has gone.
    await waitFor(`${key} to see the cancel`, () => events(key).includes("canceled"));
    const cleanupDone = await waitFor(`${key} to finish its cleanup`, () => eventAt(key, "cleanupDone"));
    expect(cleanupDone).toBeGreaterThan(exitedAt);
    await waitFor(
      "the server to show CANCELED",
      async () => (await clientFor(kind).describe(`${result.runId}.work`)).status === "canceled",
    );
  });

  it("waitRequested: waits until the request reached the execution, not for it to close", async () => {
    const key = uniqueId(`requested-${kind}`);
    const { result, exitedAt } = await interruptOnceStarted(pipelineFor(kind, "waitRequested", key), key);
    expect(result.code, output(result)).toBe(130);
    expect(stepOf(result, "work").status).toBe("canceled");
    const described = await clientFor(kind).describe(`${result.runId}.work`);
    if (kind === "activity") {
      expect(described.status === "canceled" || described.cancelRequested === true).toBe(true);
    } else {
      expect(described.cancellationState?.toLowerCase()).toBe("succeeded");
    }
    await waitFor(`${key} to see the cancel`, () => events(key).includes("canceled"));
    const cleanupDone = await waitFor(`${key} to finish its cleanup`, () => eventAt(key, "cleanupDone"));
    expect(cleanupDone).toBeGreaterThan(exitedAt);
  });

  it("waitCompleted: waits for the execution to close canceled, after the handler's cleanup", async () => {
    const key = uniqueId(`completed-${kind}`);
    const { result, exitedAt } = await interruptOnceStarted(pipelineFor(kind, "waitCompleted", key), key);
    expect(result.code, output(result)).toBe(130);
    expect(stepOf(result, "work").status).toBe("canceled");
    const cleanupDone = eventAt(key, "cleanupDone");
    expect(cleanupDone, JSON.stringify(handlerRecord(key))).toBeDefined();
    expect(cleanupDone).toBeLessThanOrEqual(exitedAt);
    expect((await clientFor(kind).describe(`${result.runId}.work`)).status).toBe("canceled");
  });
});

describe.concurrent("interrupts and timeouts", () => {
  it("a second Ctrl-C terminates what is still awaited and exits 130 at once", async () => {
    const activityKey = uniqueId("second-act");
    const nexusKey = uniqueId("second-op");
    const file = pipelineFile(`
nxrun: 1
name: second-ctrl-c
steps:
  - id: act
    activity: slow
    taskQueue: {{queue}}
    input: { recordKey: ${activityKey}, heartbeatMs: 200, cleanupMs: 60000 }
    timeouts: { startToClose: 5m, heartbeat: 3s }
    retry: { maximumAttempts: 1 }
  - id: op
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: waitForCancel }
    input: { recordKey: ${nexusKey}, cleanupMs: 60000 }
    timeouts: { scheduleToClose: 5m }
`);
    let child: ChildProcess | undefined;
    const running = runPipelineFile(file, [], { onSpawn: (c) => (child = c) });
    for (const key of [activityKey, nexusKey]) {
      await waitFor(`${key} to start`, () => events(key).includes("started"), { timeoutMs: 60_000 });
    }
    child?.kill("SIGINT");
    for (const key of [activityKey, nexusKey]) {
      await waitFor(`${key} to see the cancel`, () => events(key).includes("canceled"), { timeoutMs: 30_000 });
    }
    const secondAt = Date.now();
    child?.kill("SIGINT");
    const result = await running;
    expect(result.code, output(result)).toBe(130);
    // "At once": well before the handlers' 60 s cleanup would have let the executions close.
    expect(Date.now() - secondAt).toBeLessThan(20_000);
    expect(result.stdout).toMatch(/terminat/i);
    expect((await client.activities.describe(`${result.runId}.act`)).status).toBe("terminated");
    expect((await client.nexus.describe(`${result.runId}.op`)).status).toBe("terminated");
    expect(stepOf(result, "act").status).toBe("terminated");
  });

  it("two Ctrl-Cs during the rollback of a failed run stop it and exit 130, the run's error saying both", async () => {
    const key = uniqueId("undo-ctrl-c");
    const file = pipelineFile(`
nxrun: 1
name: undo-ctrl-c
defaults: { taskQueue: {{queue}} }
steps:
  - id: open
    activity: echo
    input: { ticket: 1 }
    compensate:
      activity: slow
      input: { recordKey: ${key}, heartbeatMs: 200 }
      timeouts: { startToClose: 5m, heartbeat: 3s }
  - id: verify
    needs: [open]
    activity: fail
    retry: { maximumAttempts: 1 }
    input: { nonRetryable: true, message: smoke test failed }
`);
    const runId = uniqueId("undo-ctrl-c");
    let child: ChildProcess | undefined;
    const running = runPipelineFile(file, ["--output", "plain"], { runId, onSpawn: (c) => (child = c) });
    await waitFor(`${key} (the compensation) to start`, () => events(key).includes("started"), { timeoutMs: 60_000 });
    const firstAt = Date.now();
    child?.kill("SIGINT");
    // The first Ctrl-C does not stop a rollback: the compensation goes on (a heartbeat after it).
    await waitFor("the compensation to heartbeat after the first Ctrl-C", async () => {
      const now = await client.activities.describe(`${runId}.open.compensate`);
      return (now.details?.lastHeartbeatTime?.getTime() ?? 0) > firstAt;
    });
    child?.kill("SIGINT");
    const result = await running;
    expect(result.code, output(result)).toBe(130);
    expect(result.report?.status).toBe("failed");
    expect(result.report?.error?.message).toMatch(
      /^step 'verify' failed: TestFailure \(non-retryable\): smoke test failed/,
    );
    expect(result.report?.error?.message).toMatch(/interrupted twice: the second Ctrl-C terminated/);
    expect((await client.activities.describe(`${result.runId}.open.compensate`)).status).toBe("terminated");
  });

  it("the run timeout cancels the run: exit 1, status timedOut, the execution cancelled", async () => {
    const key = uniqueId("timeout");
    const file = pipelineFor("activity", "waitCompleted", key, "timeout: 3s");
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(1);
    expect(result.report?.status).toBe("timedOut");
    expect(stepOf(result, "work").status).toBe("canceled");
    expect(events(key)).toContain("cleanupDone");
    expect((await client.activities.describe(`${result.runId}.work`)).status).toBe("canceled");
  });
});

describe.concurrent("a second Ctrl-C during a forEach", () => {
  it("terminates its items without failing the step: the run's error says it was interrupted twice", async () => {
    const key = uniqueId("second-each");
    const file = pipelineFile(`
nxrun: 1
name: second-ctrl-c-each
steps:
  - id: fan
    forEach: [a, b]
    activity: slow
    taskQueue: {{queue}}
    input: { recordKey: "{% '${key}-' & $item %}", heartbeatMs: 200, cleanupMs: 60000 }
    timeouts: { startToClose: 5m, heartbeat: 3s }
    retry: { maximumAttempts: 1 }
`);
    const keys = [`${key}-a`, `${key}-b`];
    let child: ChildProcess | undefined;
    const running = runPipelineFile(file, [], { onSpawn: (c) => (child = c) });
    for (const k of keys) await waitFor(`${k} to start`, () => events(k).includes("started"), { timeoutMs: 60_000 });
    child?.kill("SIGINT");
    for (const k of keys)
      await waitFor(`${k} to see the cancel`, () => events(k).includes("canceled"), { timeoutMs: 30_000 });
    child?.kill("SIGINT");
    const result = await running;
    expect(result.code, output(result)).toBe(130);
    for (const index of [0, 1])
      expect((await client.activities.describe(`${result.runId}.fan.${index}`)).status).toBe("terminated");
    expect(stepOf(result, "fan").items?.map((item) => item.status)).toEqual(["terminated", "terminated"]);
    // The interrupt ended the items, not a failure of theirs: the step is not failed, the run says why.
    expect(stepOf(result, "fan").status).toBe("canceled");
    expect(result.report?.error?.message, output(result)).toMatch(/interrupted twice/);
    expect(result.report?.error?.message).not.toMatch(/ForEachFailed|step 'fan' failed/);
  });
});
