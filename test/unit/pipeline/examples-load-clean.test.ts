import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipeline } from "../../../src/pipeline/load.js";
import { loadTestFile } from "../../../src/testing/load-test-file.js";
import { TEST_FILE_SUFFIX } from "../../../src/testing/test-model.js";

const root = resolve(import.meta.dirname, "../../..");
const dirs = [join(root, "examples"), join(root, "examples/shared"), join(root, "test/fixtures/valid")];
const all = dirs.flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(dir, f))
    : [],
);
const files = all.filter((f) => !TEST_FILE_SUFFIX.test(f));
const testFiles = all.filter((f) => TEST_FILE_SUFFIX.test(f));

describe("examples and valid fixtures check clean", () => {
  it("has files to check", () => expect(files.length).toBeGreaterThan(0));
  it.each(files)("%s", async (file) => {
    const result = await loadPipeline(file);
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
    if (result.ok) expect(result.warnings).toEqual([]);
  });
});

describe("the examples' test files check clean", () => {
  it("has one beside every example pipeline", () => {
    const examples = files.filter((f) => f.startsWith(join(root, "examples")));
    const tested = new Set(testFiles.map((f) => f.replace(TEST_FILE_SUFFIX, ".yaml")));
    expect(examples.filter((f) => !tested.has(f))).toEqual([]);
  });
  it.each(testFiles)("%s", async (file) => {
    const result = await loadTestFile(file);
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
  });
});
