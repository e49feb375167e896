/** Faults end to end: what a user sees for an unknown endpoint, a queue nobody serves, a server restart. */
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import { uniqueId, waitFor } from "../../support/e2e/harness.js";
import { ownServer } from "../../support/e2e/own-server.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

describe.concurrent("faults", () => {
  it("an unknown Nexus endpoint: a clear message and exit 3", async () => {
    const file = pipelineFile(`
nxrun: 1
name: no-endpoint
steps:
  - id: op
    nexus: { endpoint: no-such-endpoint, service: TestService, operation: echo }
    input: 1
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(3);
    expect(result.stderr).toMatch(/no-such-endpoint/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("a task queue with no worker: the step times out schedule-to-start and says why; exit 1", async () => {
    const file = pipelineFile(`
nxrun: 1
name: no-worker
steps:
  - id: lonely
    activity: echo
    taskQueue: {{idleQueue}}
    timeouts: { scheduleToStart: 2s, startToClose: 10s }
    input: 1
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(1);
    expect(stepOf(result, "lonely").status).toBe("timedOut");
    expect(stepOf(result, "lonely").error?.message).toMatch(/SCHEDULE_TO_START/);
    expect(result.stdout).toMatch(/worker/);
  });
});

describe("a server restart mid-run", () => {
  const own = ownServer({ taskQueue: "nxrun-restart", restartable: true });

  it("is waited out and the run completes, each step executed once", async () => {
    const file = pipelineFile(`
nxrun: 1
name: restart
defaults:
  taskQueue: ${own.taskQueue}
steps:
  - id: before
    activity: echo
    input: 1
  - id: across
    needs: [before]
    activity: sleepFor
    input: { ms: 8000 }
    timeouts: { startToClose: 2m }
  - id: after
    needs: [across]
    activity: add
    input: { a: "{% $steps.before.output %}", b: "{% $steps.across.output.slept %}" }
outputs:
  sum: "{% $steps.after.output.sum %}"
`);
    const runId = uniqueId("restart");
    let child: ChildProcess | undefined;
    const running = runPipelineFile(file, [], {
      runId,
      address: own.server.address,
      onSpawn: (c) => (child = c),
      timeoutMs: 180_000,
    });
    await own.running(`${runId}.across`);
    await own.server.restart({ downMs: 3000 });
    const result = await running;
    expect(child?.pid).toBeDefined();
    expect(result.code, output(result)).toBe(0);
    expect(result.report?.outputs).toEqual({ sum: 8001 });
    const after = clientOver(openRpc({ address: own.server.address, namespace: "default" }), "nxrun-e2e");
    try {
      for (const step of ["before", "across", "after"]) {
        expect((await after.activities.describe(`${runId}.${step}`)).status).toBe("completed");
        // Visibility indexes the last step's start a moment after it: wait until it lists any, then count.
        const count = await waitFor(
          `${step} in visibility`,
          async () => (await after.activities.count(`ActivityId = '${runId}.${step}'`)).count || undefined,
        );
        expect(count).toBe(1);
      }
    } finally {
      after.close();
    }
  }, 240_000);
});
