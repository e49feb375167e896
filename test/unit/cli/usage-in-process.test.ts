/**
 * What commander itself prints (usage mistakes, --help, --version), called in this process on memory
 * streams: it goes to the streams the command was handed, sized to their width, and nothing to this
 * process's own stdout or stderr.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

let processWrites: MockInstance[];
beforeEach(() => {
  processWrites = [vi.spyOn(process.stdout, "write"), vi.spyOn(process.stderr, "write")];
});
afterEach(() => {
  for (const spy of processWrites) expect(spy).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

describe("commander's own output in-process", () => {
  it.each([
    [["run", "p.yaml", "--bogus"], /^error: unknown option '--bogus'/],
    [["status"], /^error: missing required argument 'run-id'/],
    [["runs", "--limit", "x"], /^error: option '--limit <n>' argument 'x' is invalid/],
    [["check"], /^error: missing required argument 'pipelines'/],
  ])("nxrun %j: exit 2, the mistake on the handed stderr", async (args, message) => {
    const result = await nxrunInProcess(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });

  it("--help on the handed stdout, wrapped to its width", async () => {
    const wide = await nxrunInProcess(["run", "--help"], { columns: 200 });
    expect(wide.code).toBe(0);
    expect(wide.stdout).toMatch(/^Usage: nxrun run \[options\] <pipeline>/);
    expect(wide.stdout).toMatch(
      /--input <key=value> +an input; value is parsed as JSON when it is valid JSON \(repeatable\)\n/,
    );
    expect(wide.stderr).toBe("");
    const narrow = await nxrunInProcess(["run", "--help"], { columns: 90 });
    for (const line of narrow.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(90);
  });

  it("--version on the handed stdout", async () => {
    const result = await nxrunInProcess(["--version"]);
    expect(result).toEqual({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/), stderr: "" });
  });
});
