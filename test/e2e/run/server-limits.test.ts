/**
 * The server's limits named as such (issue 32, item 4): an input over the payload limit is refused
 * before anything starts where its size is known (exit 2, the step, its size, the limit, where it is
 * written), and fails its step where it is known only during the run; the server's own refusals of
 * a 3 MB and a 10 MB input are that error too, never "rate limiting"; an execution ID over the ID
 * length limit is refused by `check` and before a run, at the step.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { startActivityRequest } from "../../../src/temporal/activity-executions.js";
import { openRpc } from "../../../src/temporal/connect.js";
import { newRequestId } from "../../../src/temporal/execution-common.js";
import { startNexusRequest } from "../../../src/temporal/nexus-operations.js";
import { wf } from "../../../src/temporal/proto.js";
import { PayloadTooLargeError } from "../../../src/temporal/server-limits.js";
import { runNxrun, serverConnection, stack, uniqueId, waitFor } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const MB = 1_000_000;

/** Whether the server holds the activity execution `id` (Describe reads it, not visibility). */
async function exists(id: string): Promise<boolean> {
  const c = await serverConnection();
  try {
    await c.workflowService.describeActivityExecution({ namespace: stack().namespace, activityId: id });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 5 || String(error).includes("NOT_FOUND")) return false;
    throw error;
  }
}

/** Activity execution IDs starting with `prefix`, as visibility lists them. */
async function listed(prefix: string): Promise<string[]> {
  const c = await serverConnection();
  const response = await c.workflowService.listActivityExecutions({
    namespace: stack().namespace,
    query: `ActivityId STARTS_WITH '${prefix}'`,
    pageSize: 100,
  });
  return (response.executions ?? []).map((e) => e.activityId ?? "");
}

describe("the server's payload limit", () => {
  const client = stackClient();

  it("is read from the namespace: the dev server says 2 MiB", async () => {
    expect(await client.serverLimits()).toEqual({
      payloadBytes: 2 * 1024 * 1024,
      payloadFrom: "server",
      idBytes: 1000,
    });
  });

  it("the server's own refusals of a 3 MB and a 10 MB input are named as too large, not as rate limiting", async () => {
    const rpc = openRpc({ address: stack().address, namespace: stack().namespace });
    try {
      const activity = (mb: number) =>
        rpc
          .call(
            "StartActivityExecution",
            wf.StartActivityExecutionRequest,
            wf.StartActivityExecutionResponse,
            startActivityRequest(
              stack().namespace,
              "nxrun-e2e",
              {
                id: uniqueId("oversize"),
                activityType: "echo",
                taskQueue: stack().taskQueue,
                args: ["x".repeat(mb * MB)],
                startToClose: 10_000,
              },
              newRequestId(),
            ),
            { idempotent: true },
          )
          .catch((error: unknown) => error);
      // 3 MB: over the blob size limit (INVALID_ARGUMENT "input exceeds length limit").
      const three = await activity(3);
      expect(three).toBeInstanceOf(PayloadTooLargeError);
      expect((three as Error).message).toBe(
        "the input is over the server's limit (by default 2,097,152 bytes (2 MiB))",
      );
      // 10 MB: over the frontend's gRPC message size (RESOURCE_EXHAUSTED "larger than max").
      const ten = await activity(10);
      expect(ten).toBeInstanceOf(PayloadTooLargeError);
      expect((ten as Error).message).toMatch(
        /^the start request is 10,000,\d{3} bytes \(9\.5 MiB\) encoded, over the server's gRPC message limit of 4,194,304 bytes \(4 MiB\)$/,
      );
      expect(`${(three as Error).message} ${(ten as Error).message}`).not.toMatch(/rate limit|concurrency/);

      // A Nexus operation's: INVALID_ARGUMENT "input exceeds size limit. Length=N Limit=M".
      const nexus = await rpc
        .call(
          "StartNexusOperationExecution",
          wf.StartNexusOperationExecutionRequest,
          wf.StartNexusOperationExecutionResponse,
          startNexusRequest(
            stack().namespace,
            "nxrun-e2e",
            {
              id: uniqueId("oversize"),
              endpoint: stack().endpoint,
              service: "TestService",
              operation: "echo",
              input: "x".repeat(3 * MB),
              scheduleToClose: 10_000,
            },
            newRequestId(),
          ),
          { idempotent: true },
        )
        .catch((error: unknown) => error);
      expect(nexus).toBeInstanceOf(PayloadTooLargeError);
      expect((nexus as Error).message).toMatch(
        /^the input is 3,000,\d{3} bytes \(2\.9 MiB\) encoded, over the server's limit of 2,097,152 bytes \(2 MiB\)$/,
      );
    } finally {
      rpc.close();
    }
  });

  const bigInput = () =>
    pipelineFile(`nxrun: 1
name: payload-limit
inputs:
  blob: { type: string }
steps:
  - id: one
    activity: echo
    taskQueue: {{queue}}
    input: "{% {'blob': $inputs.blob} %}"
`);

  it("refuses a 3 MB and a 10 MB input before anything starts: the step, its size, the limit, where", async () => {
    const file = bigInput();
    const refused: string[] = [];
    for (const mb of [3, 10]) {
      const inputs = join(dirname(file), `inputs-${mb}.json`);
      writeFileSync(inputs, JSON.stringify({ blob: "x".repeat(mb * MB) }));
      const result = await runPipelineFile(file, ["--inputs", inputs, "--output", "plain"]);
      expect(result.code, output(result)).toBe(2);
      const size = mb === 3 ? "3,000,0\\d\\d bytes \\(2\\.9 MiB\\)" : "10,000,0\\d\\d bytes \\(9\\.5 MiB\\)";
      expect(result.stderr).toMatch(
        new RegExp(
          `pipeline\\.yaml:9:16: error NX182 step one: its input is ${size} encoded, over the server's limit of 2,097,152 bytes \\(2 MiB\\)`,
        ),
      );
      expect(result.stderr).toMatch(
        new RegExp(`error NX182 the run's inputs are ${size} encoded, over the server's limit`),
      );
      expect(result.stderr).toContain("hint: pass large data by reference");
      expect(result.stderr).not.toMatch(/rate limit|concurrency|Error:|\n\s+at /);
      // Not a line of a run: it never started.
      expect(result.stdout).toBe("");
      for (const id of [`${result.runId}~manifest`, `${result.runId}.one`]) expect(await exists(id)).toBe(false);
      refused.push(result.runId);
      // check --preflight asks the server for its limit and says the same.
      const preflight = await runNxrun(["check", "--preflight", file, "--inputs", inputs]);
      expect(preflight.code, output(preflight)).toBe(2);
      expect(preflight.stdout).toMatch(
        new RegExp(`pipeline\\.yaml:9:16: error NX182 step one: its input is ${size} encoded`),
      );
    }
    // Against a run of the same pipeline that did start: once visibility lists it, it would list theirs.
    const small = join(dirname(file), "inputs-small.json");
    writeFileSync(small, JSON.stringify({ blob: "x".repeat(1000) }));
    const control = await runPipelineFile(file, ["--inputs", small, "--output", "plain"]);
    expect(control.code, output(control)).toBe(0);
    await waitFor("visibility to list the control run", async () =>
      (await listed(control.runId)).includes(`${control.runId}.one`),
    );
    for (const runId of refused) expect(await listed(runId)).toEqual([]);
  });

  it("fails the step whose input an earlier step's output makes too large, with its size and the limit", async () => {
    const file = pipelineFile(`nxrun: 1
name: payload-late
steps:
  - id: seed
    activity: echo
    taskQueue: {{queue}}
    input: seed
  - id: grow
    activity: echo
    taskQueue: {{queue}}
    input: "{% $pad($steps.seed.output, 3000000, 'x') %}"
  - id: after
    needs: [grow]
    activity: echo
    taskQueue: {{queue}}
    input: never
`);
    const result = await runPipelineFile(file, ["--output", "plain"]);
    expect(result.code, output(result)).toBe(1);
    const grow = stepOf(result, "grow");
    expect(grow.status).toBe("failed");
    expect(grow.error?.message).toMatch(
      new RegExp(
        `^the input of activity ${result.runId}\\.grow is 3,000,0\\d\\d bytes \\(2\\.9 MiB\\) encoded, over the server's limit of 2,097,152 bytes \\(2 MiB\\) \\(hint: pass large data by reference`,
      ),
    );
    expect(stepOf(result, "seed").status).toBe("completed");
    expect(stepOf(result, "after").status).toBe("skipped");
    expect(result.stdout).toMatch(
      /run +failed in .*step 'grow' failed: the input of activity \S+\.grow is 3,000,0\d\d bytes/,
    );
    expect(result.stdout + result.stderr).not.toMatch(/rate limit|concurrency/);
    // Refused before it was sent: the server never had it.
    expect(await exists(`${result.runId}.grow`)).toBe(false);
    expect(await exists(`${result.runId}.seed`)).toBe(true);
  });
});

describe("the server's ID length limit", () => {
  it("check refuses a 2,000-character step ID at the step; run refuses it and a too long --run-id with nothing started", async () => {
    const file = pipelineFile(`nxrun: 1
name: long-ids
steps:
  - id: short
    activity: echo
    taskQueue: {{queue}}
  - id: ${"s".repeat(2000)}
    activity: echo
    taskQueue: {{queue}}
`);
    const checked = await runNxrun(["check", file]);
    expect(checked.code, output(checked)).toBe(2);
    expect(checked.stdout).toMatch(
      /pipeline\.yaml:7:5: error NX183 step s{30}…s{25}: with a run ID nxrun generates \(\d+ bytes: .*\), its execution ID long-ids-.* is 2,0\d\d bytes \(2 KiB\), over the server's limit of 1,000 bytes \(limit\.maxIDLength\)/,
    );
    expect(checked.stdout).toContain("hint: shorten the step ID");
    expect(checked.stdout).toContain("1 error in 1 of 1 file");

    const run = await runPipelineFile(file, ["--output", "plain"]);
    expect(run.code, output(run)).toBe(2);
    expect(run.stderr).toMatch(/pipeline\.yaml:7:5: error NX183 step s{30}…s{25}: with run ID run-/);
    expect(run.stdout).toBe("");
    for (const id of [`${run.runId}~manifest`, `${run.runId}.short`]) expect(await exists(id)).toBe(false);

    const shortFile = pipelineFile(`nxrun: 1
name: long-run-id
steps:
  - id: short
    activity: echo
    taskQueue: {{queue}}
`);
    const longRunId = await runPipelineFile(shortFile, ["--output", "plain"], { runId: `r${"x".repeat(995)}` });
    expect(longRunId.code, output(longRunId)).toBe(2);
    expect(longRunId.stderr).toMatch(
      /pipeline\.yaml: error NX183 with run ID rx{29}…x{25} \(996 bytes\), the run's record rx+…x+~compensations is 1,010 bytes, over the server's limit of 1,000 bytes/,
    );
    expect(longRunId.stderr).toContain("hint: give a shorter --run-id");
    // Not a line of a run (the server could not even describe an execution of that ID: it is too long).
    expect(longRunId.stdout).toBe("");
  });
});
