/**
 * `--resume RUN --from X` starts X and what depends on X, nothing else (docs/cli.md, "Rerunning from
 * a step"), on the real server: upstream steps are read back, a step outside the set that never
 * completed is not run (and the run is not complete), a continued failure outside it counts as done,
 * and an upstream step that never completed refuses the rerun with nothing started. What was started
 * is read from the server: executions described by ID, and the counts of each step's executions.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runNxrun, stack, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();

/** The server holds `count` executions of `<runId>.<key>` (every attempt of that ID). */
async function startsOf(runId: string, key: string, count: number): Promise<void> {
  await waitForCount("activity", `ActivityId = '${runId}.${key}'`, count);
}

/** The execution's run ID and status, described by ID (what visibility may not show yet). */
async function described(executionId: string): Promise<{ runId: string; status: string } | "not found"> {
  try {
    const found = await client.activities.describe(executionId);
    return { runId: found.runId, status: found.status };
  } catch (error) {
    if ((error as Error).name === "NotFoundError") return "not found";
    throw error;
  }
}

// a -> b -> d is the line --from b reruns; c (needs a) fails the run when tag=stop, so late (needs c)
// never runs; flaky fails under onError: continue beside them; audit is the finally step.
const PIPELINE = `
nxrun: 1
name: from-set
inputs:
  tag: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
  retry: { maximumAttempts: 1 }
steps:
  - id: flaky
    activity: fail
    onError: continue
    input: { message: broken on purpose }
  - id: a
    activity: echo
    input: { text: "{% $inputs.tag %}" }
  - id: c
    needs: [a]
    activity: fail
    input: { message: c is closed, succeedOnAttempt: "{% $inputs.tag = 'stop' ? 99 : 1 %}" }
  - id: late
    needs: [c]
    activity: echo
    input: { late: true }
  - id: b
    needs: [a]
    activity: echo
    input: { text: "{% $steps.a.output.text & '-b' %}" }
  - id: d
    activity: echo
    input: { text: "{% $steps.b.output.text & '-d' %}" }
finally:
  - id: audit
    activity: echo
    input: { status: "{% $run.status %}" }
`;

describe("--from X starts X and what depends on X, nothing else", () => {
  it("reads upstream back, leaves a failed and a never-run step outside alone, and does not claim the run complete", async () => {
    const file = pipelineFile(PIPELINE);
    const first = await runPipelineFile(file, ["-i", "tag=stop"]);
    expect(first.code, output(first)).toBe(1);
    expect(stepOf(first, "c").status).toBe("failed");
    expect(stepOf(first, "late").status).toBe("skipped");
    const cBefore = await described(`${first.runId}.c`);

    const rerun = await runPipelineFile(file, ["--resume", first.runId, "--from", "b", "-o", "plain"], {
      runId: first.runId,
    });
    expect(rerun.code, output(rerun)).toBe(1);
    // b and what depends on it are new attempts; the finally step runs again with the run's status.
    expect(stepOf(rerun, "b")).toMatchObject({ status: "completed", output: { text: "stop-b" } });
    expect(stepOf(rerun, "b").execution?.executionId).toBe(`${first.runId}.b@2`);
    expect(stepOf(rerun, "d")).toMatchObject({ status: "completed", output: { text: "stop-b-d" } });
    expect(stepOf(rerun, "audit")).toMatchObject({ status: "completed", output: { status: "failed" } });
    // Upstream read back; the continued failure outside the set is done, read back too.
    expect(stepOf(rerun, "a")).toMatchObject({ status: "completed", reused: true });
    expect(stepOf(rerun, "flaky")).toMatchObject({ status: "failed", reused: true });
    // Outside the set and never completed: not run, said so, and the run is not complete.
    for (const [id, found] of [
      ["c", "it ended failed"],
      ["late", "never started"],
    ] as const) {
      expect(stepOf(rerun, id)).toMatchObject({
        status: "skipped",
        error: { type: "NotRun", message: `not run (outside --from b): ${found}` },
      });
      expect(rerun.stdout).toMatch(new RegExp(`skipped +${id}: not run \\(outside --from b\\)`));
      expect(rerun.stdout).not.toMatch(new RegExp(`running +${id} `));
    }
    expect(rerun.report?.status).toBe("failed");
    expect(rerun.report?.error).toMatchObject({ type: "RunNotComplete" });
    expect(rerun.report?.error?.message).toContain("'c', 'late' did not run (outside --from b)");
    expect(rerun.stdout).toContain(`--resume ${first.runId}`);

    // The server: c is the first session's one failed execution, late has none; b, d, audit one more each.
    expect(await described(`${first.runId}.c`)).toEqual(cBefore);
    expect(await described(`${first.runId}.late`)).toBe("not found");
    await startsOf(first.runId, "c", 1);
    await startsOf(first.runId, "flaky", 1);
    await startsOf(first.runId, "a", 1);
    await startsOf(first.runId, "b@2", 1);
    await startsOf(first.runId, "d@2", 1);
    await startsOf(first.runId, "audit@2", 1);
    // The first session's executions (b and d too when they started before c failed), and those three.
    const firstStarts = first.report?.steps.filter((s) => s.execution !== undefined).length ?? 0;
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.'`, firstStarts + 3);

    // status shows the step as not run, with why.
    const status = await runNxrun(["status", first.runId]);
    expect(status.stdout).toMatch(/\bc +skipped .*not run \(outside --from b\)/);

    // A plain resume of the incomplete run starts what is left: c again (it fails again), never b or a.
    const resumed = await runPipelineFile(file, ["--resume", first.runId], { runId: first.runId });
    expect(resumed.code, output(resumed)).toBe(1);
    expect(stepOf(resumed, "b")).toMatchObject({ status: "completed", reused: true });
    await startsOf(first.runId, "c", 2);
    await startsOf(first.runId, "a", 1);
    await startsOf(first.runId, "b@2", 1);
  });

  it("on a run whose steps all completed, reruns the set and ends completed", async () => {
    const file = pipelineFile(PIPELINE);
    const first = await runPipelineFile(file, ["-i", "tag=go"]);
    expect(first.code, output(first)).toBe(0);
    const rerun = await runPipelineFile(file, ["--resume", first.runId, "--from", "b"], { runId: first.runId });
    expect(rerun.code, output(rerun)).toBe(0);
    expect(rerun.report?.status).toBe("completed");
    for (const id of ["a", "c", "late"]) expect(stepOf(rerun, id)).toMatchObject({ status: "completed", reused: true });
    expect(stepOf(rerun, "flaky")).toMatchObject({ status: "failed", reused: true });
    expect(stepOf(rerun, "audit")).toMatchObject({ output: { status: "completed" } });
    await startsOf(first.runId, "c", 1);
    await startsOf(first.runId, "late", 1);
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.'`, 10);
  });

  it("refuses when a step the rerun reads never completed: exit 2, the command that works, nothing started", async () => {
    const file = pipelineFile(
      PIPELINE.replace("name: from-set", "name: from-upstream").replace(
        `  - id: a
    activity: echo
    input: { text: "{% $inputs.tag %}" }`,
        `  - id: a
    activity: fail
    input: { message: a broke, succeedOnAttempt: "{% $inputs.tag = 'stop' ? 99 : 1 %}" }`,
      ),
    );
    const first = await runPipelineFile(file, ["-i", "tag=stop"]);
    expect(first.code, output(first)).toBe(1);
    expect(stepOf(first, "a").status).toBe("failed");
    const aBefore = await described(`${first.runId}.a`);

    const refused = await runNxrun(["run", file, "--resume", first.runId, "--from", "d"]);
    expect(refused.code, output(refused)).toBe(2);
    expect(refused.stderr).toContain(
      `--from d needs 'a' (it ended failed), 'b' (never started), which have not completed in run ${first.runId}; nothing was started`,
    );
    // Rerunning from a reruns b too: the hint names a alone.
    expect(refused.stderr).toContain(`nxrun run ${file} --resume ${first.runId} --from a\n`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    // Nothing started, and no session opened: status still shows the first session's end.
    for (const key of ["b", "b@2", "d", "d@2", "audit@2"])
      expect(await described(`${first.runId}.${key}`)).toBe("not found");
    expect(await described(`${first.runId}.a`)).toEqual(aBefore);
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.'`, 3);
    const status = await runNxrun(["status", first.runId]);
    expect(status.stdout).toContain("failed (exit 1)");

    // The command the hint gives is accepted: a runs again as a new attempt (and fails again).
    const fromA = await runPipelineFile(file, ["--resume", first.runId, "--from", "a"], { runId: first.runId });
    expect(fromA.code, output(fromA)).toBe(1);
    expect(stepOf(fromA, "a").execution?.executionId).toBe(`${first.runId}.a@2`);
  });

  it("refuses a forEach upstream with an item that never completed, read back by the run itself, starting nothing", async () => {
    const file = pipelineFile(`
nxrun: 1
name: from-upstream-items
inputs:
  tag: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
  retry: { maximumAttempts: 1 }
steps:
  - id: fan
    forEach: [1, 2]
    activity: fail
    input: { message: item broke, succeedOnAttempt: "{% $item = 2 and $inputs.tag = 'stop' ? 99 : 1 %}" }
  - id: next
    activity: echo
    input: { n: "{% $count($steps.fan.output) %}" }
`);
    const first = await runPipelineFile(file, ["-i", "tag=stop"]);
    expect(first.code, output(first)).toBe(1);
    const refused = await runNxrun(["run", file, "--resume", first.runId, "--from", "next"]);
    expect(refused.code, output(refused)).toBe(2);
    expect(refused.stderr).toContain("--from next needs 'fan'");
    expect(refused.stderr).toContain(`--resume ${first.runId} --from fan`);
    expect(await described(`${first.runId}.next@2`)).toBe("not found");
    await startsOf(first.runId, "fan.1", 1);
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.'`, 2);
  });

  it("reads a uses step back whole: one whose step failed refuses a rerun that reads it, starting nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-from-uses-"));
    const write = (name: string, yaml: string) =>
      writeFileSync(join(dir, name), yaml.replaceAll("{{queue}}", stack().taskQueue));
    write(
      "inner.yaml",
      `
nxrun: 1
name: inner
inputs:
  tag: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
  retry: { maximumAttempts: 1 }
steps:
  - id: x
    activity: echo
    input: { x: 1 }
  - id: y
    needs: [x]
    activity: fail
    input: { message: y broke, succeedOnAttempt: "{% $inputs.tag = 'stop' ? 99 : 1 %}" }
`,
    );
    write(
      "main.yaml",
      `
nxrun: 1
name: from-uses
inputs:
  tag: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
  retry: { maximumAttempts: 1 }
steps:
  - id: u
    uses: ./inner.yaml
    with: { tag: "{% $inputs.tag %}" }
  - id: z
    activity: echo
    input: { after: "{% $steps.u.status %}" }
`,
    );
    const file = join(dir, "main.yaml");
    const first = await runPipelineFile(file, ["-i", "tag=stop"]);
    expect(first.code, output(first)).toBe(1);
    expect(stepOf(first, "u.y").status).toBe("failed");
    const yBefore = await described(`${first.runId}.u.y`);

    const refused = await runNxrun(["run", file, "--resume", first.runId, "--from", "z"]);
    expect(refused.code, output(refused)).toBe(2);
    expect(refused.stderr).toContain("--from z needs 'u' (a step of it never completed)");
    expect(refused.stderr).toContain(`--resume ${first.runId} --from u`);
    expect(await described(`${first.runId}.z@2`)).toBe("not found");
    expect(await described(`${first.runId}.z`)).toBe("not found");
    expect(await described(`${first.runId}.u.y`)).toEqual(yBefore);
    await waitForCount("activity", `ActivityId STARTS_WITH '${first.runId}.'`, 2);
  });
});
