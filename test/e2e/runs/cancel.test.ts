/**
 * `nxrun cancel` on real runs: a running `nxrun run` in one process, `nxrun cancel` from another.
 * The server's own Describe and the handlers' records show what reached the executions; the run's
 * report shows that the running nxrun noticed and followed its cancellation contract.
 */
import { describe, expect, it } from "vitest";
import {
  activityStatus,
  handlerRecord,
  nexusStatus,
  runNxrun,
  uniqueId,
  waitFor,
  waitForCount,
} from "../../support/e2e/harness.js";
import { output, pipelineFile, type RunResult, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

/** Starts `nxrun run` in the background and waits (bounded) until visibility shows `running` executions running. */
async function startLongRun(yaml: string, running: { activities: number; nexus: number }) {
  const runId = uniqueId("cancel");
  const run: Promise<RunResult> = runPipelineFile(pipelineFile(yaml), [], { runId, timeoutMs: 90_000 });
  await waitForCount(
    "activity",
    `ActivityId STARTS_WITH "${runId}." AND ExecutionStatus = "Running"`,
    running.activities,
  );
  await waitForCount("nexus", `OperationId STARTS_WITH "${runId}." AND ExecutionStatus = "Running"`, running.nexus);
  return { runId, run };
}

describe.concurrent("nxrun cancel", () => {
  it("requests cancellation of every running execution; the running nxrun compensates, runs finally and ends canceled", async () => {
    const key = uniqueId("cancel-rec");
    const { runId, run } = await startLongRun(
      `
nxrun: 1
name: ops-cancel
defaults:
  taskQueue: {{queue}}
steps:
  - id: first
    activity: echo
    input: 1
    compensate:
      activity: echo
      input: undo-first
  - id: work
    needs: [first]
    activity: slow
    input: { recordKey: ${key}-work, heartbeatMs: 200 }
    timeouts: { startToClose: 60s, heartbeat: 5s }
  - id: wait
    needs: [first]
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: waitForCancel }
    input: { recordKey: ${key}-wait }
finally:
  - id: cleanup
    activity: echo
    input: done
`,
      { activities: 1, nexus: 1 },
    );

    const cancel = await runNxrun(["cancel", runId, "--reason", "on-call says stop"]);
    expect(cancel.code, output(cancel)).toBe(0);
    expect(cancel.stdout).toContain(`cancel requested: work (activity ${runId}.work)`);
    expect(cancel.stdout).toContain(`cancel requested: wait (nexus ${runId}.wait)`);
    expect(cancel.stdout).toContain(
      `requested cancellation of 2 of 2 running executions of run ${runId} (1 had already closed)`,
    );

    const result = await run;
    expect(result.code, output(result)).toBe(1);
    expect(result.report?.status).toBe("canceled");
    expect(stepOf(result, "work").status).toBe("canceled");
    expect(stepOf(result, "wait").status).toBe("canceled");
    expect(stepOf(result, "cleanup").status).toBe("completed");
    // What the server says, not only what nxrun claims.
    expect(await activityStatus(`${runId}.work`)).toBe("CANCELED");
    expect(await nexusStatus(`${runId}.wait`)).toBe("CANCELED");
    expect(await activityStatus(`${runId}.first.compensate`)).toBe("COMPLETED");
    expect(await activityStatus(`${runId}.cleanup`)).toBe("COMPLETED");
    // The handlers saw the cancellation.
    expect(handlerRecord(`${key}-work`).map((r) => r.event)).toContain("canceled");
    await waitFor("the Nexus handler to record the cancellation", () =>
      handlerRecord(`${key}-wait`).some((r) => r.event === "canceled"),
    );

    // Afterwards: nothing left to cancel. cancel finds the run's executions through visibility, which
    // indexes the last closes (cleanup, the compensation) a moment after they happen: wait for it.
    await waitForCount("activity", `ActivityId STARTS_WITH "${runId}." AND ExecutionStatus = "Running"`, 0);
    await waitForCount("nexus", `OperationId STARTS_WITH "${runId}." AND ExecutionStatus = "Running"`, 0);
    const again = await runNxrun(["cancel", runId]);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toMatch(/^nothing to cancel: all \d+ executions of run .* have closed$/m);
  });

  it("--terminate terminates the running executions and records the reason", async () => {
    const key = uniqueId("terminate-rec");
    const { runId, run } = await startLongRun(
      `
nxrun: 1
name: ops-terminate
defaults:
  taskQueue: {{queue}}
steps:
  - id: work
    activity: slow
    input: { recordKey: ${key}, heartbeatMs: 200 }
    timeouts: { startToClose: 60s, heartbeat: 5s }
`,
      { activities: 1, nexus: 0 },
    );
    const terminate = await runNxrun(["cancel", runId, "--terminate", "--reason", "runaway"]);
    expect(terminate.code, output(terminate)).toBe(0);
    expect(terminate.stdout).toContain(`terminated: work (activity ${runId}.work)`);
    expect(terminate.stdout).toContain(`terminated 1 of 1 running execution of run ${runId}`);
    const result = await run;
    expect(result.code, output(result)).not.toBe(0);
    expect(await activityStatus(`${runId}.work`)).toBe("TERMINATED");
    expect(stepOf(result, "work").status).toBe("terminated");
    expect(JSON.stringify(stepOf(result, "work").error)).toContain("runaway");
  });

  it("an unknown run ends with a clear message and exit 2", async () => {
    const result = await runNxrun(["cancel", uniqueId("no-such-run")]);
    expect(result.code, output(result)).toBe(2);
    expect(result.stderr).toMatch(/^error: no executions of run "no-such-run-[^"]+" were found/m);
    expect(result.stderr).toMatch(/^hint: /m);
  });
});
