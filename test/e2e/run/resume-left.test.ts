/**
 * A resume does exactly what is left (docs/cli.md, "Resuming a run"), on the real server: a failure
 * under onError: continue is done (a completed run starts nothing, `--from` leaves it alone), a cancel
 * request left by an earlier session's Ctrl-C is not `nxrun cancel`, a handler's own cancel is the
 * step's outcome, `$now()` in a var is one value per run across a SIGKILL, and a required input comes
 * from the manifest. The server's own counts and the handlers' records say what was started.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { handlerRecord, runNxrun, stack, uniqueId, waitFor, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();
const REMOTE_CANCEL = "nxrun cancel was called";

/** Executions the server holds under `<runId>.<step>` (every run of the ID, closed or not). */
async function startsOf(runId: string, step: string, count: number): Promise<void> {
  await waitForCount("activity", `ActivityId = '${runId}.${step}'`, count);
}

describe("a resume starts exactly what is left", () => {
  const continued = () =>
    pipelineFile(`
nxrun: 1
name: continued
inputs:
  tag: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
steps:
  - id: flaky
    activity: fail
    onError: continue
    retry: { maximumAttempts: 1 }
    input: { message: "broken on purpose" }
  - id: a
    activity: echo
    input: { text: "{% $inputs.tag %}" }
  - id: b
    needs: [a]
    activity: echo
    input: { text: "{% $steps.a.output.text & '-b' %}" }
  - id: gate
    needs: [b]
    activity: fail
    retry: { maximumAttempts: 1 }
    input: { message: "gate closed", succeedOnAttempt: "{% $inputs.tag = 'stop' ? 99 : 1 %}" }
outputs:
  b: "{% $steps.b.output.text %}"
`);

  it("a resume of a completed run (a continued failure in it) starts nothing and says the run is complete", async () => {
    const file = continued();
    const first = await runPipelineFile(file, ["-i", "tag=go"]);
    expect(first.code, output(first)).toBe(0);
    expect(stepOf(first, "flaky").status).toBe("failed");
    for (const session of [1, 2]) {
      const again = await runNxrun(["run", file, "--resume", first.runId]);
      expect(again.code, `${session}: ${output(again)}`).toBe(0);
      expect(again.stdout).toContain(`run ${first.runId} is complete`);
    }
    // The failed step ran once, in the first session, and so did everything else.
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.'`, 4);
    await startsOf(first.runId, "flaky", 1);
  });

  it("--from b reruns b and what depends on it; a continued failure outside that set is read back, not run", async () => {
    const file = continued();
    // gate fails the run (tag=stop); flaky failed under continue beside it.
    const first = await runPipelineFile(file, ["-i", "tag=stop"]);
    expect(first.code, output(first)).toBe(1);
    const rerun = await runPipelineFile(file, ["--resume", first.runId, "--from", "b"], { runId: first.runId });
    expect(rerun.code, output(rerun)).toBe(1);
    expect(stepOf(rerun, "flaky")).toMatchObject({ status: "failed", reused: true });
    expect(stepOf(rerun, "a").reused).toBe(true);
    expect(stepOf(rerun, "b").execution?.executionId).toBe(`${first.runId}.b@2`);
    expect(stepOf(rerun, "gate").execution?.executionId).toBe(`${first.runId}.gate@2`);
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.'`, 6);
    await startsOf(first.runId, "flaky", 1);
    await startsOf(first.runId, "a", 1);
  });

  it("a uses step failed under onError: continue is done: neither a resume nor --from starts its steps again", async () => {
    const key = uniqueId("continued-uses");
    const dir = mkdtempSync(join(tmpdir(), "nxrun-continued-uses-"));
    const write = (name: string, yaml: string) =>
      writeFileSync(join(dir, name), yaml.replaceAll("{{queue}}", stack().taskQueue));
    write(
      "inner.yaml",
      `
nxrun: 1
name: inner
inputs:
  key: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
  retry: { maximumAttempts: 1 }
steps:
  - id: a
    activity: echo
    input: { a: 1 }
  - id: b
    needs: [a]
    activity: fail
    input: { message: inner failure, nonRetryable: true, recordKey: "{% $inputs.key & '-b' %}" }
`,
    );
    write(
      "main.yaml",
      `
nxrun: 1
name: continued-uses
inputs:
  key: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
  retry: { maximumAttempts: 1 }
steps:
  - id: u
    uses: ./inner.yaml
    with: { key: "{% $inputs.key %}" }
    onError: continue
  - id: x
    activity: echo
    input: { x: 1 }
  - id: gate
    needs: [x]
    activity: fail
    input: { message: gate closed, nonRetryable: true }
`,
    );
    const file = join(dir, "main.yaml");
    const first = await runPipelineFile(file, ["-i", `key=${key}`]);
    expect(first.code, output(first)).toBe(1);
    expect(stepOf(first, "u").status).toBe("failed");
    const resumed = await runPipelineFile(file, ["--resume", first.runId], { runId: first.runId });
    expect(resumed.code, output(resumed)).toBe(1);
    expect(stepOf(resumed, "u.b")).toMatchObject({ status: "failed", reused: true });
    const rerun = await runPipelineFile(file, ["--resume", first.runId, "--from", "gate"], { runId: first.runId });
    expect(rerun.code, output(rerun)).toBe(1);
    expect(stepOf(rerun, "u.b")).toMatchObject({ status: "failed", reused: true });
    // The handler of u.b ran once, in the first session, and the server holds one execution of it.
    expect(handlerRecord(`${key}-b`).filter((r) => r.event === "attempt")).toHaveLength(1);
    await startsOf(first.runId, "u.b", 1);
  });

  it("--resume without -i takes a required input from the manifest", async () => {
    const file = continued();
    const first = await runPipelineFile(file, ["-i", "tag=stop"]);
    expect(first.code, output(first)).toBe(1);
    const resumed = await runPipelineFile(file, ["--resume", first.runId], { runId: first.runId });
    // Resumed with tag=stop from the manifest (not refused with NX151): the gate fails again.
    expect(resumed.stderr).not.toContain("NX151");
    expect(resumed.code, output(resumed)).toBe(1);
    expect(resumed.report?.inputs).toEqual({ tag: "stop" });
    expect(stepOf(resumed, "b")).toMatchObject({ status: "completed", reused: true, output: { text: "stop-b" } });
    // A new run without it is still refused.
    const fresh = await runNxrun(["run", file]);
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toContain('NX151 input "tag" is required');
  });
});

describe.concurrent.each(["activity", "nexus"] as const)(
  "a resume right after a Ctrl-C of a tryCancel %s step",
  (kind) => {
    it("is not taken for nxrun cancel: it awaits the cancelled execution, starts it again, and completes", async () => {
      const key = uniqueId(`ctrlc-${kind}`);
      const step =
        kind === "activity"
          ? `
  - id: work
    activity: slow
    taskQueue: {{queue}}
    input: { recordKey: ${key}, ms: 8000, heartbeatMs: 200, cleanupMs: 3000 }
    # A short heartbeat timeout: the SDK heartbeats (and so learns of a cancel) at most every 80% of
    # it, and the cancel must reach the first execution well before its 8 s of work are done.
    timeouts: { startToClose: 2m, heartbeat: 2s }
    retry: { maximumAttempts: 1 }
    cancellation: tryCancel`
          : `
  - id: work
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: waitForCancel }
    input: { recordKey: ${key}, ms: 8000, cleanupMs: 3000 }
    timeouts: { scheduleToClose: 2m }
    cancellation: tryCancel`;
      const file = pipelineFile(`
nxrun: 1
name: ctrlc-${kind}
steps:${step}
  - id: after
    needs: [work]
    activity: echo
    taskQueue: {{queue}}
    input: { done: true }
`);
      let child: ChildProcess | undefined;
      const running = runPipelineFile(file, [], { onSpawn: (c) => (child = c) });
      await waitFor(`${key} to start`, () => handlerRecord(key).some((r) => r.event === "started"), {
        timeoutMs: 60_000,
      });
      child?.kill("SIGINT");
      const first = await running;
      expect(first.code, output(first)).toBe(130);
      // At once: the first session's cancel request is on the execution, still cleaning up.
      const executions = kind === "activity" ? client.activities : client.nexus;
      const left = await executions.describe(`${first.runId}.work`);
      expect(left.status).toBe("running");
      expect(left.cancelRequested).toBe(true);
      const resumed = await runPipelineFile(file, ["--resume", first.runId], { runId: first.runId });
      expect(resumed.code, output(resumed)).toBe(0);
      expect(resumed.stdout).not.toContain(REMOTE_CANCEL);
      expect(stepOf(resumed, "after").status).toBe("completed");
      // A new execution ran the step: its result is not one reused from the earlier session.
      expect(stepOf(resumed, "work")).toMatchObject({ status: "completed" });
      expect(stepOf(resumed, "work").reused).toBeFalsy();
      expect(resumed.stdout).not.toMatch(/ok +work .*reused/);
      const events = handlerRecord(key).map((r) => r.event);
      // The first execution saw the cancel and closed (the activity's 3 s cleanup outlasts its 2 s
      // heartbeat timeout: it closes timed out) before the resume started the second.
      expect(events.filter((e) => e === "started")).toHaveLength(2);
      expect(events.indexOf("canceled")).toBeLessThan(events.lastIndexOf("started"));
      expect((await executions.describe(`${first.runId}.work`)).status).toBe("completed");
    });
  },
);

describe("an operation its handler cancels", () => {
  const file = (onError: "continue" | "fail") =>
    pipelineFile(`
nxrun: 1
name: handler-cancel-${onError}
steps:
  - id: refused
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: fail }
    input: { errorType: OPERATION_CANCELED }
    onError: ${onError}
  - id: sibling
    activity: sleepFor
    taskQueue: {{queue}}
    input: { ms: 1500 }
`);

  it("under onError: continue is the step's outcome: the sibling in flight completes, the run completes", async () => {
    const result = await runPipelineFile(file("continue"));
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).not.toContain(REMOTE_CANCEL);
    expect(stepOf(result, "refused").status).toBe("canceled");
    expect(stepOf(result, "sibling").status).toBe("completed");
  });

  it("under onError: fail fails the run (not a cancelled run)", async () => {
    const result = await runPipelineFile(file("fail"));
    expect(result.code, output(result)).toBe(1);
    expect(result.stdout).not.toContain(REMOTE_CANCEL);
    expect(result.report?.status).toBe("failed");
    expect(stepOf(result, "refused").status).toBe("canceled");
  });
});

describe("vars across a resume", () => {
  it("$now() in a var is one value for the run: a step before a SIGKILL and one after the resume see the same", async () => {
    const file = pipelineFile(`
nxrun: 1
name: var-now
vars:
  stamp: "{% $now() %}"
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
steps:
  - id: before
    activity: echo
    input: { stamp: "{% $vars.stamp %}" }
  - id: hold
    needs: [before]
    activity: sleepFor
    input: { ms: 3000 }
  - id: after
    needs: [hold]
    activity: echo
    input: { stamp: "{% $vars.stamp %}" }
`);
    const runId = uniqueId("varnow");
    let child: ChildProcess | undefined;
    const running = runNxrun(["run", file, "--run-id", runId], { onSpawn: (c) => (child = c) });
    await waitFor("before to complete", async () => {
      try {
        return (await client.activities.describe(`${runId}.before`)).status === "completed";
      } catch {
        return false;
      }
    });
    child?.kill("SIGKILL");
    const killed = await running;
    expect(killed.signal).toBe("SIGKILL");
    const resumed = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(resumed.code, output(resumed)).toBe(0);
    const stamp = (stepOf(resumed, "before").output as { stamp: string }).stamp;
    expect(stepOf(resumed, "before").reused).toBe(true);
    expect(stepOf(resumed, "after").reused).toBeFalsy();
    expect(stepOf(resumed, "after").output).toEqual({ stamp });
  });
});
