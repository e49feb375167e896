/**
 * A network partition that drops packets, between nxrun and the server (a proxy that stops
 * forwarding, test/support/e2e/partition-proxy.ts): no call fails, they only wait. nxrun says
 * "lost connection ... since ... (server not answering)" within 10 s of the cut, "reconnected"
 * once it heals, and the run goes on to complete.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, uniqueId, waitFor } from "../../support/e2e/harness.js";
import { type PartitionProxy, partitionProxy } from "../../support/e2e/partition-proxy.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

let proxy: PartitionProxy;
beforeAll(async () => {
  proxy = await partitionProxy(stack().address);
});
afterAll(async () => {
  await proxy?.close();
});

describe("a network partition that drops packets", () => {
  it("is told within 10 s as the server not answering, then reconnected, and the run completes", async () => {
    const file = pipelineFile(`
nxrun: 1
name: partition
defaults:
  taskQueue: {{queue}}
steps:
  - id: across
    activity: sleepFor
    input: { ms: 15000 }
    timeouts: { startToClose: 2m }
  - id: after
    activity: echo
    input: "{% $steps.across.output.slept %}"
`);
    let stdout = "";
    const run = runPipelineFile(file, ["-o", "plain"], {
      runId: uniqueId("partition"),
      address: proxy.address,
      timeoutMs: 120_000,
      onSpawn: (child) => child.stdout?.on("data", (d: Buffer) => (stdout += d.toString())),
    });
    await waitFor("the step to be running", () => /running +across/.test(stdout), { timeoutMs: 60_000 });
    proxy.cut();
    const cutAt = Date.now();
    await waitFor(
      "nxrun to say the server is not answering",
      () => /lost connection to .*server not answering/.test(stdout),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    expect(Date.now() - cutAt, stdout).toBeLessThanOrEqual(10_000);
    proxy.heal();
    const result = await run;

    expect(result.code, output(result)).toBe(0);
    const lost = new RegExp(
      `offline +lost connection to ${proxy.address.replace(/\./g, "\\.")}, retrying since \\d\\d:\\d\\d:\\d\\d \\(server not answering\\)`,
    );
    expect(result.stdout).toMatch(lost);
    expect(result.stdout).toMatch(/online +reconnected to 127\.0\.0\.1:\d+ after \d+/);
    expect(result.stdout.indexOf("reconnected to")).toBeGreaterThan(result.stdout.search(lost));
    expect(stepOf(result, "after").output).toBe(15000);
  }, 150_000);
});
