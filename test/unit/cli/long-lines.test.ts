/**
 * A pipeline whose line at fault is 20 KB long, through `nxrun check`: every line of the message's
 * code frame fits the terminal's width (80 columns when there is no terminal), cut around the caret
 * with an ellipsis, and the caret stands under the text at fault. The same for a pipeline nested
 * 20,000 levels deep on one line, which is said in words at its place.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

function pipelineFile(lastLine: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "nxrun-long-")), "p.yaml");
  writeFileSync(file, `nxrun: 1\nname: long\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n${lastLine}\n`);
  return file;
}

/** `nxrun check file`, with what it writes to the process's stdout as well as to its terminal's. */
async function check(file: string, columns: number | undefined) {
  let written = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  });
  const result = await nxrunInProcess(["check", file], columns === undefined ? {} : { columns }).finally(() =>
    spy.mockRestore(),
  );
  return { code: result.code, stdout: written + result.stdout };
}

/** The code frame's two lines (`> 7 | ...` and the caret under it) of the first diagnostic. */
function frame(stdout: string): { shown: string; caret: string } {
  const lines = stdout.split("\n");
  const at = lines.findIndex((l) => l.startsWith("> "));
  expect(at, stdout.slice(0, 2000)).toBeGreaterThan(0);
  return { shown: lines[at] ?? "", caret: lines[at + 1] ?? "" };
}

const widths = [{ columns: 40 }, { columns: 80 }, { columns: 200 }, { columns: undefined, width: 80 }];

describe("a 20 KB line in a diagnostic, at the terminal's width", () => {
  it.each(widths)("an unknown key at the end of the line, terminal of $columns columns", async ({ columns, width }) => {
    const file = pipelineFile(`  - { id: b, activity: B, taskQueue: q, summary: "${"x".repeat(20_000)}", bogus: 1 }`);
    const result = await check(file, columns);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/p\.yaml:7:\d+: error \w+ .*bogus/);
    const { shown, caret } = frame(result.stdout);
    for (const row of [shown, caret]) expect(row.length).toBeLessThanOrEqual(width ?? columns ?? 0);
    expect(shown).toMatch(/^> 7 \| …x+", bogus: 1 }$/);
    expect(shown.slice(caret.indexOf("^"), caret.lastIndexOf("^") + 1)).toBe("bogus");
  });

  it.each(widths)(
    "a pipeline nested 20,000 levels deep on one line, terminal of $columns columns",
    async ({ columns, width }) => {
      const file = pipelineFile(`    input: ${"[".repeat(20_000)}${"]".repeat(20_000)}`);
      const result = await check(file, columns);
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(/p\.yaml:7:\d+: error \w+ the file is nested deeper than \d+ levels/);
      expect(result.stdout).not.toMatch(/call stack/i);
      const { shown, caret } = frame(result.stdout);
      for (const row of [shown, caret]) expect(row.length).toBeLessThanOrEqual(width ?? columns ?? 0);
      const column = Number(/p\.yaml:7:(\d+)/.exec(result.stdout)?.[1]);
      // The caret stands on the bracket at that column: the shown text before it is the line's.
      expect(shown[caret.indexOf("^")]).toBe("[");
      expect(shown).toMatch(/^> 7 \| …\[+…$/);
      expect(column).toBeGreaterThan(width ?? columns ?? 0);
      expect(result.stdout.length).toBeLessThan(2_000);
    },
  );
});
