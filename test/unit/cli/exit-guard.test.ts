import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The guard acts on the real process's `beforeExit`, so each case runs in a Node process of its own.
const guard = fileURLToPath(new URL("../../../dist/src/cli/exit-guard.js", import.meta.url));

function runWith(command: string) {
  const script = `import(${JSON.stringify(guard)}).then((m) => m.exitWhenSettled(${command}, process.stderr));`;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
}

describe("exitWhenSettled", () => {
  it("exits with the command's code when it settles", () => {
    const result = runWith("new Promise((resolve) => setTimeout(() => resolve(1), 20))");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("");
  });

  it("a command that can never settle (nothing holds the process) is a bug: exit 70 and a message", () => {
    // An unref'd timer is what the Ink view's frame timer is: it does not keep Node alive.
    const result = runWith("new Promise((resolve) => setTimeout(() => resolve(0), 60_000).unref())");
    expect(result.status).toBe(70);
    expect(result.stderr).toContain("internal error: the command stopped before it finished");
  });

  it("a command that rejects is a bug: its stack and exit 70", () => {
    const result = runWith('Promise.reject(new Error("escaped main"))');
    expect(result.status).toBe(70);
    expect(result.stderr).toMatch(/internal error\nError: escaped main\n\s+at /);
  });
});
