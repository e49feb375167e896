/**
 * The whole run from its manifest, on the real server: `status` after a kill (steps not started, the
 * resume command, JSON valid against specs/status.schema.json), `--resume --from` rerunning exactly
 * the downstream set under new execution IDs, a forEach's items counted from the run's record, and
 * `nxrun runs` listing the runs. test/e2e/runs/watch.test.ts has `nxrun watch`.
 */
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { itemExecutionId } from "../../../src/engine/execution-ids.js";
import {
  countExecutions,
  expectNothingFor,
  runNxrun,
  uniqueId,
  waitFor,
  waitForCount,
} from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";
import { schemaErrors, validateStatus } from "../../support/output-schemas.js";

const server = stackClient();

const name = uniqueId("chain").toLowerCase();
// a -> b -> c, and side on its own; b takes 2 s so a kill can land while it runs.
const file = () =>
  pipelineFile(`
nxrun: 1
name: ${name}
inputs:
  tag: { type: string, default: dflt }
defaults:
  taskQueue: {{queue}}
steps:
  - id: a
    activity: echo
    input: { v: "{% 'a-' & $inputs.tag %}" }
  - id: b
    activity: sleepFor
    input: { ms: 2000, from: "{% $steps.a.output.v %}" }
  - id: c
    activity: echo
    input: { v: "{% $steps.a.output.v & '-' & $string($steps.b.output.slept) %}" }
  - id: side
    activity: echo
    input: { v: side }
outputs:
  v: "{% $steps.c.output.v %}"
`);

interface StatusJson {
  run: {
    state: string;
    resume?: string;
    exitCode?: number;
    steps: Array<{ id: string; state: string; attempt: number; attempts: number; executions: string[] }>;
  };
}

describe("the whole run", () => {
  it("status after a kill shows the steps not started and the exact resume command", async () => {
    const pipeline = file();
    const runId = uniqueId("killed");
    let child: ChildProcess | undefined;
    const running = runNxrun(["run", pipeline, "--run-id", runId, "-i", "tag=k"], { onSpawn: (c) => (child = c) });
    // Kill once the server holds b (2 s long): a and side completed, c not started.
    await waitFor("b to be started", () => server.activities.describe(`${runId}.b`).then(() => true), {
      intervalMs: 50,
    });
    child?.kill("SIGKILL");
    const first = await running;
    expect(first.signal, output(first)).toBe("SIGKILL");
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, 3);
    // status reads each step's state from visibility, which is eventually consistent: wait until it
    // shows a and side closed (b goes on running on the server, and status may say either of it).
    for (const step of ["a", "side"]) {
      await waitForCount("activity", `ActivityId = '${runId}.${step}' AND ExecutionStatus = 'Completed'`, 1);
    }

    const text = await runNxrun(["status", runId]);
    expect(text.code, output(text)).toBe(0);
    expect(text.stdout).toContain(`run ${runId} of pipeline ${name}: stopped part-way`);
    expect(text.stdout).toContain(`resume it with: nxrun run ${pipeline} --resume ${runId}`);
    expect(text.stdout).toMatch(/^c\s+not started\s+0\s+-/m);
    expect(text.stdout).toMatch(/^a\s+completed\s+1\s+/m);

    const json = await runNxrun(["status", runId, "-o", "json"]);
    const status = JSON.parse(json.stdout) as StatusJson;
    expect(validateStatus(status), schemaErrors(validateStatus)).toBe(true);
    expect(status.run.state).toBe("stopped");
    expect(status.run.steps.map((s) => s.id)).toEqual(["a", "side", "b", "c"]);
    expect(status.run.steps.find((s) => s.id === "c")?.state).toBe("not started");

    // The printed command, run as printed, finishes the run with its own inputs.
    const resumed = await runPipelineFile(pipeline, ["--resume", runId], { runId });
    expect(resumed.code, output(resumed)).toBe(0);
    expect(resumed.report?.outputs).toEqual({ v: "a-k-2000" });
    // Visibility catches up with the resumed run's last closes before status reads it.
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.' AND ExecutionStatus = 'Completed'`, 4);
    const after = JSON.parse((await runNxrun(["status", runId, "-o", "json"])).stdout) as StatusJson;
    expect(after.run.state).toBe("completed");
    expect(after.run.exitCode).toBe(0);
    expect(after.run.resume).toBeUndefined();
    expect(after.run.steps.every((s) => s.state === "completed")).toBe(true);
  });

  it("--from reruns exactly the step and its downstream, under new execution IDs", async () => {
    const pipeline = file();
    const done = await runPipelineFile(pipeline, ["-i", "tag=f"]);
    expect(done.code, output(done)).toBe(0);
    const runId = done.runId;
    const rerun = await runPipelineFile(pipeline, ["--resume", runId, "--from", "b"], { runId });
    expect(rerun.code, output(rerun)).toBe(0);
    expect(rerun.report?.outputs).toEqual({ v: "a-f-2000" });
    expect(stepOf(rerun, "a").reused).toBe(true);
    expect(stepOf(rerun, "side").reused).toBe(true);
    expect(stepOf(rerun, "b").reused).toBeFalsy();
    expect(stepOf(rerun, "b").execution?.executionId).toBe(`${runId}.b@2`);
    expect(stepOf(rerun, "c").execution?.executionId).toBe(`${runId}.c@2`);

    // The server's own record: a and side once, b and c twice (attempts 1 and 2).
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, 6);
    for (const id of ["a", "side"]) await waitForCount("activity", `ActivityId = '${runId}.${id}'`, 1);
    for (const id of ["b", "c", "b@2", "c@2"]) {
      await waitForCount("activity", `ActivityId = '${runId}.${id}' AND ExecutionStatus = 'Completed'`, 1);
    }
    const status = JSON.parse((await runNxrun(["status", runId, "-o", "json"])).stdout) as StatusJson;
    expect(validateStatus(status), schemaErrors(validateStatus)).toBe(true);
    const b = status.run.steps.find((s) => s.id === "b");
    expect(b).toMatchObject({ state: "completed", attempt: 2, attempts: 2, executions: [`${runId}.b@2`] });
    expect(status.run.steps.find((s) => s.id === "a")).toMatchObject({ attempt: 1, attempts: 1 });

    // A later plain resume of the completed run starts nothing: it says the run is complete.
    const again = await runPipelineFile(pipeline, ["--resume", runId], { runId });
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain(`run ${runId} is complete`);
    // Nothing was started: no seventh execution shows, now or a moment later.
    await expectNothingFor(1500, async () =>
      expect(await countExecutions("activity", `ActivityId STARTS_WITH '${runId}.'`)).toBe(6),
    );

    const unknown = await runNxrun(["run", pipeline, "--resume", runId, "--from", "nope"]);
    expect(unknown.code, output(unknown)).toBe(2);
    expect(unknown.stderr).toContain("--from nope: no such step");
  });

  it("status of a run killed mid-forEach: interrupted, its items n/N from the run's record and the server", async () => {
    // 6 items, one at a time, 800 ms each: a kill after ~2 s leaves items never started.
    const pipeline = pipelineFile(`
nxrun: 1
name: ${name}-fan
defaults:
  taskQueue: {{queue}}
steps:
  - id: fan
    forEach: "{% [1..6] %}"
    concurrency: 1
    activity: sleepFor
    input: { ms: 800 }
outputs:
  total: "{% $sum($steps.fan.output.slept) %}"
`);
    const runId = uniqueId("fankill");
    let child: ChildProcess | undefined;
    const running = runNxrun(["run", pipeline, "--run-id", runId], { onSpawn: (c) => (child = c) });
    // Kill once the first item has completed (the others take 4 s more, one at a time).
    await waitFor(
      "the first item to complete",
      async () => (await server.activities.describe(itemExecutionId(runId, "fan", 0))).status === "completed",
      { intervalMs: 100 },
    );
    child?.kill("SIGKILL");
    const first = await running;
    expect(first.signal, output(first)).toBe("SIGKILL");
    // The item in flight at the kill goes on on the server; wait until nothing of the run runs.
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.' AND ExecutionStatus = 'Running'`, 0);
    const started = JSON.parse((await runNxrun(["status", runId, "-o", "json"])).stdout) as StatusJson;
    expect(validateStatus(started), schemaErrors(validateStatus)).toBe(true);
    const fan = started.run.steps.find((s) => s.id === "fan") as StatusJson["run"]["steps"][number] & {
      itemCount?: number;
      items?: Record<string, number>;
      failure?: string;
    };
    const ran = fan.items?.completed ?? 0;
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThan(6);
    // Interrupted, not failed: nothing failed, the run's nxrun was killed while the step ran.
    expect(fan).toMatchObject({ state: "interrupted", itemCount: 6, failure: `${6 - ran} of 6 items never started` });
    const text = await runNxrun(["status", runId]);
    expect(text.stdout).toMatch(/^fan\s+interrupted\s+.*([1-5])\/6 done: \1 completed\s+\d of 6 items never started$/m);

    const resumed = await runPipelineFile(pipeline, ["--resume", runId], { runId });
    expect(resumed.code, output(resumed)).toBe(0);
    expect(resumed.report?.outputs).toEqual({ total: 4800 });
    // Visibility catches up with the resumed run's last closes before status reads it.
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.' AND ExecutionStatus = 'Completed'`, 6);
    const after = JSON.parse((await runNxrun(["status", runId, "-o", "json"])).stdout) as StatusJson;
    expect(after.run.steps.find((s) => s.id === "fan")).toMatchObject({ state: "completed", itemCount: 6 });
  });

  it("runs lists the runs of the pipeline, newest first, with state, start, who and duration", async () => {
    const pipeline = file();
    const ok = await runPipelineFile(pipeline, []);
    expect(ok.code, output(ok)).toBe(0);
    const json = await runNxrun(["runs", "--pipeline", name, "-o", "json"]);
    expect(json.code, output(json)).toBe(0);
    const { runs } = JSON.parse(json.stdout) as {
      runs: Array<{ runId: string; pipeline: string; state: string; startedBy: string; durationMs?: number }>;
    };
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.every((r) => r.pipeline === name)).toBe(true);
    expect(runs[0]).toMatchObject({ runId: ok.runId, state: "completed" });
    expect(runs[0]?.startedBy).toMatch(/.+@.+/);
    expect(runs[0]?.durationMs).toBeGreaterThan(0);
    const text = await runNxrun(["runs", "--pipeline", name]);
    expect(text.stdout).toMatch(/^RUN ID\s+PIPELINE\s+STATE\s+STARTED\s+BY\s+DURATION$/m);
    expect(text.stdout).toMatch(new RegExp(`^${ok.runId}\\s+${name}\\s+completed\\s+`, "m"));
  });
});
