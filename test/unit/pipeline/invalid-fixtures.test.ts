import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipeline } from "../../../src/pipeline/load.js";

const dir = resolve(import.meta.dirname, "../../fixtures/invalid");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const HEADER = /^# expect: (NX\d{3}) at (\d+):(\d+): (.+)$/;

describe("invalid fixtures: one mistake each, reported exactly", () => {
  it("has at least 60 fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
  });

  it.each(files)("%s", async (name) => {
    const path = join(dir, name);
    const header = HEADER.exec(readFileSync(path, "utf8").split("\n")[0] ?? "");
    if (!header) throw new Error(`${name}: first line must be "# expect: NXnnn at line:col: message"`);
    const [, code, line, column, fragment] = header;
    const result = await loadPipeline(path);
    expect(result.ok, `${name} loaded without errors`).toBe(false);
    if (result.ok) return;
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    const shown = errors.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`);
    expect(shown, `${name}: exactly one error`).toHaveLength(1);
    const [d] = errors;
    expect({ code: d!.code, line: d!.line, column: d!.column }).toEqual({
      code,
      line: Number(line),
      column: Number(column),
    });
    expect(d!.message).toContain(fragment);
    expect(d!.file).toBe(path);
    expect(d!.hint ?? "", `${name}: a hint`).not.toBe("");
  });
});
