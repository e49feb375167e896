/**
 * `nxrun status`, `list` and `count` on real runs: the real binary against the real dev server and
 * worker. Visibility is eventually consistent, so each test waits (bounded) until the server's own
 * count shows the run's executions before asking nxrun.
 */
import { describe, expect, it } from "vitest";
import { runNxrun, uniqueId, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile } from "../../support/e2e/run-helpers.js";

interface StatusJson {
  runId: string;
  counts: Record<string, number>;
  executions: Array<{
    step: string;
    role: string;
    index?: number;
    kind: string;
    executionId: string;
    status: string;
    startTime: string | null;
    closeTime: string | null;
    failure: string | null;
  }>;
}

/** A run with an activity, a forEach of three, a Nexus operation and a failing step. */
async function finishedRun() {
  const file = pipelineFile(`
nxrun: 1
name: ops-status
defaults:
  taskQueue: {{queue}}
steps:
  - id: add
    activity: add
    input: { a: 1, b: 2 }
  - id: items
    forEach: "{% [10, 20, 30] %}"
    activity: echo
    input: "{% $item %}"
  - id: greet
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: greet }
    input: { name: ops }
  - id: boom
    needs: [add, items, greet]
    activity: fail
    input: { nonRetryable: true, message: "boom on purpose" }
`);
  const result = await runPipelineFile(file);
  expect(result.code, output(result)).toBe(1);
  // Every execution closed as visibility sees it (not only listed: a close is indexed after the start,
  // and the tests read statuses), before anything asks nxrun.
  await waitForCount("activity", `ActivityId STARTS_WITH "${result.runId}." AND ExecutionStatus != "Running"`, 5);
  await waitForCount("nexus", `OperationId STARTS_WITH "${result.runId}." AND ExecutionStatus != "Running"`, 1);
  return result.runId;
}

describe.concurrent("nxrun status, list, count", () => {
  it("status lists every execution of a run with its step, kind, status, times and failure", async () => {
    const runId = await finishedRun();
    const json = await runNxrun(["status", runId, "--output", "json"]);
    expect(json.code, output(json)).toBe(0);
    const status = JSON.parse(json.stdout) as StatusJson;
    expect(status.runId).toBe(runId);
    expect(status.counts).toEqual({ completed: 5, failed: 1 });
    const byId = new Map(status.executions.map((e) => [e.executionId, e]));
    expect(byId.get(`${runId}.add`)).toMatchObject({
      step: "add",
      role: "step",
      kind: "activity",
      status: "completed",
    });
    expect(byId.get(`${runId}.items.1`)).toMatchObject({ step: "items", role: "item", index: 1, kind: "activity" });
    expect(byId.get(`${runId}.greet`)).toMatchObject({ step: "greet", kind: "nexus", status: "completed" });
    const boom = byId.get(`${runId}.boom`);
    expect(boom).toMatchObject({ step: "boom", status: "failed" });
    expect(boom?.failure).toContain("boom on purpose");
    expect(boom?.failure).toContain("disk quota exceeded");
    for (const e of status.executions) {
      expect(Date.parse(e.startTime ?? "")).toBeGreaterThan(0);
      expect(Date.parse(e.closeTime ?? "")).toBeGreaterThanOrEqual(Date.parse(e.startTime ?? ""));
    }

    const text = await runNxrun(["status", runId]);
    expect(text.code, output(text)).toBe(0);
    expect(text.stdout).toContain(`run ${runId} (namespace default`);
    expect(text.stdout).toContain("6 executions: 5 completed, 1 failed");
    expect(text.stdout).toMatch(/^STEP\s+KIND\s+STATUS\s+STARTED\s+CLOSED\s+EXECUTION ID\s+FAILURE$/m);
    expect(text.stdout).toMatch(
      new RegExp(`^items\\[2\\]\\s+activity\\s+Completed\\s+\\S+\\s+\\S+\\s+${runId}\\.items\\.2$`, "m"),
    );
    // The failure chain as every output writes it (src/engine/error-chain.ts).
    expect(text.stdout).toMatch(
      new RegExp(
        `^boom\\s+activity\\s+Failed\\s+.*${runId}\\.boom\\s+TestFailure \\(non-retryable\\): boom on purpose ← caused by QuotaError`,
        "m",
      ),
    );
  });

  it("status of a run that does not exist says so with a hint and exits 2", async () => {
    const result = await runNxrun(["status", uniqueId("no-such-run")]);
    expect(result.code, output(result)).toBe(2);
    expect(result.stderr).toMatch(
      /^error: no executions of run "no-such-run-[^"]+" were found in namespace "default" on 127\.0\.0\.1:\d+$/m,
    );
    expect(result.stderr).toMatch(/^hint: check the run ID/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("count and count --group-by ExecutionStatus, for activities and Nexus operations", async () => {
    const runId = await finishedRun();
    const query = `ActivityId STARTS_WITH "${runId}."`;
    const plain = await runNxrun(["count", "--query", query]);
    expect(plain.code, output(plain)).toBe(0);
    expect(plain.stdout.trim()).toBe("5");

    const grouped = await runNxrun(["count", "-q", query, "--group-by", "ExecutionStatus", "-o", "json"]);
    expect(grouped.code, output(grouped)).toBe(0);
    const groups = JSON.parse(grouped.stdout) as { count: number; groups: Array<{ values: unknown[]; count: number }> };
    expect(groups.count).toBe(5);
    expect(groups.groups).toEqual(
      expect.arrayContaining([
        { values: ["Completed"], count: 4 },
        { values: ["Failed"], count: 1 },
      ]),
    );
    const groupedText = await runNxrun(["count", "-q", query, "--group-by", "ExecutionStatus"]);
    expect(groupedText.stdout).toMatch(/^Completed\s+4$/m);
    expect(groupedText.stdout).toMatch(/^Failed\s+1$/m);

    const nexus = await runNxrun(["count", "--kind", "nexus", "-q", `OperationId STARTS_WITH "${runId}."`]);
    expect(nexus.code, output(nexus)).toBe(0);
    expect(nexus.stdout.trim()).toBe("1");
  });

  it("list passes the query through, honours --limit and --kind, and prints JSON", async () => {
    const runId = await finishedRun();
    const all = await runNxrun(["list", "-q", `ActivityId STARTS_WITH "${runId}.items."`, "-o", "json"]);
    expect(all.code, output(all)).toBe(0);
    const entries = JSON.parse(all.stdout) as Array<{
      id: string;
      kind: string;
      type: string;
      status: string;
      taskQueue: string;
    }>;
    expect(entries.map((e) => e.id).sort()).toEqual([0, 1, 2].map((i) => `${runId}.items.${i}`));
    expect(entries.every((e) => e.kind === "activity" && e.type === "echo" && e.status === "completed")).toBe(true);

    const limited = await runNxrun(["list", "-q", `ActivityId STARTS_WITH "${runId}."`, "--limit", "2"]);
    expect(limited.code, output(limited)).toBe(0);
    expect(limited.stdout.split("\n").filter((l) => l.startsWith(`${runId}.`))).toHaveLength(2);
    expect(limited.stdout).toContain("(first 2 activity executions; --limit shows more)");

    const nexus = await runNxrun(["list", "--kind", "nexus", "-q", `OperationId STARTS_WITH "${runId}."`]);
    expect(nexus.code, output(nexus)).toBe(0);
    expect(nexus.stdout).toMatch(/^OPERATION ID\s+ENDPOINT\/SERVICE\/OPERATION\s+STATUS/m);
    expect(nexus.stdout).toMatch(new RegExp(`^${runId}\\.greet\\s+\\S+/TestService/greet\\s+Completed`, "m"));
  });

  it("a query the server rejects is a usage error (exit 2) that names the attributes", async () => {
    const result = await runNxrun(["list", "-q", "NoSuchAttribute = 1"]);
    expect(result.code, output(result)).toBe(2);
    expect(result.stderr).toMatch(/^error: the server rejected the query: .*NoSuchAttribute/m);
    expect(result.stderr).toMatch(/^hint: .*ActivityId/m);
  });
});
