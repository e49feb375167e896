/**
 * `nxrun check` called in this process on memory streams and an environment of the test's own: its
 * verdict on stdout, its exit code, and nothing written to this process's own stdout or stderr.
 */
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { parseWorkflowCommands } from "../../support/github/workflow-commands.js";
import { nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

const repo = resolve(import.meta.dirname, "../../..");
const valid = join(repo, "test/fixtures/valid/provision-tenant.yaml");
const typo = join(repo, "test/fixtures/invalid/unknown-step-key.yaml");

let processWrites: MockInstance[];
beforeEach(() => {
  processWrites = [vi.spyOn(process.stdout, "write"), vi.spyOn(process.stderr, "write")];
});
afterEach(() => {
  // What the command printed went to the streams it was handed, none to this process's.
  for (const spy of processWrites) expect(spy).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

describe("nxrun check in-process", () => {
  it("a clean file: exit 0 and the verdict on the handed stdout", async () => {
    const result = await nxrunInProcess(["check", valid]);
    expect(result).toEqual({ code: 0, stdout: "1 file checked: ok\n", stderr: "" });
  });

  it("a file with an error: exit 2, the diagnostic with its code frame and the count", async () => {
    const result = await nxrunInProcess(["check", typo, valid]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/unknown-step-key\.yaml:8:5: error NX110 unknown key "taskQeue" in step "a"/);
    expect(result.stdout).toContain("> 8 |     taskQeue: q");
    expect(result.stdout).toContain("1 error in 1 of 2 files");
    expect(result.stderr).toBe("");
  });

  it("--format json: the diagnostics as one JSON array", async () => {
    const result = await nxrunInProcess(["check", "--format", "json", typo]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual([
      expect.objectContaining({ code: "NX110", file: typo, line: 8, column: 5, severity: "error" }),
    ]);
  });

  it("GitHub Actions in the handed environment (not this process's) makes the annotations the default", async () => {
    expect(process.env.GITHUB_ACTIONS).not.toBe("true");
    const result = await nxrunInProcess(["check", typo], {
      env: { NO_COLOR: "1", GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: repo },
    });
    expect(result.code).toBe(2);
    const [annotation] = parseWorkflowCommands(result.stdout).filter((c) => c.command === "error");
    expect(annotation?.properties).toMatchObject({
      file: "test/fixtures/invalid/unknown-step-key.yaml",
      line: "8",
      col: "5",
      title: "NX110",
    });
  });

  it("an unreadable file: exit 2 and one message, no stack", async () => {
    const result = await nxrunInProcess(["check", join(repo, "test/fixtures/no-such-file.yaml")]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("no-such-file.yaml");
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });
});
