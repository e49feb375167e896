/**
 * `uses:` end to end: a sub-pipeline as one step (its outputs the step's output, its executions
 * `<run>.<step>.<substep>` on the server), a forEach over a uses step, and a failure inside a
 * sub-pipeline whose completed steps are compensated by the caller's run, in reverse completion order
 * (the handler's record proves the order), with the sub-pipeline's finally run when it ends.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { handlerRecord, runNxrun, stack, uniqueId, waitForCount } from "../../support/e2e/harness.js";
import { output, type RunResult, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();

/** Writes the files into one fresh folder (uses: paths are relative); returns the first one's path. */
function files(named: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-uses-"));
  for (const [name, yaml] of Object.entries(named)) {
    writeFileSync(join(dir, name), yaml.replaceAll("{{queue}}", stack().taskQueue));
  }
  return join(dir, Object.keys(named)[0]!);
}

const GREETER = `
nxrun: 1
name: greeter
inputs:
  name: { type: string }
  punctuation: { type: string, default: "!" }
defaults:
  taskQueue: {{queue}}
steps:
  - id: greet
    activity: greet
    input: { name: "{% $inputs.name %}" }
  - id: shout
    activity: echo
    input: { text: "{% $uppercase($steps.greet.output.greeting) & $inputs.punctuation %}" }
outputs:
  greeting: "{% $steps.shout.output.text %}"
`;

/** A pipeline that uses ./greeter.yaml (GREETER), written beside it; returns its path. */
const usingGreeter = (main: string): string => files({ "main.yaml": main, "greeter.yaml": GREETER });

/** The server's own record: each of the run's executions `<runId>.<id>` completed. */
async function completedOnServer(runId: string, ids: string[]): Promise<void> {
  for (const id of ids) expect((await client.activities.describe(`${runId}.${id}`)).status, id).toBe("completed");
}

/** Runs the pipeline and expects exit 0. */
async function runsToCompletion(file: string, args: string[] = [], runId?: string): Promise<RunResult> {
  const result = await runPipelineFile(file, args, runId ? { runId } : {});
  expect(result.code, output(result)).toBe(0);
  return result;
}

describe.concurrent("uses", () => {
  it("--from a step inside a sub-pipeline reruns it and what follows, inside and out; --from the uses step reruns all of it", async () => {
    const file = usingGreeter(`
nxrun: 1
name: uses-from
steps:
  - id: hello
    uses: ./greeter.yaml
    with: { name: Grace }
  - id: after
    activity: echo
    taskQueue: {{queue}}
    input: { got: "{% $steps.hello.output.greeting %}" }
  - id: aside
    activity: echo
    taskQueue: {{queue}}
    input: aside
`);
    const runId = uniqueId("usesfrom");
    await runsToCompletion(file, [], runId);

    // hello.shout and after run again under new IDs; hello.greet and aside are read back.
    const inside = await runsToCompletion(file, ["--resume", runId, "--from", "hello.shout"], runId);
    const idOf = (result: RunResult, step: string) => stepOf(result, step).execution?.executionId;
    expect(idOf(inside, "hello.shout")).toBe(`${runId}.hello.shout@2`);
    expect(idOf(inside, "after")).toBe(`${runId}.after@2`);
    expect(idOf(inside, "hello.greet")).toBe(`${runId}.hello.greet`);
    expect(stepOf(inside, "hello.greet").reused).toBe(true);
    expect(stepOf(inside, "aside").reused).toBe(true);
    expect(stepOf(inside, "hello.shout").reused).not.toBe(true);
    expect(stepOf(inside, "after").output).toEqual({ got: "HELLO, GRACE!!" });
    await completedOnServer(runId, ["hello.shout", "hello.shout@2", "after", "after@2"]);
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.hello.greet'`, 1);
    // nxrun status: the uses step's state and executions are its sub-steps' current ones.
    const status = await runNxrun(["status", runId, "-o", "json"]);
    expect(status.code, output(status)).toBe(0);
    const hello = (
      JSON.parse(status.stdout) as { run: { steps: Array<{ id: string; state: string; executions: string[] }> } }
    ).run.steps.find((s) => s.id === "hello");
    expect(hello?.state).toBe("completed");
    expect(hello?.executions.sort()).toEqual([`${runId}.hello.greet`, `${runId}.hello.shout@2`]);

    // The manifest keeps hello.shout's attempt: a later session (here rerunning only `after`, so hello
    // is read back) reads @2 back, it does not fall back to the first.
    const again = await runsToCompletion(file, ["--resume", runId, "--from", "after"], runId);
    expect(idOf(again, "hello.shout")).toBe(`${runId}.hello.shout@2`);
    expect(stepOf(again, "hello.shout").reused).toBe(true);
    expect(idOf(again, "after")).toBe(`${runId}.after@3`);

    // --from the uses step: every sub-step runs afresh under its new key.
    const whole = await runsToCompletion(file, ["--resume", runId, "--from", "hello"], runId);
    expect(idOf(whole, "hello.greet")).toBe(`${runId}.hello@2.greet`);
    expect(idOf(whole, "hello.shout")).toBe(`${runId}.hello@2.shout`);
    expect(idOf(whole, "after")).toBe(`${runId}.after@4`);
    await completedOnServer(runId, ["hello@2.greet", "hello@2.shout"]);

    const unknown = await runPipelineFile(file, ["--resume", runId, "--from", "hello.nope"], { runId });
    expect(unknown.code, output(unknown)).toBe(2);
    expect(unknown.stderr).toContain("--from hello.nope: no such step in pipeline uses-from");
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });

  it("runs a sub-pipeline as one step: its outputs are the step's output, its executions are <run>.<step>.<substep>", async () => {
    const file = usingGreeter(`
nxrun: 1
name: uses-main
inputs:
  who: { type: string }
steps:
  - id: hello
    uses: ./greeter.yaml
    with: { name: "{% $inputs.who %}" }
  - id: after
    activity: echo
    taskQueue: {{queue}}
    input: { got: "{% $steps.hello.output.greeting %}" }
outputs:
  got: "{% $steps.after.output.got %}"
`);
    const result = await runsToCompletion(file, ["-i", "who=Ada"]);
    expect(result.report?.outputs).toEqual({ got: "HELLO, ADA!!" });
    expect(stepOf(result, "hello")).toMatchObject({
      kind: "uses",
      status: "completed",
      output: { greeting: "HELLO, ADA!!" },
    });
    expect(stepOf(result, "hello.greet")).toMatchObject({ parent: "hello", status: "completed" });
    expect(stepOf(result, "hello.shout").execution?.executionId).toBe(`${result.runId}.hello.shout`);
    await completedOnServer(result.runId, ["hello.greet", "hello.shout"]);
    expect(result.stdout).toMatch(/ok\s+hello\.greet/);
  });

  it("forEach over a uses step: one sub-pipeline per item, outputs in item order", async () => {
    const file = usingGreeter(`
nxrun: 1
name: uses-each
steps:
  - id: hello
    forEach: [Ada, Grace]
    uses: ./greeter.yaml
    with: { name: "{% $item %}", punctuation: "{% $string($index) %}" }
`);
    const result = await runsToCompletion(file);
    expect(stepOf(result, "hello").output).toEqual([{ greeting: "HELLO, ADA!0" }, { greeting: "HELLO, GRACE!1" }]);
    expect(stepOf(result, "hello[1].shout")).toMatchObject({ parent: "hello", status: "completed" });
    await completedOnServer(result.runId, ["hello.1.shout"]);
  });

  it("a resume runs the sub-pipeline's finally again as a new attempt, with that session's status", async () => {
    const key = uniqueId("uses-finally");
    // probe is unhealthy on its first call: gate fails the first session, whose rollback undoes probe;
    // the resume reruns probe (its second call is healthy) and gate, and reads db back.
    const file = files({
      "main.yaml": `
nxrun: 1
name: uses-finally
defaults:
  taskQueue: {{queue}}
steps:
  - id: probe
    activity: checkHealth
    input: { recordKey: ${key}, healthyOnCall: 2 }
    compensate: { activity: echo, input: { undo: probe } }
  - id: db
    uses: ./provision.yaml
  - id: gate
    needs: [probe, db]
    activity: fail
    retry: { maximumAttempts: 1 }
    input: { message: "gate closed", succeedOnAttempt: "{% $steps.probe.output.healthy ? 1 : 99 %}" }
`,
      "provision.yaml": `
nxrun: 1
name: provision
defaults:
  taskQueue: {{queue}}
steps:
  - id: create
    activity: echo
    input: { what: create }
finally:
  - id: cleanup
    activity: echo
    input: { status: "{% $run.status %}" }
`,
    });
    const first = await runPipelineFile(file);
    expect(first.code, output(first)).toBe(1);
    expect(stepOf(first, "db.cleanup").execution?.executionId).toBe(`${first.runId}.db.cleanup`);
    const resumed = await runPipelineFile(file, ["--resume", first.runId], { runId: first.runId });
    expect(resumed.code, output(resumed)).toBe(0);
    expect(stepOf(resumed, "db.create").reused).toBe(true);
    const cleanup = stepOf(resumed, "db.cleanup");
    expect(cleanup).toMatchObject({ status: "completed", output: { status: "completed" } });
    expect(cleanup.reused).toBeFalsy();
    expect(cleanup.execution?.executionId).toBe(`${first.runId}.db.cleanup@2`);
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.db.cleanup'`, 2);
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.db.create'`, 1);
  });

  it("a sub-pipeline its caller cancels (another step failed) is not failed: completed if its steps were, else canceled", async () => {
    const key = uniqueId("uses-cut");
    const file = files({
      "main.yaml": `
nxrun: 1
name: uses-cut
defaults:
  taskQueue: {{queue}}
steps:
  - id: done
    uses: ./quick.yaml
  - id: cut
    uses: ./long.yaml
    with: { key: ${key} }
  - id: bad
    activity: fail
    input: { message: smoke test failed, nonRetryable: true }
`,
      "quick.yaml": `
nxrun: 1
name: quick
defaults:
  taskQueue: {{queue}}
steps:
  - id: work
    activity: sleepFor
    input: { ms: 3000 }
`,
      "long.yaml": `
nxrun: 1
name: long
inputs:
  key: { type: string }
defaults:
  taskQueue: {{queue}}
steps:
  - id: work
    activity: slow
    input: { recordKey: "{% $inputs.key %}" }
    timeouts: { heartbeat: 2s }
`,
    });
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(1);
    // Only bad failed: the run's error names it alone, not the sub-pipelines it cancelled.
    expect(result.report?.error?.message, output(result)).toMatch(/^step 'bad' failed/);
    expect(result.report?.error?.message).not.toMatch(/SubPipelineFailed/);
    expect(stepOf(result, "done.work").status).toBe("completed");
    expect(stepOf(result, "done")).toMatchObject({ status: "completed" });
    expect(stepOf(result, "cut.work").status).toBe("canceled");
    expect(stepOf(result, "cut").status).toBe("canceled");
    expect(stepOf(result, "cut").error?.type).not.toBe("SubPipelineFailed");
  });

  it("a failure inside a sub-pipeline: the caller compensates its steps and the sub-pipeline's, latest first; its finally runs", async () => {
    const key = uniqueId("uses-undo");
    const file = files({
      "main.yaml": `
nxrun: 1
name: uses-undo
defaults:
  taskQueue: {{queue}}
steps:
  - id: reserve
    activity: echo
    input: { what: reserve }
    compensate: { activity: recordEvent, args: [${key}, { event: undo-reserve }] }
  - id: db
    uses: ./provision.yaml
    with: { key: ${key} }
    needs: [reserve]
`,
      "provision.yaml": `
nxrun: 1
name: provision
inputs:
  key: { type: string }
defaults:
  taskQueue: {{queue}}
steps:
  - id: create
    activity: echo
    input: { what: create }
    compensate: { activity: recordEvent, args: ["{% $inputs.key %}", { event: undo-create }] }
  - id: migrate
    activity: fail
    input: { message: migration broke, nonRetryable: true }
    needs: [create]
finally:
  - id: cleanup
    activity: echo
    input: { status: "{% $run.status %}" }
`,
    });
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(1);
    expect(stepOf(result, "db")).toMatchObject({ status: "failed", error: { type: "SubPipelineFailed" } });
    expect(stepOf(result, "db").error?.message).toMatch(/migration broke/);
    expect(stepOf(result, "db.cleanup")).toMatchObject({ status: "completed", output: { status: "failed" } });
    expect(handlerRecord(key).map((r) => r.event)).toEqual(["undo-create", "undo-reserve"]);
    const undo = result.report?.steps.find((s) => s.id === "db.create.compensate");
    expect(undo).toMatchObject({ section: "compensate", status: "completed", parent: "db" });
    expect(undo?.execution?.executionId).toBe(`${result.runId}.db.create.compensate`);
  });

  it("after a rollback undid a sub-step, --from the uses step starts its steps under the new key alone (db@2.create)", async () => {
    const key = uniqueId("uses-redo");
    const file = files({
      "main.yaml": `
nxrun: 1
name: uses-redo
defaults:
  taskQueue: {{queue}}
steps:
  - id: db
    uses: ./provision.yaml
  - id: gate
    activity: fail
    input: { message: gate closed, nonRetryable: true }
    needs: [db]
`,
      "provision.yaml": `
nxrun: 1
name: provision
defaults:
  taskQueue: {{queue}}
steps:
  - id: create
    activity: echo
    input: { what: create }
    compensate: { activity: recordEvent, args: [${key}, { event: undo-create }] }
`,
    });
    const first = await runPipelineFile(file);
    expect(first.code, output(first)).toBe(1);
    expect(handlerRecord(key).map((r) => r.event)).toEqual(["undo-create"]);
    const runId = first.runId;

    // The rollback undid db.create, and --from names db: db runs again as a whole under db@2, where
    // create is on its first attempt. The execution the engine starts is <run>.db@2.create.
    const whole = await runPipelineFile(file, ["--resume", runId, "--from", "db"], { runId });
    expect(whole.code, output(whole)).toBe(1);
    expect(stepOf(whole, "db.create").execution?.executionId).toBe(`${runId}.db@2.create`);
    await completedOnServer(runId, ["db@2.create"]);
    const status = await runNxrun(["status", runId, "-o", "json"]);
    expect(status.code, output(status)).toBe(0);
    const steps = (
      JSON.parse(status.stdout) as { run: { steps: Array<{ id: string; attempt: number; executions: string[] }> } }
    ).run.steps;
    expect(steps.find((s) => s.id === "db")).toMatchObject({ attempt: 2, executions: [`${runId}.db@2.create`] });
    expect(steps.find((s) => s.id === "db.create")?.executions).toEqual([`${runId}.db@2.create`]);
  });
});
