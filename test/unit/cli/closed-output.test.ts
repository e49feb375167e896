import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../../bin/nxrun.js", import.meta.url));

/** Runs nxrun with its stdout closed by the reader from the start, as `| head -0` does. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a closed stdout", () => {
  it("keeps check's verdict: an invalid pipeline still exits 2, quietly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-closed-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "nxrun: 1\nname: bad\nsteps:\n  - id: s\n    activity: echo\n    bogus: 1\n");
    const result = await runIntoClosedPipe(["check", file, "--format", "json"]);
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.code).toBe(2);
  }, 30_000);

  it("ends eval quietly with exit 0", async () => {
    const result = await runIntoClosedPipe(["eval", "[1..1000]"]);
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.code).toBe(0);
  }, 30_000);
});
