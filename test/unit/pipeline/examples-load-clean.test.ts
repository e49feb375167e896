import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipeline } from "../../../src/pipeline/load.js";

const root = resolve(import.meta.dirname, "../../..");
const dirs = [join(root, "examples"), join(root, "examples/shared"), join(root, "test/fixtures/valid")];
const files = dirs.flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(dir, f))
    : [],
);

describe("examples and valid fixtures check clean", () => {
  it("has files to check", () => expect(files.length).toBeGreaterThan(0));
  it.each(files)("%s", async (file) => {
    const result = await loadPipeline(file);
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
    if (result.ok) expect(result.warnings).toEqual([]);
  });
});
