/**
 * Rollback and resume against the real dev server and the test worker (issue 33, items 1 and 2):
 * each completed forEach item undone by its own execution, the worker seeing each item's `$item`,
 * `$index` and `$output`; what was undone shown `compensated` in the report, NDJSON and JUnit; a
 * resume after the rollback starting the undone steps again as new attempts (never reused), and
 * `finally` again as a new attempt with the new session's `$run.status`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseJunit } from "junit2json";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../../src/engine/events.js";
import { activityStatus, handlerRecord, stack, uniqueId } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { ndjsonEvents } from "../../support/output-schemas.js";

/** open, then flush over three caches one at a time, then a gate that is unhealthy on its first call only. */
const DEPLOY = `
nxrun: 1
name: rollback-resume
inputs:
  key: { type: string }
defaults:
  taskQueue: {{queue}}
steps:
  - id: open
    activity: echo
    input: { ticket: CHG-7 }
    compensate:
      activity: recordEvent
      args: ["{% $inputs.key %}", { event: undo-open, output: "{% $output %}" }]
  - id: flush
    needs: [open]
    forEach: [a, b, c]
    concurrency: 1
    activity: echo
    input: { cache: "{% $item %}", snapshot: "{% 'snap-' & $item %}" }
    compensate:
      activity: recordEvent
      args:
        - "{% $inputs.key %}"
        - { event: undo-flush, item: "{% $item %}", index: "{% $index %}", output: "{% $output %}" }
  - id: gate
    needs: [flush]
    activity: checkHealth
    input: { recordKey: "{% $inputs.key & '-gate' %}", healthyOnCall: 2 }
  - id: verify
    activity: fail
    input:
      message: smoke test failed
      nonRetryable: true
      succeedOnAttempt: "{% $steps.gate.output.healthy ? 1 : 99 %}"
finally:
  - id: audit
    activity: recordEvent
    args:
      - "{% $inputs.key %}"
      - { event: audit, status: "{% $run.status %}", open: "{% $steps.open.status %}", flush: "{% $steps.flush.status %}" }
`;

describe.concurrent("rollback", () => {
  it("undoes each forEach item with its own values, latest first; a resume reruns what was undone and finally", async () => {
    const key = uniqueId("rollback");
    const file = pipelineFile(DEPLOY);
    const dir = mkdtempSync(join(tmpdir(), "nxrun-rollback-"));
    const junit = join(dir, "junit.xml");
    const first = await runPipelineFile(file, ["-i", `key=${key}`, "-o", "json", "--junit", junit]);
    expect(first.code, output(first)).toBe(1);
    const runId = first.runId;

    // What the worker saw: one compensation per item, each with its own item, index and output,
    // latest completed first (concurrency 1: the items completed a, b, c), then open's; then finally.
    expect(handlerRecord(key).map(({ at: _at, ...event }) => event)).toEqual([
      { event: "undo-flush", item: "c", index: 2, output: { cache: "c", snapshot: "snap-c" } },
      { event: "undo-flush", item: "b", index: 1, output: { cache: "b", snapshot: "snap-b" } },
      { event: "undo-flush", item: "a", index: 0, output: { cache: "a", snapshot: "snap-a" } },
      { event: "undo-open", output: { ticket: "CHG-7" } },
      { event: "audit", status: "failed", open: "compensated", flush: "compensated" },
    ]);
    for (const index of [0, 1, 2]) expect(await activityStatus(`${runId}.flush.${index}.compensate`)).toBe("COMPLETED");

    // The report: what was undone is compensated, the compensation lists its items.
    expect(stepOf(first, "open").status).toBe("compensated");
    expect(stepOf(first, "flush").status).toBe("compensated");
    expect(stepOf(first, "flush").items?.map((item) => item.status)).toEqual([
      "compensated",
      "compensated",
      "compensated",
    ]);
    expect(stepOf(first, "gate").status).toBe("completed");
    expect(stepOf(first, "verify").status).toBe("failed");
    const undo = stepOf(first, "flush.compensate");
    expect(undo.status).toBe("completed");
    expect(undo.items?.map((item) => [item.index, item.status, item.execution?.executionId])).toEqual([
      [0, "completed", `${runId}.flush.0.compensate`],
      [1, "completed", `${runId}.flush.1.compensate`],
      [2, "completed", `${runId}.flush.2.compensate`],
    ]);

    // NDJSON: each item's compensation ends, then the step's new state; the run's end says it too.
    const events = ndjsonEvents<{ event: string; stepId?: string; item?: { index: number }; record?: RunRecord }>(
      first.stdout,
    );
    expect(
      events.filter((e) => e.event === "itemEnd" && e.stepId === "flush.compensate").map((e) => e.item?.index),
    ).toEqual([2, 1, 0]);
    const flushUpdate = events.find(
      (e) =>
        e.event === "stepUpdate" &&
        e.stepId === "flush" &&
        (e.record as unknown as { status: string }).status === "compensated",
    );
    expect(flushUpdate, first.stdout).toBeDefined();
    const end = events.find((e) => e.event === "runEnd")?.record;
    expect(end?.steps.find((s) => s.id === "open")?.status).toBe("compensated");

    // JUnit: an undone step is skipped with its reason; each item's compensation is its own case.
    const suites = (await parseJunit(readFileSync(junit, "utf8"))) as {
      testsuite?: { testcase?: { name: string; skipped?: { message?: string }[] }[] }[];
    };
    const cases = suites.testsuite?.[0]?.testcase ?? [];
    expect(cases.find((c) => c.name === "open")?.skipped?.[0]?.message).toMatch(/^compensated/);
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(["flush.compensate[0]", "flush.compensate[1]", "flush.compensate[2]"]),
    );

    // The resume starts what the rollback undid again, as new attempts, and finally too.
    const second = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(second.code, output(second)).toBe(0);
    expect(second.stderr).toContain("the run's rollback undid open, flush");
    expect(stepOf(second, "open")).toMatchObject({
      status: "completed",
      execution: { executionId: `${runId}.open@2` },
    });
    expect(stepOf(second, "open").reused).toBeUndefined();
    expect(stepOf(second, "flush").items?.map((item) => item.execution?.executionId)).toEqual([
      `${runId}.flush@2.0`,
      `${runId}.flush@2.1`,
      `${runId}.flush@2.2`,
    ]);
    expect(stepOf(second, "verify")).toMatchObject({
      status: "completed",
      execution: { executionId: `${runId}.verify@2` },
    });
    expect(stepOf(second, "audit").execution?.executionId).toBe(`${runId}.audit@2`);
    for (const id of ["open@2", "flush@2.0", "gate@2", "audit@2"])
      expect(await activityStatus(`${runId}.${id}`), id).toBe("COMPLETED");
    // The first attempts stay as they were on the server; the audit recorded both outcomes.
    expect(await activityStatus(`${runId}.open`)).toBe("COMPLETED");
    expect(
      handlerRecord(key)
        .filter((r) => r.event === "audit")
        .map((r) => [r.status, r.open]),
    ).toEqual([
      ["failed", "compensated"],
      ["completed", "completed"],
    ]);

    // A later resume of the now completed run starts nothing: nothing is left undone.
    const third = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(third.code, output(third)).toBe(0);
    expect(handlerRecord(key).filter((r) => r.event === "audit")).toHaveLength(2);
  });

  it("a forEach over uses: each item's steps undone under the item's ID with the item's inputs; the resume reruns the step", async () => {
    const key = uniqueId("rollback-uses");
    const dir = mkdtempSync(join(tmpdir(), "nxrun-rollback-uses-"));
    const write = (name: string, yaml: string) =>
      writeFileSync(join(dir, name), yaml.replaceAll("{{queue}}", stack().taskQueue));
    write(
      "main.yaml",
      `
nxrun: 1
name: rollback-uses
inputs:
  key: { type: string }
defaults:
  taskQueue: {{queue}}
steps:
  - id: dbs
    forEach: [t0, t1]
    concurrency: 1
    uses: ./provision.yaml
    with: { key: "{% $inputs.key %}", tenant: "{% $item %}" }
  - id: gate
    needs: [dbs]
    activity: checkHealth
    input: { recordKey: "{% $inputs.key & '-gate' %}", healthyOnCall: 2 }
  - id: verify
    activity: fail
    input: { message: smoke test failed, nonRetryable: true, succeedOnAttempt: "{% $steps.gate.output.healthy ? 1 : 99 %}" }
`,
    );
    write(
      "provision.yaml",
      `
nxrun: 1
name: provision
inputs:
  key: { type: string }
  tenant: { type: string }
defaults:
  taskQueue: {{queue}}
steps:
  - id: create
    activity: echo
    input: { db: "{% $inputs.tenant & '-db' %}" }
    compensate:
      activity: recordEvent
      args: ["{% $inputs.key %}", { event: undo-create, tenant: "{% $inputs.tenant %}", output: "{% $output %}" }]
`,
    );
    const file = join(dir, "main.yaml");
    const first = await runPipelineFile(file, ["-i", `key=${key}`]);
    expect(first.code, output(first)).toBe(1);
    const runId = first.runId;
    expect(handlerRecord(key).map(({ at: _at, ...event }) => event)).toEqual([
      { event: "undo-create", tenant: "t1", output: { db: "t1-db" } },
      { event: "undo-create", tenant: "t0", output: { db: "t0-db" } },
    ]);
    expect(await activityStatus(`${runId}.dbs.1.create.compensate`)).toBe("COMPLETED");
    expect(stepOf(first, "dbs[1].create").status).toBe("compensated");
    expect(stepOf(first, "dbs").status).toBe("compensated");
    expect(stepOf(first, "dbs").items?.map((item) => item.status)).toEqual(["compensated", "compensated"]);

    const second = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(second.code, output(second)).toBe(0);
    expect(stepOf(second, "dbs[0].create").execution?.executionId).toBe(`${runId}.dbs@2.0.create`);
    expect(await activityStatus(`${runId}.dbs@2.1.create`)).toBe("COMPLETED");
    expect(stepOf(second, "verify").status).toBe("completed");
  });
});
