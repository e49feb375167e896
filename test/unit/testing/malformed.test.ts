// Each mistake in a test file is one diagnostic at its line and column, with a hint; exit 2, no case runs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TestRun } from "../../../src/testing/run-tests.js";
import { nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

const PIPELINE = `nxrun: 1
name: deploy
inputs:
  region: { type: string, enum: [eu, us], default: eu }
defaults: { taskQueue: q }
steps:
  - id: build
    activity: Build
  - id: approve
    confirm: ship it?
  - id: ship
    needs: [approve]
    activity: Ship
    input: { region: "{% $inputs.region %}" }
  - id: each
    forEach: "{% [1, 2] %}"
    activity: Each
  - id: pause
    wait: 1m
outputs:
  shipped: "{% $steps.ship.output %}"
`;

/** Writes the pipeline and a test file whose cases are `body`; returns the test file's path. */
function testFile(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-malformed-"));
  writeFileSync(join(dir, "deploy.yaml"), PIPELINE);
  const path = join(dir, "deploy.test.yaml");
  writeFileSync(path, `nxrun-test: 1\npipeline: ./deploy.yaml\n${body}`);
  return path;
}

const cases: Array<{ mistake: string; body: string; code: string; line: number; column: number; hint: RegExp }> = [
  {
    mistake: "a mock for a step the pipeline lacks",
    body: "cases:\n  - name: a\n    mocks:\n      shipp: { output: 1 }\n",
    code: "NX402",
    line: 6,
    column: 7,
    hint: /did you mean "ship"\?/,
  },
  {
    mistake: "a confirm step mocked",
    body: "cases:\n  - name: a\n    mocks:\n      approve: { output: true }\n",
    code: "NX403",
    line: 6,
    column: 7,
    hint: /answers: \{ approve: true \}/,
  },
  {
    mistake: "items on a step without forEach",
    body: "cases:\n  - name: a\n    mocks:\n      ship:\n        output: 1\n        items: [{ index: 0, output: 2 }]\n",
    code: "NX403",
    line: 8,
    column: 9,
    hint: /output or failure/,
  },
  {
    mistake: "output and failure both",
    body: "cases:\n  - name: a\n    mocks:\n      ship:\n        output: 1\n        failure: { message: no }\n",
    code: "NX405",
    line: 8,
    column: 9,
    hint: /keep one/,
  },
  {
    mistake: "an input the pipeline does not declare",
    body: "cases:\n  - name: a\n    inputs: { regoin: eu }\n",
    code: "NX404",
    line: 5,
    column: 5,
    hint: /did you mean "region"\?/,
  },
  {
    mistake: "an input its schema refuses",
    body: "cases:\n  - name: a\n    inputs: { region: mars }\n",
    code: "NX404",
    line: 5,
    column: 5,
    hint: /one of "eu", "us"/,
  },
  {
    mistake: "an answer for a step that is not a confirm step",
    body: "cases:\n  - name: a\n    answers: { ship: true }\n",
    code: "NX403",
    line: 5,
    column: 16,
    hint: /confirm steps: approve/,
  },
  {
    mistake: "an expectation on an output the pipeline lacks",
    body: "cases:\n  - name: a\n    expect:\n      outputs: { shiped: 1 }\n",
    code: "NX402",
    line: 6,
    column: 18,
    hint: /did you mean "shipped"\?/,
  },
  {
    mistake: "two cases with one name",
    body: "cases:\n  - name: a\n  - name: a\n",
    code: "NX406",
    line: 5,
    column: 11,
    hint: /its own name/,
  },
  {
    mistake: "an unknown key",
    body: "cases:\n  - name: a\n    expcet: {}\n",
    code: "NX110",
    line: 5,
    column: 5,
    hint: /did you mean "expect"\?/,
  },
  {
    mistake: "a status that is none",
    body: "cases:\n  - name: a\n    expect: { steps: { ship: done } }\n",
    code: "NX114",
    line: 5,
    column: 30,
    hint: /a status: completed, failed/,
  },
  {
    mistake: "an item mock with neither index nor match",
    body: "cases:\n  - name: a\n    mocks:\n      each:\n        output: 1\n        items: [{ output: 2 }]\n",
    code: "NX405",
    line: 8,
    column: 17,
    hint: /index: 0, or match:/,
  },
  {
    mistake: "checks on a step without repeat",
    body: "cases:\n  - name: a\n    mocks:\n      ship:\n        checks: [{ output: 1 }]\n",
    code: "NX403",
    line: 7,
    column: 9,
    hint: /output or failure/,
  },
  {
    mistake: "compensate on a step without one",
    body: "cases:\n  - name: a\n    mocks:\n      ship:\n        output: 1\n        compensate: { output: 2 }\n",
    code: "NX403",
    line: 8,
    column: 9,
    hint: /remove compensate:/,
  },
  {
    mistake: "an item's compensate on a step without one",
    body: "cases:\n  - name: a\n    mocks:\n      each:\n        output: 1\n        items:\n          - index: 0\n            compensate: { output: 2 }\n",
    code: "NX403",
    line: 10,
    column: 13,
    hint: /remove compensate: from the item mock/,
  },
  {
    mistake: "a wait step mocked",
    body: "cases:\n  - name: a\n    mocks:\n      pause: { output: 1 }\n",
    code: "NX403",
    line: 6,
    column: 7,
    hint: /remove the mock/,
  },
  {
    mistake: "a var the pipeline lacks",
    body: "cases:\n  - name: a\n    vars: { when: now }\n",
    code: "NX404",
    line: 5,
    column: 13,
    hint: /its vars: none/,
  },
  {
    mistake: "a secret the pipeline lacks",
    body: "cases:\n  - name: a\n    secrets: { token: x }\n",
    code: "NX404",
    line: 5,
    column: 16,
    hint: /its secrets: none/,
  },
  {
    mistake: "an expectation on a step the pipeline lacks",
    body: "cases:\n  - name: a\n    expect: { steps: { shp: completed } }\n",
    code: "NX402",
    line: 5,
    column: 24,
    hint: /did you mean "ship"\?/,
  },
  {
    mistake: "an expected compensation of a step without one",
    body: "cases:\n  - name: a\n    expect: { compensations: [ship] }\n",
    code: "NX403",
    line: 5,
    column: 31,
    hint: /steps with a compensation: none/,
  },
  {
    mistake: "a YAML syntax error",
    body: "cases:\n  - name: [a\n",
    code: "NX101",
    line: 5,
    column: 1,
    hint: /./,
  },
];

/** Whole files that are no test file at all, read by the pipelines' own reader (src/pipeline/read-yaml.ts). */
const wholeFiles: Array<{ mistake: string; text: string; code: string; line: number; column: number; hint: RegExp }> = [
  { mistake: "an empty file", text: "# nothing yet\n", code: "NX103", line: 1, column: 1, hint: /nxrun-test: 1/ },
  { mistake: "a list, not a mapping", text: "- a\n- b\n", code: "NX103", line: 1, column: 1, hint: /nxrun-test: 1/ },
  {
    mistake: "a file nested too deep",
    text: `nxrun-test: 1\npipeline: ./deploy.yaml\ncases: ${"[".repeat(300)}${"]".repeat(300)}\n`,
    code: "NX104",
    line: 3,
    column: 207,
    hint: /flatten it/,
  },
];

describe("a malformed test file", () => {
  it.each(wholeFiles)("$mistake: $code at $line:$column", async ({ text, code, line, column, hint }) => {
    const file = testFile("");
    writeFileSync(file, text);
    const result = await nxrunInProcess(["test", file, "-o", "json"]);
    expect(result.code).toBe(2);
    const run = JSON.parse(result.stdout) as TestRun;
    expect(run.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([[code, file, line, column]]);
    expect(run.diagnostics[0]?.hint).toMatch(hint);
  });

  it.each(cases)("$mistake: $code at $line:$column", async ({ body, code, line, column, hint }) => {
    const file = testFile(body);
    const result = await nxrunInProcess(["test", file, "-o", "json"]);
    expect(result.code).toBe(2);
    const run = JSON.parse(result.stdout) as TestRun;
    expect(run.cases).toEqual([]);
    expect(run.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([[code, file, line, column]]);
    expect(run.diagnostics[0]?.hint).toMatch(hint);
  });

  it("is one error with its place and hint in text, and nxrun check says the same", async () => {
    const file = testFile("cases:\n  - name: a\n    mocks:\n      shipp: { output: 1 }\n");
    const result = await nxrunInProcess(["test", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:6:7: error NX402 pipeline deploy has no step "shipp"`);
    expect(result.stderr).toContain('hint: did you mean "ship"?');
    // check prints its diagnostics on stdout.
    const check = await nxrunInProcess(["check", file]);
    expect(check.code).toBe(2);
    expect(check.stdout).toContain(`${file}:6:7: error NX402`);
  });

  it("whose pipeline has errors points at pipeline: and names the command that shows them", async () => {
    const file = testFile("cases:\n  - name: a\n");
    writeFileSync(file.replace(".test.yaml", ".yaml"), "nxrun: 1\nname: deploy\nsteps: []\n");
    const result = await nxrunInProcess(["test", file, "-o", "json"]);
    expect(result.code).toBe(2);
    const [d] = (JSON.parse(result.stdout) as TestRun).diagnostics;
    expect([d?.code, d?.line, d?.column, d?.hint]).toEqual(["NX401", 2, 11, "nxrun check ./deploy.yaml shows it"]);
  });

  it("a pipeline given instead of its test file is one usage mistake naming both commands", async () => {
    const file = testFile("cases:\n  - name: a\n").replace(".test.yaml", ".yaml");
    const result = await nxrunInProcess(["test", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file} is not a test file: test files end in .test.yaml`);
    expect(result.stderr).toContain(
      `hint: give its test file (nxrun test ${file.replace(/\.yaml$/, "")}.test.yaml), or run it with nxrun run ${file}`,
    );
  });

  it("a path with no test files is a usage mistake", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-empty-"));
    const result = await nxrunInProcess(["test", dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no test files in");
  });
});

describe("a test file or pipeline under test that is no regular file", () => {
  // Reading a FIFO waits for a writer that never comes: these must end at once with exit 2.
  it("a pipeline: that is a FIFO or a directory is NX401 at pipeline:", async () => {
    const file = testFile("cases:\n  - name: a\n");
    const dir = join(file, "..");
    execFileSync("mkfifo", [join(dir, "fifo.yaml")]);
    for (const [target, kind] of [
      ["./fifo.yaml", "a FIFO"],
      ["./", "a directory"],
    ] as const) {
      writeFileSync(file, `nxrun-test: 1\npipeline: ${target}\ncases:\n  - name: a\n`);
      const result = await nxrunInProcess(["test", file, "-o", "json"]);
      expect(result.code).toBe(2);
      const [d] = (JSON.parse(result.stdout) as TestRun).diagnostics;
      expect([d?.code, d?.line, d?.column, d?.message]).toEqual([
        "NX401",
        2,
        11,
        `the pipeline under test is ${kind}, not a regular file`,
      ]);
    }
  });

  it("a FIFO named *.test.yaml, given or found in a directory, is refused, not waited on", async () => {
    const file = testFile("cases:\n  - name: a\n");
    const fifo = join(file, "..", "stuck.test.yaml");
    execFileSync("mkfifo", [fifo]);
    for (const args of [
      ["test", fifo],
      ["test", join(file, "..")],
    ]) {
      const result = await nxrunInProcess(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot read ${fifo}: it is a FIFO, not a regular file`);
    }
  });
});
