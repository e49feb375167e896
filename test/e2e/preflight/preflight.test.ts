/**
 * `nxrun check --preflight` against the real server: the stack has an endpoint with a worker, an
 * endpoint whose target queue nobody polls, and a queue nobody polls. Each problem must come back
 * at the step that has it, with a code and a hint.
 */
import { describe, expect, it } from "vitest";
import { runNxrun, stack, uniqueId } from "../../support/e2e/harness.js";
import { output, pipelineFile } from "../../support/e2e/run-helpers.js";

interface JsonDiagnostic {
  code: string;
  severity: string;
  message: string;
  hint?: string;
  file: string;
  line: number;
  column: number;
}

describe.concurrent("nxrun check --preflight", () => {
  it("passes when the namespace, endpoints and pollers are all there", async () => {
    const file = pipelineFile(`
nxrun: 1
name: preflight-ok
defaults:
  taskQueue: {{queue}}
steps:
  - id: add
    activity: add
    input: { a: 1, b: 2 }
  - id: greet
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: greet }
    input: { name: ok }
`);
    const result = await runNxrun(["check", "--preflight", file]);
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain("1 file checked: ok");
  });

  it("reports a missing endpoint, an endpoint whose queue has no worker, and an activity queue with no worker, each at its step", async () => {
    const missing = uniqueId("no-such-endpoint");
    const file = pipelineFile(`
nxrun: 1
name: preflight-problems
defaults:
  taskQueue: {{queue}}
steps:
  - id: fine
    activity: echo
  - id: noWorker
    activity: echo
    taskQueue: {{idleQueue}}
  - id: noEndpoint
    nexus: { endpoint: ${missing}, service: TestService, operation: echo }
  - id: idleTarget
    nexus: { endpoint: {{idleEndpoint}}, service: TestService, operation: echo }
  - id: undo
    activity: echo
    compensate:
      nexus: { endpoint: ${missing}, service: TestService, operation: echo }
`);
    const json = await runNxrun(["check", "--preflight", "--format", "json", file]);
    expect(json.code, output(json)).toBe(2);
    const diagnostics = JSON.parse(json.stdout) as JsonDiagnostic[];
    const s = stack();
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ["NX303", 9, 5],
      ["NX302", 12, 5],
      ["NX304", 14, 5],
      ["NX302", 19, 7],
    ]);
    for (const d of diagnostics) {
      expect(d.severity).toBe("error");
      expect(d.file).toBe(file);
      expect(d.hint).toBeTruthy();
    }
    expect(diagnostics[0]?.message).toBe(
      `step noWorker: no worker polls activity task queue "${s.idleTaskQueue}" in namespace default`,
    );
    expect(diagnostics[1]?.message).toContain(`Nexus endpoint "${missing}" does not exist`);
    expect(diagnostics[1]?.hint).toContain(`temporal operator nexus endpoint create --name ${missing}`);
    expect(diagnostics[2]?.message).toContain(`no worker polls task queue "${s.idleTaskQueue}"`);
    expect(diagnostics[2]?.message).toContain(`the target of Nexus endpoint "${s.idleEndpoint}"`);
    expect(diagnostics[3]?.message).toContain("step undo (compensate)");

    const text = await runNxrun(["check", "--preflight", file]);
    expect(text.code, output(text)).toBe(2);
    expect(text.stdout).toContain(`${file}:9:5: error NX303 step noWorker`);
    expect(text.stdout).toContain("4 errors in 1 of 1 file");
  });

  it("reports a namespace the server does not have at the pipeline's temporal.namespace", async () => {
    const file = pipelineFile(`
nxrun: 1
name: preflight-namespace
temporal:
  namespace: no-such-namespace
steps:
  - id: add
    activity: add
    taskQueue: {{queue}}
`);
    // The harness sets TEMPORAL_NAMESPACE, which would win over the pipeline's setting: unset it
    // (spawn leaves out variables whose value is undefined).
    const result = await runNxrun(["check", "--preflight", file], { env: { TEMPORAL_NAMESPACE: undefined } });
    expect(result.code, output(result)).toBe(2);
    expect(result.stdout).toContain(
      `${file}:5:14: error NX301 namespace "no-such-namespace" does not exist on ${stack().address}`,
    );
    expect(result.stdout).toContain("hint: fix temporal.namespace");
  });

  it("exits 3 with a one-line message when the server cannot be reached", async () => {
    const file = pipelineFile(`
nxrun: 1
name: preflight-down
steps:
  - id: add
    activity: add
    taskQueue: {{queue}}
`);
    const result = await runNxrun(["check", "--preflight", file], { address: "127.0.0.1:1" });
    expect(result.code, output(result)).toBe(3);
    expect(result.stderr).toMatch(/^error: cannot reach Temporal at 127\.0\.0\.1:1 .*$/m);
    expect(result.stderr).toMatch(/^hint: check --address/m);
    expect(result.stdout).toBe("");
  });

  it("does not ask the server when the static checks fail", async () => {
    const file = pipelineFile(`
nxrun: 1
name: preflight-static
steps:
  - id: add
    activity: add
    taskQueue: {{queue}}
    input: "{% $steps.nope.output %}"
`);
    const result = await runNxrun(["check", "--preflight", file], { address: "127.0.0.1:1" });
    expect(result.code, output(result)).toBe(2);
    expect(result.stdout).toContain("NX124");
    expect(result.stderr).not.toContain("cannot reach");
  });
});

describe.concurrent("nxrun check --preflight with computed task queues and endpoints", () => {
  it("evaluates them with -i, per forEach item, and reports each problem at its expression", async () => {
    const missing = uniqueId("no-such-endpoint");
    const file = pipelineFile(`
nxrun: 1
name: preflight-computed
inputs:
  queues: { type: array, items: { type: string } }
  endpoint: { type: string }
  wait: { type: number, default: 5 }
steps:
  - id: fan
    forEach: "{% $inputs.queues %}"
    activity: echo
    taskQueue: "{% $item %}"
  - id: op
    nexus: { endpoint: "{% $inputs.endpoint %}", service: TestService, operation: echo }
  - id: later
    activity: echo
    taskQueue: "{% $steps.fan.output[0] %}"
  - id: timed
    activity: echo
    taskQueue: {{queue}}
    timeouts: { startToClose: "{% $inputs.wait %}" }
`);
    const s = stack();
    const result = await runNxrun([
      "check",
      "--preflight",
      "--format",
      "json",
      file,
      "-i",
      JSON.stringify(["queues", [s.taskQueue, s.idleTaskQueue, s.taskQueue]]).replace(
        /^\["queues",(.*)\]$/,
        "queues=$1",
      ),
      "-i",
      `endpoint=${missing}`,
    ]);
    expect(result.code, output(result)).toBe(2);
    const diagnostics = JSON.parse(result.stdout) as JsonDiagnostic[];
    expect(diagnostics.map((d) => [d.code, d.severity, d.line, d.column])).toEqual([
      ["NX303", "error", 12, 20],
      ["NX302", "error", 14, 28],
      ["NX309", "warning", 17, 20],
      ["NX305", "error", 21, 35],
    ]);
    expect(diagnostics[0]?.message).toBe(
      `step fan (item 1): no worker polls activity task queue "${s.idleTaskQueue}" in namespace default`,
    );
    expect(diagnostics[1]?.message).toContain(`Nexus endpoint "${missing}" does not exist`);
    expect(diagnostics[2]?.message).toContain("was not checked: it reads $steps.fan");
    expect(diagnostics[3]?.message).toBe(
      "step timed: timeouts.startToClose must be a positive duration, but the expression gave the number 5",
    );

    // Without -i the queues are not known: warnings, and the rest still checked.
    const bare = await runNxrun(["check", "--preflight", "--format", "json", file]);
    const warned = JSON.parse(bare.stdout) as JsonDiagnostic[];
    expect(warned.filter((d) => d.code === "NX309").map((d) => d.message)).toEqual([
      'step fan: the task queue {% $item %} was not checked: the forEach items are not known before the run: input "queues" is not given (-i queues=...)',
      'step op: the Nexus endpoint {% $inputs.endpoint %} was not checked: input "endpoint" is not given (-i endpoint=...)',
      "step later: the task queue {% $steps.fan.output[0] %} was not checked: it reads $steps.fan, known only during the run",
    ]);
  });

  it("passes when every computed queue has a poller and the endpoint exists", async () => {
    const file = pipelineFile(`
nxrun: 1
name: preflight-computed-ok
inputs:
  region: { type: string }
vars:
  queue: "{% $inputs.region = 'test' ? '{{queue}}' : 'elsewhere' %}"
steps:
  - id: one
    activity: echo
    taskQueue: "{% $vars.queue %}"
  - id: two
    nexus: { endpoint: "{% '{{endpoint}}' %}", service: TestService, operation: echo }
`);
    const result = await runNxrun(["check", "--preflight", file, "-i", "region=test"]);
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain("1 file checked: ok");
  });
});
