/**
 * `nxrun run` end to end: the real binary, the real dev server and the real test worker. Each test
 * checks the exit code, what was printed, the --report file, and what the server says afterwards.
 */
import { describe, expect, it } from "vitest";
import { activityStatus, handlerRecord, nexusStatus, uniqueId, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

describe.concurrent("nxrun run", () => {
  it("chains activity → sync Nexus → workflow-run Nexus → activity, mapping each input from earlier outputs", async () => {
    const file = pipelineFile(`
nxrun: 1
name: chain
inputs:
  a: { type: integer }
defaults:
  taskQueue: {{queue}}
steps:
  - id: add
    activity: add
    input: { a: "{% $inputs.a %}", b: 2 }
  - id: greet
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: greet }
    input: { name: "{% 'n' & $string($steps.add.output.sum) %}" }
  - id: shout
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: shout }
    input: { text: "{% $steps.greet.output.greeting %}" }
  - id: last
    activity: echo
    input: { final: "{% $steps.shout.output.text %}", sum: "{% $steps.add.output.sum %}" }
outputs:
  final: "{% $steps.last.output.final %}"
`);
    const result = await runPipelineFile(file, ["-i", "a=40"]);
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain('final = "HELLO, N42!"');
    expect(result.report?.status).toBe("completed");
    expect(result.report?.outputs).toEqual({ final: "HELLO, N42!" });
    expect(stepOf(result, "last").output).toEqual({ final: "HELLO, N42!", sum: 42 });
    expect(stepOf(result, "shout").execution).toMatchObject({ kind: "nexus", executionId: `${result.runId}.shout` });
    expect(await activityStatus(`${result.runId}.add`)).toBe("COMPLETED");
    expect(await nexusStatus(`${result.runId}.greet`)).toBe("COMPLETED");
    expect(await nexusStatus(`${result.runId}.shout`)).toBe("COMPLETED");
    expect(await activityStatus(`${result.runId}.last`)).toBe("COMPLETED");
  });

  it("runs independent branches in parallel and joins them", async () => {
    const key = uniqueId("branches");
    const file = pipelineFile(`
nxrun: 1
name: branches
defaults:
  taskQueue: {{queue}}
steps:
  - id: left
    activity: slow
    input: { ms: 1500, recordKey: ${key}-left }
    timeouts: { startToClose: 30s }
  - id: right
    activity: slow
    input: { ms: 1500, recordKey: ${key}-right }
    timeouts: { startToClose: 30s }
  - id: join
    activity: add
    input: { a: "{% $steps.left.output.worked > 0 ? 1 : 0 %}", b: "{% $steps.right.output.worked > 0 ? 1 : 0 %}" }
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    expect(stepOf(result, "join").output).toEqual({ sum: 2 });
    // Both branches were running at once: each started before the other ended.
    const left = handlerRecord(`${key}-left`);
    const right = handlerRecord(`${key}-right`);
    const at = (records: typeof left, event: string) => Date.parse(records.find((r) => r.event === event)?.at ?? "");
    expect(at(left, "started")).toBeLessThan(at(right, "completed"));
    expect(at(right, "started")).toBeLessThan(at(left, "completed"));
    expect(Date.parse(stepOf(result, "join").startedAt ?? "")).toBeGreaterThanOrEqual(
      Math.max(at(left, "completed"), at(right, "completed")) - 5,
    );
  });

  it("forEach over 200 items with concurrency 20: outputs in input order, 200 executions on the server", async () => {
    const file = pipelineFile(`
nxrun: 1
name: fanout
steps:
  - id: each
    forEach: "{% [1..200] %}"
    concurrency: 20
    activity: add
    taskQueue: {{queue}}
    # A lost attempt is retried after 15 s, not at the 10-minute default: on a loaded machine the dev
    # server sometimes hands a task to the worker and loses it (bench/findings.md, "The stalls").
    timeouts: { startToClose: 15s }
    input: { a: "{% $item %}", b: "{% $index * 1000 %}" }
outputs:
  sums: "{% $steps.each.output.sum %}"
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    const expected = Array.from({ length: 200 }, (_, i) => i + 1 + i * 1000);
    expect(result.report?.outputs?.sums).toEqual(expected);
    expect(stepOf(result, "each").items).toHaveLength(200);
    expect(stepOf(result, "each").items?.[199]?.execution?.executionId).toBe(`${result.runId}.each.199`);
    await waitForCount("activity", `ActivityId STARTS_WITH '${result.runId}.each.'`, 200);
    await waitForCount(
      "activity",
      `ActivityId STARTS_WITH '${result.runId}.each.' AND ExecutionStatus = 'Completed'`,
      200,
    );
  });

  it("forEach toleratedFailures: within the tolerance the step completes; past it the run fails", async () => {
    const yaml = (tolerated: string) => `
nxrun: 1
name: tolerate
steps:
  - id: each
    forEach: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    concurrency: 10
    toleratedFailures: ${tolerated}
    activity: fail
    taskQueue: {{queue}}
    retry: { maximumAttempts: 1 }
    input: "{% $item % 4 = 0 ? { 'nonRetryable': true } : { 'succeedOnAttempt': 1 } %}"
`;
    // Items 4 and 8 fail: 2 of 10.
    const ok = await runPipelineFile(pipelineFile(yaml('"20%"')));
    expect(ok.code, output(ok)).toBe(0);
    const items = stepOf(ok, "each").items ?? [];
    expect(items.map((i) => i.status)).toEqual([
      "completed",
      "completed",
      "completed",
      "failed",
      "completed",
      "completed",
      "completed",
      "failed",
      "completed",
      "completed",
    ]);
    expect(stepOf(ok, "each").output).toEqual([
      { attempt: 1 },
      { attempt: 1 },
      { attempt: 1 },
      null,
      { attempt: 1 },
      { attempt: 1 },
      { attempt: 1 },
      null,
      { attempt: 1 },
      { attempt: 1 },
    ]);
    expect(await activityStatus(`${ok.runId}.each.3`)).toBe("FAILED");

    const bad = await runPipelineFile(pipelineFile(yaml("1")));
    expect(bad.code, output(bad)).toBe(1);
    expect(bad.report?.status).toBe("failed");
    expect(stepOf(bad, "each").status).toBe("failed");
    expect(stepOf(bad, "each").error?.message).toBe("2 of 10 items failed (1 tolerated)");
    expect(bad.stdout).toContain("2 of 10 items failed");
  });

  it("when: a skipped step starts nothing, and its dependents run and see status skipped", async () => {
    const file = pipelineFile(`
nxrun: 1
name: skipping
inputs:
  enabled: { type: boolean, default: false }
defaults:
  taskQueue: {{queue}}
steps:
  - id: optional
    when: "{% $inputs.enabled %}"
    activity: echo
    input: ran
  - id: after
    activity: echo
    input: { optional: "{% $steps.optional.status %}" }
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    expect(stepOf(result, "optional").status).toBe("skipped");
    expect(stepOf(result, "after").output).toEqual({ optional: "skipped" });
    await expect(activityStatus(`${result.runId}.optional`)).rejects.toThrow(/not found/i);
  });

  it("onError continue: the run goes on with the step failed and its error visible", async () => {
    const file = pipelineFile(`
nxrun: 1
name: continuing
defaults:
  taskQueue: {{queue}}
steps:
  - id: flaky
    onError: continue
    activity: fail
    retry: { maximumAttempts: 2, initialInterval: 100ms }
    input: { message: "flaky on purpose" }
  - id: after
    activity: echo
    input: { status: "{% $steps.flaky.status %}", message: "{% $steps.flaky.error.message %}" }
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    expect(stepOf(result, "flaky").status).toBe("failed");
    expect(stepOf(result, "flaky").error?.cause?.message).toBe("disk quota exceeded");
    expect(stepOf(result, "after").output).toEqual({ status: "failed", message: "flaky on purpose" });
    expect(await activityStatus(`${result.runId}.flaky`)).toBe("FAILED");
  });

  it("a failure cancels what runs, compensates completed steps in reverse order, then runs finally; exit 1", async () => {
    const key = uniqueId("comp");
    const file = pipelineFile(`
nxrun: 1
name: compensating
defaults:
  taskQueue: {{queue}}
  retry: { maximumAttempts: 1 }
steps:
  - id: first
    activity: echo
    input: 1
    compensate:
      activity: slow
      input: { ms: 10, recordKey: ${key}-undo-first }
      timeouts: { startToClose: 30s }
  - id: second
    needs: [first]
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: echo }
    input: 2
    compensate:
      activity: slow
      input: { ms: 10, recordKey: ${key}-undo-second }
      timeouts: { startToClose: 30s }
  - id: long
    activity: slow
    input: { recordKey: ${key}-long }
    timeouts: { startToClose: 1m, heartbeat: 5s }
    compensate:
      activity: echo
      input: never
  - id: breaks
    needs: [second]
    activity: fail
    input: { nonRetryable: true, message: "broken on purpose" }
  - id: never
    needs: [breaks]
    activity: echo
finally:
  - id: audit
    activity: echo
    input: { status: "{% $run.status %}" }
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(1);
    expect(result.report?.status).toBe("failed");
    expect(result.report?.error?.message).toMatch(/step 'breaks' failed: broken on purpose/);
    expect(stepOf(result, "long").status).toBe("canceled");
    expect(stepOf(result, "never").status).toBe("skipped");
    expect(stepOf(result, "second.compensate").status).toBe("completed");
    expect(stepOf(result, "first.compensate").status).toBe("completed");
    expect(stepOf(result, "audit").output).toEqual({ status: "failed" });
    // The handlers' own clocks: second undone before first, and audit after both.
    const undoSecond = handlerRecord(`${key}-undo-second`).find((r) => r.event === "completed");
    const undoFirst = handlerRecord(`${key}-undo-first`).find((r) => r.event === "started");
    expect(undoSecond && undoFirst && Date.parse(undoSecond.at) <= Date.parse(undoFirst.at)).toBe(true);
    expect(handlerRecord(`${key}-long`).map((r) => r.event)).toContain("canceled");
    expect(await activityStatus(`${result.runId}.long`)).toBe("CANCELED");
    expect(await activityStatus(`${result.runId}.second.compensate`)).toBe("COMPLETED");
    await expect(activityStatus(`${result.runId}.long.compensate`)).rejects.toThrow(/not found/i);
    await expect(activityStatus(`${result.runId}.never`)).rejects.toThrow(/not found/i);
    expect(await activityStatus(`${result.runId}.audit`)).toBe("COMPLETED");
    const order = result.report?.steps.map((s) => s.id) ?? [];
    expect(order.indexOf("second.compensate")).toBeLessThan(order.indexOf("first.compensate"));
  });
});
