import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/cli/main.js";
import { parseWorkflowCommands } from "../../support/github/workflow-commands.js";

const repo = resolve(import.meta.dirname, "../../..");
const invalidDir = join(repo, "test/fixtures/invalid");
const valid = join(repo, "test/fixtures/valid/provision-tenant.yaml");
const HEADER = /^# expect: (NX\d{3}) at (\d+):(\d+): (.+)$/;

let stdout = "";
beforeEach(() => {
  stdout = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.stubEnv("GITHUB_WORKSPACE", repo);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("nxrun check --format github", () => {
  it("annotates every invalid fixture on the line and column its header names", async () => {
    // GITHUB_ACTIONS=true makes github the default: no --format given.
    vi.stubEnv("GITHUB_ACTIONS", "true");
    const names = readdirSync(invalidDir)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(await main(["check", ...names.map((n) => join(invalidDir, n)), valid])).toBe(2);
    const commands = parseWorkflowCommands(stdout);
    for (const name of names) {
      const [, code, line, column, fragment] = HEADER.exec(
        readFileSync(join(invalidDir, name), "utf8").split("\n")[0] ?? "",
      ) as RegExpExecArray;
      const mine = commands.filter(
        (c) => c.command === "error" && c.properties.file === `test/fixtures/invalid/${name}`,
      );
      expect(mine, name).toHaveLength(1);
      const [a] = mine;
      expect({ title: a!.properties.title, line: a!.properties.line, col: a!.properties.col }, name).toEqual({
        title: code,
        line,
        col: column,
      });
      expect(a!.message, name).toContain(fragment);
      expect(a!.message, `${name}: the hint on its own line`).toMatch(/\nhint: ./);
      // The end position, when given, is never before the start.
      if (a!.properties.endLine !== undefined) {
        const endLine = Number(a!.properties.endLine);
        expect(endLine, name).toBeGreaterThanOrEqual(Number(line));
        if (endLine === Number(line) && a!.properties.endColumn !== undefined)
          expect(Number(a!.properties.endColumn), name).toBeGreaterThanOrEqual(Number(column));
      }
    }
    expect(commands.filter((c) => c.properties.file?.includes("valid/provision-tenant"))).toEqual([]);
    // The text for the log follows the annotations.
    expect(stdout).toMatch(/errors in \d+ of \d+ files\n$/);
    expect(stdout).toContain("> ");
  });

  it("escapes what GitHub would otherwise split: a file name with , and : and a message with %", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-gh-"));
    const file = join(dir, "a,b:c.yaml");
    writeFileSync(
      file,
      "nxrun: 1\nname: x\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n    input: '{% 5 % %}'\n",
    );
    expect(await main(["check", "--format", "github", file])).toBe(2);
    const [a] = parseWorkflowCommands(stdout);
    expect(stdout.split("\n")[0]).toContain("file=");
    expect(stdout.split("\n")[0]).not.toMatch(/file=[^,]*a,b/);
    expect(a!.properties.file).toBe(file);
    expect(a!.properties.line).toBe("7");
  });

  it("prints plain text and no commands outside GitHub Actions", async () => {
    vi.stubEnv("GITHUB_ACTIONS", "");
    expect(await main(["check", join(invalidDir, "cycle-needs.yaml")])).toBe(2);
    expect(parseWorkflowCommands(stdout)).toEqual([]);
    expect(stdout).toContain("error NX140");
  });

  it("keeps --format json under GitHub Actions when asked for", async () => {
    vi.stubEnv("GITHUB_ACTIONS", "true");
    expect(await main(["check", "--format", "json", join(invalidDir, "cycle-needs.yaml")])).toBe(2);
    expect(JSON.parse(stdout)).toHaveLength(1);
  });
});
