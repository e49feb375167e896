/**
 * A --report that cannot be written: a run that completed ends with exit 4 and one line saying which
 * file and why; a failed run keeps exit 1 and says the same line beside its failure.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { runNxrun, uniqueId } from "../../support/e2e/harness.js";
import { output, pipelineFile } from "../../support/e2e/run-helpers.js";

const pipeline = (activity: string) =>
  pipelineFile(`
nxrun: 1
name: unwritable-report
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 1m }
steps:
  - id: only
    activity: ${activity}
    input: { message: "no", nonRetryable: true }
`);

/** `nxrun run` of a one-step pipeline of `activity`, in plain output, with `--report report`. */
const runWithReport = (activity: string, report: string) =>
  runNxrun(["run", pipeline(activity), "--run-id", uniqueId("unw"), "-o", "plain", "--report", report]);

describe("a --report that cannot be written", () => {
  const missing = () => join(mkdtempSync(join(tmpdir(), "nxrun-unwritable-")), "no-such-dir", "run.json");

  it("after a run that completed: exit 4 and one line naming the file", async () => {
    const report = missing();
    const result = await runWithReport("echo", report);
    expect(result.code, output(result)).toBe(4);
    expect(result.stdout).toMatch(/run\s+completed/);
    const lines = result.stderr.trim().split("\n");
    expect(lines, output(result)).toHaveLength(2);
    expect(lines[0]).toBe(`error: cannot write the run report to ${report}: no such directory: ${dirname(report)}`);
    expect(lines[1]).toMatch(/^hint: create .* first or give --report another path$/);
  });

  it("a directory (--report DIR/): it is named a directory, the hint names --report; exit 4", async () => {
    const directory = `${mkdtempSync(join(tmpdir(), "nxrun-unwritable-"))}/`;
    const result = await runWithReport("echo", directory);
    expect(result.code, output(result)).toBe(4);
    expect(result.stderr.trim().split("\n"), output(result)).toEqual([
      `error: cannot write the run report to ${directory}: it is a directory`,
      `hint: give --report a file name, e.g. --report ${join(directory, "report")}`,
    ]);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("after a run that failed: the run's exit 1, and the same line", async () => {
    const report = missing();
    const result = await runWithReport("fail", report);
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain(`error: cannot write the run report to ${report}`);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
