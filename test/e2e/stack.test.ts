// The test stack itself: the dev server has both standalone features, the endpoint reaches the test
// worker, and the worker records what it saw. Everything else in test/e2e relies on this.
import Long from "long";
import { describe, expect, it } from "vitest";
import { handlerRecord, serverConnection, stack, uniqueId } from "../support/e2e/harness.js";

const json = (v: unknown) => ({
  metadata: { encoding: Buffer.from("json/plain") },
  data: Buffer.from(JSON.stringify(v)),
});
// The SDK's service methods are typed with a callback overload; awaiting them is what the SDK does.
const call = <T>(p: Promise<T>): Promise<T> => p;
const decode = (p: { data?: Uint8Array | null } | null | undefined) =>
  JSON.parse(Buffer.from(p?.data ?? []).toString());

describe("test stack", () => {
  it("runs a standalone activity on the test worker", async () => {
    const c = await serverConnection();
    const id = uniqueId("stack-activity");
    const start = await call(
      c.workflowService.startActivityExecution({
        namespace: stack().namespace,
        requestId: id,
        activityId: id,
        activityType: { name: "greet" },
        taskQueue: { name: stack().taskQueue },
        scheduleToCloseTimeout: { seconds: Long.fromNumber(30) },
        input: { payloads: [json({ name: "Ada" })] },
      }),
    );
    expect(start.started).toBe(true);
    const poll = await call(
      c.workflowService.pollActivityExecution({ namespace: stack().namespace, activityId: id, runId: start.runId }),
    );
    expect(decode(poll.outcome?.result?.payloads?.[0])).toEqual({ greeting: "Hello, Ada!" });
  });

  it("runs a workflow-run Nexus operation through the endpoint, and the handler records it", async () => {
    const c = await serverConnection();
    const id = uniqueId("stack-nexus");
    const start = await call(
      c.workflowService.startNexusOperationExecution({
        namespace: stack().namespace,
        requestId: id,
        operationId: id,
        endpoint: stack().endpoint,
        service: "TestService",
        operation: "waitForCancel",
        scheduleToCloseTimeout: { seconds: Long.fromNumber(60) },
        input: json({ recordKey: id, ms: 200 }),
      }),
    );
    let outcome: unknown;
    for (let i = 0; i < 20 && outcome === undefined; i++) {
      const poll = await call(
        c.workflowService.pollNexusOperationExecution({
          namespace: stack().namespace,
          operationId: id,
          runId: start.runId,
          waitStage: 2,
        }),
      );
      if (poll.outcome === "result") outcome = decode(poll.result);
      else if (poll.outcome === "failure") throw new Error(poll.failure?.message ?? "failed");
    }
    expect(outcome).toEqual({ finished: true });
    expect(handlerRecord(id).map((r) => r.event)).toEqual(["started", "completed"]);
  });
});
