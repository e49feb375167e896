/**
 * `uses:` end to end: a sub-pipeline as one step (its outputs the step's output, its executions
 * `<run>.<step>.<substep>` on the server), a forEach over a uses step, and a failure inside a
 * sub-pipeline whose completed steps are compensated by the caller's run, in reverse completion order
 * (the handler's record proves the order), with the sub-pipeline's finally run when it ends.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import { handlerRecord, stack, uniqueId } from "../../support/e2e/harness.js";
import { output, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

const client = clientOver(openRpc({ address: stack().address, namespace: stack().namespace }), "nxrun-e2e");
afterAll(() => client.close());

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

describe.concurrent("uses", () => {
  it("--from a uses step reruns all its sub-steps under a new key; --from a step inside it is one clear error", async () => {
    const file = files({
      "main.yaml": `
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
`,
      "greeter.yaml": GREETER,
    });
    const runId = uniqueId("usesfrom");
    const first = await runPipelineFile(file, [], { runId });
    expect(first.code, output(first)).toBe(0);

    const inside = await runPipelineFile(file, ["--resume", runId, "--from", "hello.shout"], { runId });
    expect(inside.code, output(inside)).toBe(2);
    expect(inside.stderr).toContain(
      "--from hello.shout: a step inside the sub-pipeline of uses step 'hello' cannot be rerun on its own",
    );
    expect(inside.stderr).toContain(
      `--from hello reruns the whole sub-pipeline (greet, shout) as new executions under ${runId}.hello@<n>`,
    );
    expect(inside.stderr).not.toMatch(/\n\s+at /);

    const rerun = await runPipelineFile(file, ["--resume", runId, "--from", "hello"], { runId });
    expect(rerun.code, output(rerun)).toBe(0);
    expect(stepOf(rerun, "hello.greet").execution?.executionId).toBe(`${runId}.hello@2.greet`);
    expect(stepOf(rerun, "after").execution?.executionId).toBe(`${runId}.after@2`);
    for (const id of ["hello.greet", "hello.shout", "hello@2.greet", "hello@2.shout"])
      expect((await client.activities.describe(`${runId}.${id}`)).status).toBe("completed");
  });

  it("runs a sub-pipeline as one step: its outputs are the step's output, its executions are <run>.<step>.<substep>", async () => {
    const file = files({
      "main.yaml": `
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
`,
      "greeter.yaml": GREETER,
    });
    const result = await runPipelineFile(file, ["-i", "who=Ada"]);
    expect(result.code, output(result)).toBe(0);
    expect(result.report?.outputs).toEqual({ got: "HELLO, ADA!!" });
    expect(stepOf(result, "hello")).toMatchObject({
      kind: "uses",
      status: "completed",
      output: { greeting: "HELLO, ADA!!" },
    });
    expect(stepOf(result, "hello.greet")).toMatchObject({ parent: "hello", status: "completed" });
    expect(stepOf(result, "hello.shout").execution?.executionId).toBe(`${result.runId}.hello.shout`);
    for (const id of ["hello.greet", "hello.shout"])
      expect((await client.activities.describe(`${result.runId}.${id}`)).status).toBe("completed");
    expect(result.stdout).toMatch(/ok\s+hello\.greet/);
  });

  it("forEach over a uses step: one sub-pipeline per item, outputs in item order", async () => {
    const file = files({
      "main.yaml": `
nxrun: 1
name: uses-each
steps:
  - id: hello
    forEach: [Ada, Grace]
    uses: ./greeter.yaml
    with: { name: "{% $item %}", punctuation: "{% $string($index) %}" }
`,
      "greeter.yaml": GREETER,
    });
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    expect(stepOf(result, "hello").output).toEqual([{ greeting: "HELLO, ADA!0" }, { greeting: "HELLO, GRACE!1" }]);
    expect(stepOf(result, "hello[1].shout")).toMatchObject({ parent: "hello", status: "completed" });
    expect((await client.activities.describe(`${result.runId}.hello.1.shout`)).status).toBe("completed");
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
});
