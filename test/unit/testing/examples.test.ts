// `nxrun test examples/` passes, every example has cases, and a mutated example fails with a readable diff.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { TestRun } from "../../../src/testing/run-tests.js";
import { nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

const examples = resolve(import.meta.dirname, "../../../examples");

describe("nxrun test examples/", () => {
  it("runs every case of every example's test file and all pass", async () => {
    const result = await nxrunInProcess(["test", examples, "-o", "json"]);
    const run = JSON.parse(result.stdout) as TestRun;
    expect(run.diagnostics).toEqual([]);
    const testFiles = readdirSync(examples, { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".test.yaml"),
    );
    expect(new Set(run.cases.map((c) => c.file))).toEqual(new Set(testFiles.map((f) => join(examples, f))));
    expect(run.cases.filter((c) => !c.passed)).toEqual([]);
    expect(result.code).toBe(0);
  });

  it("prints one line per case and the count", async () => {
    const result = await nxrunInProcess(["test", join(examples, "hello.test.yaml")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ .*hello\.test\.yaml › greets by name \(\d/m);
    expect(result.stdout).toMatch(/^3 cases in 1 file: 3 passed \(/m);
  });
});

/** A copy of examples/ with `edit` applied to one pipeline. */
function mutated(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-mutation-"));
  cpSync(examples, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, "utf8");
  const after = edit(before);
  expect(after, "the mutation changed the pipeline").not.toBe(before);
  writeFileSync(path, after);
  return join(dir, file.replace(/\.yaml$/, ".test.yaml"));
}

describe("a mutated example fails its cases with the path that differs", () => {
  it("a changed JSONata mapping", async () => {
    const testFile = mutated("ci-automation.yaml", (text) =>
      text.replace(
        'failing: "{% [$steps.check.output[ok = false].table] %}"\n\noutputs',
        'failing: "{% [$steps.check.output[ok = true].table] %}"\n\noutputs',
      ),
    );
    const result = await nxrunInProcess(["test", testFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ ");
    expect(result.stdout).toContain("› a stale table is reported as failing");
    expect(result.stdout).toContain("steps.publish.input.failing: 1 entries expected, found 2");
    expect(result.stdout).toContain('expected ["orders"]');
    expect(result.stdout).toContain('found    ["users","invoices"]');
  });

  it("an inverted when", async () => {
    const testFile = mutated("ci-automation.yaml", (text) =>
      text.replace("$count($steps.tables.output.tables) > 0", "$count($steps.tables.output.tables) = 0"),
    );
    const result = await nxrunInProcess(["test", testFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('outputs.summary: expected "3 checked, 1 failing", found nothing');
    expect(result.stdout).toContain('steps.publish.status: expected "skipped", found "completed"');
    expect(result.stdout).toMatch(/^3 cases in 1 file: 1 passed, 2 failed/m);
  });
});
