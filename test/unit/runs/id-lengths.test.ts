import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newRunId } from "../../../src/engine/execution-ids.js";
import { loadPipeline } from "../../../src/pipeline/load.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { idLengthProblems } from "../../../src/runs/id-lengths.js";

const dir = mkdtempSync(join(tmpdir(), "nxrun-id-lengths-"));

async function load(files: Record<string, string>): Promise<Pipeline> {
  const sub = mkdtempSync(join(dir, "case-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(sub, name), text);
  const loaded = await loadPipeline(join(sub, "main.yaml"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.pipeline;
}

const brief = (d: { code: string; line: number; column: number; file: string }) => [
  d.code,
  d.file.replace(/^.*\//, ""),
  d.line,
  d.column,
];

describe("execution ID lengths", () => {
  it("refuses a 2,000-character step ID at the step, with a generated run ID, and lets a short one pass", async () => {
    const long = "s".repeat(2000);
    const pipeline = await load({
      "main.yaml": `nxrun: 1
name: ids
steps:
  - id: short
    activity: echo
    taskQueue: q
  - id: ${long}
    activity: echo
    taskQueue: q
`,
    });
    const runId = newRunId(pipeline.name);
    const problems = idLengthProblems(pipeline, runId, "generated");
    expect(problems.map(brief)).toEqual([["NX183", "main.yaml", 7, 5]]);
    expect(problems[0]?.message).toMatch(
      /^step s{30}…s{25}: with a run ID nxrun generates \(\d+ bytes: .*\), its execution ID ids-.*s is 2,0\d\d bytes \(2 KiB\), over the server's limit of 1,000 bytes \(limit\.maxIDLength\)$/,
    );
    expect(problems[0]?.hint).toMatch(/shorten the step ID/);
    expect(idLengthProblems(pipeline, runId, "generated", 3000)).toEqual([]);
  });

  it("counts what a step adds: its forEach's last index, its compensation, its repeat's checks, its uses path", async () => {
    // Each step's longest ID is exactly one byte over a limit chosen from the short step's ID.
    const pipeline = await load({
      "main.yaml": `nxrun: 1
name: ids
steps:
  - id: plain_step_long
    activity: echo
    taskQueue: q
  - id: each_step_long
    forEach: [a, b, c, d, e, f, g, h, i, j, k]
    activity: echo
    taskQueue: q
  - id: undo_step_long
    activity: echo
    taskQueue: q
    compensate: { activity: echo, taskQueue: q }
  - id: poll_step_long
    activity: echo
    taskQueue: q
    repeat: { until: "{% $output %}", every: 1s, limit: 100 }
  - id: db_step_long
    uses: ./db.yaml
`,
      "db.yaml": `nxrun: 1
name: db
steps:
  - id: create_step_long
    activity: create
    taskQueue: q
`,
    });
    const runId = "r";
    // Step IDs longer than the run's records' suffixes (~compensations), so each step's ID is the longer.
    const lengths = {
      plain_step_long: "r.plain_step_long".length,
      // The items record r~items.each_step_long is longer than r.each_step_long.10.
      each_step_long: "r~items.each_step_long".length,
      undo_step_long: "r.undo_step_long.compensate".length,
      poll_step_long: "r.poll_step_long.check-100".length,
      create_step_long: "r.db_step_long.create_step_long".length,
    };
    for (const [step, length] of Object.entries(lengths)) {
      const at = idLengthProblems(pipeline, runId, "flag", length).map((d) => d.message.split(":")[0]);
      const over = idLengthProblems(pipeline, runId, "flag", length - 1).map((d) => d.message.split(":")[0]);
      const name = step === "create_step_long" ? "step db_step_long.create_step_long" : `step ${step}`;
      expect(at, step).not.toContain(name);
      expect(over, step).toContain(name);
    }
  });

  it("refuses a run ID that makes the run's own records too long, naming --run-id", async () => {
    const pipeline = await load({
      "main.yaml": "nxrun: 1\nname: ids\nsteps:\n  - id: a\n    activity: echo\n    taskQueue: q\n",
    });
    const runId = "r".repeat(990);
    const problems = idLengthProblems(pipeline, runId, "flag");
    expect(problems.map(brief)).toEqual([["NX183", "main.yaml", 0, 0]]);
    expect(problems[0]?.message).toMatch(/~compensations is 1,004 bytes/);
    expect(problems[0]?.hint).toBe("give a shorter --run-id");
    // Counted in bytes of UTF-8, as the server counts.
    expect(idLengthProblems(pipeline, "é".repeat(495), "flag")).toHaveLength(1);
    expect(idLengthProblems(pipeline, "e".repeat(495), "flag")).toEqual([]);
  });
});
