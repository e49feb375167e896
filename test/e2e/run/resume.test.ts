/**
 * Resume end to end: nxrun killed with SIGKILL at random moments, then `--resume RUN_ID`, must end
 * complete with exactly one execution per step ID, as the server counts them. Temporal is the journal.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import { runNxrun, stack, uniqueId, waitFor, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

const client = clientOver(openRpc({ address: stack().address, namespace: stack().namespace }), "nxrun-e2e");
afterAll(() => client.close());

const ITEMS = 6;
const file = () =>
  pipelineFile(`
nxrun: 1
name: resumable
defaults:
  taskQueue: {{queue}}
steps:
  - id: first
    activity: sleepFor
    input: { ms: 1500 }
  - id: op
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: shout }
    input: { text: "{% 'slept ' & $string($steps.first.output.slept) %}", ms: 1500 }
  - id: each
    forEach: "{% [1..${ITEMS}] %}"
    concurrency: 2
    activity: sleepFor
    input: { ms: "{% 600 + $item * 100 %}" }
  - id: last
    activity: echo
    input: { text: "{% $steps.op.output.text %}", total: "{% $sum($steps.each.output.slept) %}" }
outputs:
  text: "{% $steps.last.output.text %}"
  total: "{% $steps.last.output.total %}"
`);

const activityIds = (runId: string) => [
  `${runId}.first`,
  ...Array.from({ length: ITEMS }, (_, i) => `${runId}.each.${i}`),
  `${runId}.last`,
];

describe("resume after SIGKILL", () => {
  it("5 runs killed at random moments, each resumed to completion with one execution per step ID", async () => {
    const pipeline = file();
    // The run takes at least 4.5 s of sleeps (first 1.5 s, then three forEach batches of 0.8 + 1.0 +
    // 1.2 s), so a kill between 0.7 s and 3.7 s always lands mid-run: anywhere from before the first
    // start to inside the forEach.
    const runs = Array.from({ length: 5 }, (_, i) => ({
      runId: uniqueId(`resume${i}`),
      killAfterMs: 700 + Math.random() * 3000,
    }));
    const killedMidRun = await Promise.all(
      runs.map(async ({ runId, killAfterMs }) => {
        let child: ChildProcess | undefined;
        const killed = runNxrun(["run", pipeline, "--run-id", runId], { onSpawn: (c) => (child = c) });
        const timer = setTimeout(() => child?.kill("SIGKILL"), killAfterMs);
        const first = await killed;
        clearTimeout(timer);
        expect(first.signal, output(first)).toBe("SIGKILL");

        const resumed = await runPipelineFile(pipeline, ["--resume", runId], { runId });
        expect(resumed.code, output(resumed)).toBe(0);
        expect(resumed.report?.outputs).toEqual({ text: "SLEPT 1500", total: 5700 });
        expect(stepOf(resumed, "each").output).toEqual([700, 800, 900, 1000, 1100, 1200].map((slept) => ({ slept })));

        // The server's own count: every activity ID once, and the Nexus operation once.
        const ids = activityIds(runId);
        await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, ids.length);
        await waitForCount("nexus", `OperationId STARTS_WITH '${runId}.'`, 1);
        for (const id of ids) expect((await client.activities.describe(id)).status).toBe("completed");
        expect((await client.nexus.describe(`${runId}.op`)).status).toBe("completed");
        await waitForCount(
          "activity",
          `ActivityId STARTS_WITH '${runId}.' AND ExecutionStatus = 'Completed'`,
          ids.length,
        );
        return killAfterMs;
      }),
    );
    expect(killedMidRun).toHaveLength(5);
  });

  it("re-running a completed run ID starts nothing and reuses every result", async () => {
    const pipeline = file();
    const runId = uniqueId("rerun");
    const first = await runPipelineFile(pipeline, [], { runId });
    expect(first.code, output(first)).toBe(0);
    const again = await runPipelineFile(pipeline, [], { runId });
    expect(again.code, output(again)).toBe(0);
    expect(again.report?.outputs).toEqual(first.report?.outputs);
    expect(again.report?.steps.filter((s) => !s.reused).map((s) => s.id)).toEqual([]);
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, activityIds(runId).length);
    // Visibility is eventually consistent: give a stray second execution time to show, then count again.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await waitFor("the count to stay put", async () => {
      await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, activityIds(runId).length, 5000);
      return true;
    });
  });
});
