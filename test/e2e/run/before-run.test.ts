/**
 * What the inputs decide is checked before anything starts (issue 33, items 4 and 5): a wrong value
 * or a confirm step nobody can answer is exit 2 with no execution on the server, and the messages of
 * a run that failed say each thing once, with the values filled in.
 */
import { describe, expect, it } from "vitest";
import { runNxrun, serverConnection, stack, waitFor } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile } from "../../support/e2e/run-helpers.js";

/** Every activity execution whose ID starts with `prefix`, as the server's visibility lists them. */
async function listed(prefix: string): Promise<string[]> {
  const c = await serverConnection();
  const response = await c.workflowService.listActivityExecutions({
    namespace: stack().namespace,
    query: `ActivityId STARTS_WITH '${prefix}'`,
    pageSize: 100,
  });
  return (response.executions ?? []).map((e) => e.activityId ?? "");
}

/** Whether the server holds the activity execution `id` (Describe reads it, not visibility). */
async function exists(id: string): Promise<boolean> {
  const c = await serverConnection();
  try {
    await c.workflowService.describeActivityExecution({ namespace: stack().namespace, activityId: id });
    return true;
  } catch (error) {
    if (String(error).includes("NOT_FOUND") || (error as { code?: number }).code === 5) return false;
    throw error;
  }
}

/**
 * Asserts that run `refused` left nothing on the server, against run `control` of the same pipeline
 * that did start: once visibility lists the control's executions, it would list the refused run's too.
 */
async function expectNothingStarted(refused: string, control: string, controlIds: string[]): Promise<void> {
  for (const id of controlIds) expect(await exists(id)).toBe(true);
  await waitFor("visibility to list the control run's executions", async () => {
    const ids = await listed(control);
    return controlIds.every((id) => ids.includes(id));
  });
  expect(await listed(refused)).toEqual([]);
  for (const suffix of [".first", ".settle", "~manifest"]) expect(await exists(`${refused}${suffix}`)).toBe(false);
}

describe("values the inputs decide, checked before the run", () => {
  const waitPipeline = () =>
    pipelineFile(`nxrun: 1
name: before-run-wait
inputs:
  settle: { type: string }
steps:
  - id: first
    activity: echo
    taskQueue: {{queue}}
    input: { step: first }
    compensate:
      activity: echo
      taskQueue: {{queue}}
      input: { undo: first }
  - id: settle
    needs: [first]
    wait: "{% $inputs.settle %}"
`);

  it("refuses a wait the inputs make wrong at its expression, with nothing started; --dry-run says the same", async () => {
    const file = waitPipeline();
    const refused = await runPipelineFile(file, ["-i", "settle=5", "--output", "plain"]);
    expect(refused.code, output(refused)).toBe(2);
    expect(refused.stderr).toMatch(
      /pipeline\.yaml:16:15: error NX180 step settle: a wait of "5" is neither a duration .* nor an ISO 8601 time/,
    );
    expect(refused.stderr).toMatch(
      /hint: check the expression; try it with `nxrun eval '\$inputs\.settle' --pipeline \S+pipeline\.yaml --step settle --in wait`/,
    );
    // Not one line of a run: no header, no step, no report.
    expect(refused.stdout).toBe("");
    expect(refused.report).toBeUndefined();

    const dry = await runPipelineFile(file, ["-i", "settle=5", "--dry-run"]);
    expect(dry.code, output(dry)).toBe(2);
    expect(dry.stdout).toContain("settle: wait 5 after first");
    expect(dry.stderr).toContain("error NX180 step settle");
    const dryOk = await runPipelineFile(file, ["-i", "settle=1s", "--dry-run"]);
    expect(dryOk.code, output(dryOk)).toBe(0);
    expect(dryOk.stdout).toContain("settle: wait 1s after first");

    const preflight = await runNxrun(["check", "--preflight", file, "-i", "settle=5"]);
    expect(preflight.code, output(preflight)).toBe(2);
    expect(preflight.stdout + preflight.stderr).toContain("error NX180 step settle");

    const control = await runPipelineFile(file, ["-i", "settle=1s", "--output", "plain"]);
    expect(control.code, output(control)).toBe(0);
    await expectNothingStarted(refused.runId, control.runId, [`${control.runId}.first`, `${control.runId}.settle`]);
  });

  it("refuses a confirm step nobody can answer at start, with nothing started; --yes runs it", async () => {
    const file = pipelineFile(`nxrun: 1
name: before-run-confirm
inputs:
  region: { type: string }
steps:
  - id: first
    activity: echo
    taskQueue: {{queue}}
    input: { step: first }
  - id: settle
    needs: [first]
    wait: 1s
  - id: approve
    needs: [settle]
    confirm: "{% 'deploy to ' & $inputs.region & '?' %}"
  - id: later
    needs: [approve]
    when: "{% $inputs.region = 'none' %}"
    confirm: "never asked: when is false"
`);
    const refused = await runPipelineFile(file, ["-i", "region=eu", "--output", "plain"]);
    expect(refused.code, output(refused)).toBe(2);
    expect(refused.stderr).toContain(
      "error NX181 step approve asks for approval and nobody can answer: there is no terminal to ask on and no --yes",
    );
    expect(refused.stderr).toContain("hint: pass --yes");
    // One problem: the confirm step the inputs turn off is not one.
    expect(refused.stderr.match(/error NX/g)).toHaveLength(1);
    expect(refused.report).toBeUndefined();

    const control = await runPipelineFile(file, ["-i", "region=eu", "--output", "plain", "--yes"]);
    expect(control.code, output(control)).toBe(0);
    expect(control.stdout).toContain("deploy to eu?");
    await expectNothingStarted(refused.runId, control.runId, [`${control.runId}.first`, `${control.runId}.settle`]);
  });
});

describe("messages said once, filled in", () => {
  it("an until that throws shows the output it was given (masked) and the eval command for its step and field", async () => {
    const secret = "s3cr3t-token-value";
    const file = pipelineFile(`nxrun: 1
name: until-throws
secrets:
  token: { env: NXRUN_E2E_UNTIL_TOKEN }
steps:
  - id: poll
    activity: echo
    taskQueue: {{queue}}
    input: { healthy: false, token: "{% $secrets.token %}" }
    repeat:
      until: "{% $number($output.token) > 0 %}"
      every: 1s
      limit: 3
`);
    const result = await runPipelineFile(file, ["--output", "plain"], { env: { NXRUN_E2E_UNTIL_TOKEN: secret } });
    expect(result.code, output(result)).toBe(1);
    expect(result.stdout).toContain('it was given $attempt 1 and $output {"healthy":false,"token":"***"}');
    // The check the until was given counts: the step's line and record say 1 check, not 0.
    expect(result.stdout).toMatch(/FAILED\s+poll\b.* after 1 check\(s\)/);
    expect(result.report?.steps.find((s) => s.id === "poll")?.repeat?.attempt).toBe(1);
    expect(result.stdout).toMatch(
      /try it with `nxrun eval '\$number\(\$output\.token\) > 0' --pipeline \S+pipeline\.yaml --step poll --in repeat\.until`/,
    );
    expect(result.stdout + result.stderr + JSON.stringify(result.report)).not.toContain(secret);
  });

  it("the last line names the failed step and the failed compensation, each message once", async () => {
    const file = pipelineFile(`nxrun: 1
name: last-line
steps:
  - id: first
    activity: echo
    taskQueue: {{queue}}
    input: { step: first }
    compensate:
      activity: fail
      taskQueue: {{queue}}
      input: { message: "could not undo first", type: UndoFailed, nonRetryable: true }
  - id: smoke
    needs: [first]
    activity: fail
    taskQueue: {{queue}}
    input: { message: "smoke test failed for checkout", type: AcceptanceFailure, nonRetryable: true }
`);
    const result = await runPipelineFile(file, ["--output", "plain"]);
    expect(result.code, output(result)).toBe(1);
    const last = result.stdout.trimEnd().split("\n").at(-1) ?? "";
    expect(last).toMatch(/ run +failed in /);
    expect(last).toContain(
      "step 'smoke' failed: AcceptanceFailure (non-retryable): smoke test failed for checkout ← caused by QuotaError (non-retryable): disk quota exceeded",
    );
    expect(last).toContain(
      "; compensation 'first.compensate' failed: UndoFailed (non-retryable): could not undo first ← caused by QuotaError (non-retryable): disk quota exceeded",
    );
    expect(last.split("smoke test failed for checkout")).toHaveLength(2);
    expect(last.split("could not undo first")).toHaveLength(2);
  });
});
