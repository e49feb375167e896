/**
 * `wait:` steps end to end: a wait cancelled by Ctrl-C ends at once; a run killed in the middle of a
 * wait and resumed waits only what was left, measured from the marker execution the server holds
 * (its schedule time is when the wait began); a finished wait resumed is not waited again.
 */
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { uniqueId, waitFor } from "../../support/e2e/harness.js";
import { output, pipelineFile, type RunResult, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();

/** Starts the run and resolves once nxrun's plain output shows the wait `settle` under way. */
async function runUntilWaiting(
  file: string,
  runId?: string,
): Promise<{ running: Promise<RunResult>; child: ChildProcess }> {
  let child: ChildProcess | undefined;
  let stdout = "";
  const running = runPipelineFile(file, [], {
    ...(runId ? { runId } : {}),
    onSpawn: (c) => {
      child = c;
      c.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    },
  });
  await waitFor("the wait to begin", () => /running\s+settle/.test(stdout), { timeoutMs: 60_000 });
  return { running, child: child as ChildProcess };
}

describe("wait steps", () => {
  it("Ctrl-C ends a long wait at once: the wait is canceled, later steps skipped, the marker canceled", async () => {
    const file = pipelineFile(`
nxrun: 1
name: wait-cancel
steps:
  - id: settle
    wait: 10m
  - id: after
    activity: echo
    taskQueue: {{queue}}
    needs: [settle]
`);
    const { running, child } = await runUntilWaiting(file);
    child.kill("SIGINT");
    const result = await running;
    expect(result.code, output(result)).toBe(130);
    const settle = stepOf(result, "settle");
    expect(settle.status).toBe("canceled");
    expect(Date.parse(settle.waitUntil ?? "")).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(stepOf(result, "after").status).toBe("skipped");
    const marker = await client.activities.describe(`${result.runId}.settle`);
    expect(marker.type).toBe("nxrun.wait");
    expect(marker.status).toBe("canceled");
  });

  it("killed mid-wait and resumed: waits only what is left, counted from the marker's start on the server", async () => {
    const file = pipelineFile(`
nxrun: 1
name: wait-resume
steps:
  - id: settle
    # 20 s, not less: on a loaded machine the kill, the describe and the resumed process's start-up
    # must all fit inside the wait for the resume to find part of it left.
    wait: "{% '20s' %}"
  - id: after
    activity: echo
    taskQueue: {{queue}}
    input: { until: "{% $steps.settle.output.until %}" }
outputs:
  until: "{% $steps.after.output.until %}"
`);
    const runId = uniqueId("waitresume");
    const { running: killed, child } = await runUntilWaiting(file, runId);
    // Once a good part of the wait has passed on the server's clock (its marker started when the
    // wait began), kill nxrun outright: nothing gets to clean up.
    const started = (await client.activities.describe(`${runId}.settle`)).startTime?.getTime() ?? Date.now();
    await waitFor("3 s of the wait to have passed", () => Date.now() >= started + 3000, { intervalMs: 100 });
    child.kill("SIGKILL");
    const first = await killed;
    expect(first.signal, output(first)).toBe("SIGKILL");

    const marker = await client.activities.describe(`${runId}.settle`);
    expect(marker.status).toBe("running");
    const began = marker.startTime?.getTime() ?? 0;

    const resumed = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(resumed.code, output(resumed)).toBe(0);
    const settle = stepOf(resumed, "settle");
    // The end of the wait is the marker's start plus 20 s: not 20 s from the resume.
    expect(Date.parse(settle.waitUntil ?? "")).toBe(began + 20000);
    expect(settle.summary).toMatch(/left of 20s/);
    expect(Date.parse(settle.closedAt ?? "")).toBeGreaterThanOrEqual(began + 20000);
    expect(settle.reused).toBe(true);
    expect(resumed.report?.outputs).toEqual({ until: new Date(began + 20000).toISOString() });
    expect((await client.activities.describe(`${runId}.settle`)).status).toBe("canceled");

    // Once more, rerunning only `after`: the finished wait upstream is read back, not waited again.
    const again = await runPipelineFile(file, ["--resume", runId, "--from", "after"], { runId });
    expect(again.code, output(again)).toBe(0);
    const settled = stepOf(again, "settle");
    expect(settled.summary).toMatch(/was over already/);
    expect(Date.parse(settled.waitUntil ?? "")).toBe(began + 20000);
  });

  it("a wait until a time already past ends at once and starts no marker", async () => {
    const file = pipelineFile(`
nxrun: 1
name: wait-past
steps:
  - id: settle
    wait: 2020-01-01T00:00:00Z
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    expect(stepOf(result, "settle")).toMatchObject({
      status: "completed",
      output: { until: "2020-01-01T00:00:00.000Z" },
    });
    await expect(client.activities.describe(`${result.runId}.settle`)).rejects.toThrow();
  });
});
