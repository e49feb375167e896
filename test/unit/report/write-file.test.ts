import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OutputError } from "../../../src/base/user-error.js";
import { writeReportFile } from "../../../src/report/write-file.js";

describe("writeReportFile", () => {
  it("writes the whole file and leaves no temporary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    await writeReportFile(join(dir, "run.json"), '{"ok":true}\n', "report");
    await writeReportFile(join(dir, "run.json"), '{"ok":false}\n', "report");
    expect(readFileSync(join(dir, "run.json"), "utf8")).toBe('{"ok":false}\n');
    expect(readdirSync(dir)).toEqual(["run.json"]);
  });

  it("leaves nothing behind when the path cannot take a file (a directory, as --report / would be)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    mkdirSync(join(dir, "taken"));
    const error = await writeReportFile(join(dir, "taken"), "x", "report").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect(readdirSync(dir)).toEqual(["taken"]);
    expect(readdirSync(join(dir, "taken"))).toEqual([]);
    const missing = await writeReportFile(join(dir, "no", "run.json"), "x", "report").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OutputError);
  });
});
