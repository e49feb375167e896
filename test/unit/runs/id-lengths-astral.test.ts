import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadPipeline } from "../../../src/pipeline/load.js";
import { idLengthProblems } from "../../../src/runs/id-lengths.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

it("a too long --run-id of emoji is named cut between characters, never half of one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-id-astral-"));
  const file = join(dir, "main.yaml");
  writeFileSync(file, "nxrun: 1\nname: ids\nsteps:\n  - id: a\n    activity: echo\n    taskQueue: q\n");
  const loaded = await loadPipeline(file);
  if (!loaded.ok) throw new Error("the pipeline should load");
  const problems = idLengthProblems(loaded.pipeline, `a${"🎉".repeat(300)}`, "flag");
  expect(problems).toHaveLength(1);
  expect(problems[0]?.message).toContain("🎉…🎉");
  expect(problems[0]?.message).not.toMatch(LONE_SURROGATE);
});
