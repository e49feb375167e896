/**
 * Computed call settings end to end (issue 18): a forEach whose items go to per-region task queues,
 * each served by its own real worker that records what it ran; a Nexus endpoint taken from an
 * input; a computed value of the wrong form refused before the run starts when the inputs decide it,
 * failing its item when only the run knows it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerProcess } from "../../../scripts/dev-server.js";
import { activityStatus, handlerRecord, stack, uniqueId } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

describe("computed task queues and endpoints", () => {
  const prefix = uniqueId("region");
  const regions = ["eu", "us"] as const;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    for (const region of regions) {
      workers.push(
        await startWorker({
          script: stack().workerScript,
          address: stack().address,
          taskQueue: `${prefix}-${region}`,
          env: { NXRUN_TEST_RECORDS: stack().recordsDir },
        }),
      );
    }
  }, 240_000);
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
  });

  it("runs each forEach item on its region's task queue, and the Nexus step on the endpoint an input names", async () => {
    const key = uniqueId("where");
    const file = pipelineFile(`
nxrun: 1
name: per-region
inputs:
  regions: { type: array, items: { type: string } }
  billing: { type: string }
  attempts: { type: integer, default: 2 }
vars:
  prefix: ${prefix}
steps:
  - id: deploy
    forEach: "{% $inputs.regions %}"
    activity: whereAmI
    taskQueue: "{% $vars.prefix & '-' & $item %}"
    timeouts: { startToClose: "{% $index = 0 ? '20s' : '30s' %}" }
    retry: { maximumAttempts: "{% $inputs.attempts %}" }
    priority: { priorityKey: "{% $index + 1 %}" }
    input: { recordKey: ${key}, item: "{% $item %}" }
  - id: bill
    nexus: { endpoint: "{% $inputs.billing %}", service: TestService, operation: echo }
    input: "{% $steps.deploy.output.taskQueue %}"
`);
    const result = await runPipelineFile(file, ["-i", 'regions=["eu","us","eu"]', "-i", `billing=${stack().endpoint}`]);
    expect(result.code, output(result)).toBe(0);

    // What the workers recorded, not what nxrun says: each item ran once, on its region's queue, in
    // the worker process serving that queue.
    const ran = handlerRecord(key).filter((r) => r.event === "ran");
    expect(ran.map((r) => [r.id, r.item, r.taskQueue]).sort()).toEqual([
      [`${result.runId}.deploy.0`, "eu", `${prefix}-eu`],
      [`${result.runId}.deploy.1`, "us", `${prefix}-us`],
      [`${result.runId}.deploy.2`, "eu", `${prefix}-eu`],
    ]);
    const pidOf = Object.fromEntries(workers.map((w) => [w.taskQueue, w.pid]));
    for (const r of ran) expect(r.pid).toBe(pidOf[r.taskQueue as string]);

    expect(stepOf(result, "deploy").output).toEqual([
      { taskQueue: `${prefix}-eu`, pid: pidOf[`${prefix}-eu`] },
      { taskQueue: `${prefix}-us`, pid: pidOf[`${prefix}-us`] },
      { taskQueue: `${prefix}-eu`, pid: pidOf[`${prefix}-eu`] },
    ]);
    // The Nexus operation reached the endpoint the input named (its handler echoes its input).
    expect(stepOf(result, "bill").status).toBe("completed");
    expect(stepOf(result, "bill").output).toEqual([`${prefix}-eu`, `${prefix}-us`, `${prefix}-eu`]);
  });

  it("refuses a computed task queue the inputs make empty before the run starts, at the expression", async () => {
    const file = pipelineFile(`
nxrun: 1
name: empty-queue
inputs:
  queue: { type: string, default: "" }
steps:
  - id: nowhere
    activity: echo
    taskQueue: "{% $inputs.queue %}"
    input: 1
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(2);
    expect(result.stderr).toContain(
      `:9:20: error NX305 step nowhere: taskQueue must be a non-empty task queue name, but the expression gave the string ""`,
    );
    // The run did not start: no report, nothing on the server.
    expect(result.report).toBeUndefined();
    await expect(activityStatus(`${result.runId}.nowhere`)).rejects.toThrow(/not found/i);
  });

  it("fails the item whose computed timeout, known only during the run, is not a duration, and runs the others", async () => {
    const key = uniqueId("timeouts");
    // The items come from a step's output: known only during the run, so checked item by item there.
    const file = pipelineFile(`
nxrun: 1
name: bad-timeout
steps:
  - id: list
    activity: echo
    taskQueue: ${prefix}-eu
    input: ["10s", 30, "15s"]
  - id: each
    forEach: "{% $steps.list.output %}"
    activity: whereAmI
    taskQueue: ${prefix}-eu
    timeouts: { startToClose: "{% $item %}" }
    toleratedFailures: 1
    input: { recordKey: ${key}, item: "{% $item %}" }
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    const items = stepOf(result, "each").items ?? [];
    expect(items.map((i) => i.status)).toEqual(["completed", "failed", "completed"]);
    expect(items[1]?.error?.message).toContain(
      `${file}:13:35: timeouts.startToClose must be a positive duration, but the expression gave the number 30`,
    );
    expect(
      handlerRecord(key)
        .map((r) => r.item)
        .sort(),
    ).toEqual(["10s", "15s"]);
  });
});
