import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OutputError } from "../../../src/base/user-error.js";
import { writeReportFile } from "../../../src/report/write-file.js";

const kind = { what: "run report", flag: "--report" };

async function failure(path: string): Promise<OutputError> {
  const error = await writeReportFile(path, "x", kind).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OutputError);
  return error as OutputError;
}

describe("writeReportFile", () => {
  it("writes the whole file and leaves no temporary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    await writeReportFile(join(dir, "run.json"), '{"ok":true}\n', kind);
    await writeReportFile(join(dir, "run.json"), '{"ok":false}\n', kind);
    expect(readFileSync(join(dir, "run.json"), "utf8")).toBe('{"ok":false}\n');
    expect(readdirSync(dir)).toEqual(["run.json"]);
  });

  it("leaves nothing behind when the path cannot take a file (a directory, as --report / would be)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    mkdirSync(join(dir, "taken"));
    await failure(join(dir, "taken"));
    expect(readdirSync(dir)).toEqual(["taken"]);
    expect(readdirSync(join(dir, "taken"))).toEqual([]);
  });

  it("names the path and what is wrong in words, and the flag in the hint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    mkdirSync(join(dir, "taken"));
    for (const path of [join(dir, "taken"), `${join(dir, "taken")}/`, `${join(dir, "absent")}/`]) {
      const error = await failure(path);
      expect(error.message).toBe(`cannot write the run report to ${path}: it is a directory`);
      expect(error.hint).toMatch(/^give --report a file name/);
    }
    const missing = await failure(join(dir, "no", "run.json"));
    expect(missing.message).toBe(
      `cannot write the run report to ${join(dir, "no", "run.json")}: no such directory: ${join(dir, "no")}`,
    );
    expect(missing.hint).toContain("--report");
    expect(missing.message).not.toMatch(/ENOENT|rename|open '/);
  });

  it("a name as long as the file system takes is written (its temporary file's name is no longer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    const name = `${"n".repeat(250)}.json`;
    await writeReportFile(join(dir, name), "{}\n", kind);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it("a name or a path too long for the file system: said in words, without the temporary file's name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    for (const path of [join(dir, `${"x".repeat(300)}.json`), join(dir, ...Array(3000).fill("d"), "run.json")]) {
      const error = await failure(path);
      expect(error.message).toBe(`cannot write the run report to ${path}: the path or a name in it is too long`);
      expect(error.hint).toBe("give --report a shorter path");
      expect(error.message).not.toMatch(/ENAMETOOLONG|\.tmp/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  // Skipped as root: root may write in any directory, so there is no refusal to word.
  it.skipIf(process.getuid?.() === 0)("says a directory it may not write in is one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-write-"));
    mkdirSync(join(dir, "locked"));
    chmodSync(join(dir, "locked"), 0o555);
    const error = await failure(join(dir, "locked", "run.json"));
    expect(error.message).toBe(
      `cannot write the run report to ${join(dir, "locked", "run.json")}: no permission to write in ${join(dir, "locked")}`,
    );
    expect(error.hint).toBe("give --report a path in a directory you can write to");
    chmodSync(join(dir, "locked"), 0o755);
  });
});
