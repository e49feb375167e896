// `nxrun test --junit FILE` and `-o json`: what CI systems and tools read.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "junit2json";
import { describe, expect, it } from "vitest";
import type { TestRun } from "../../../src/testing/run-tests.js";
import { nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

function testDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-reports-"));
  writeFileSync(
    join(dir, "p.yaml"),
    'nxrun: 1\nname: p\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\noutputs:\n  a: "{% $steps.a.output %}"\n',
  );
  writeFileSync(
    join(dir, "p.test.yaml"),
    `nxrun-test: 1
pipeline: ./p.yaml
mocks: { a: { output: 1 } }
cases:
  - name: passes
    expect: { outputs: { a: 1 } }
  - name: fails <here>
    expect: { outputs: { a: 2 } }
`,
  );
  writeFileSync(
    join(dir, "broken.test.yaml"),
    "nxrun-test: 1\npipeline: ./p.yaml\ncases:\n  - name: x\n    mocks: { b: { output: 1 } }\n",
  );
  return dir;
}

describe("nxrun test reports", () => {
  it("--junit: a suite per file, a case per case, a failed case's difference, a malformed file as a failure", async () => {
    const dir = testDir();
    const junit = join(dir, "junit.xml");
    const result = await nxrunInProcess(["test", dir, "--junit", junit]);
    expect(result.code).toBe(2);
    const report = (await parse(readFileSync(junit, "utf8"))) as {
      testsuite?: Array<{ name: string; testcase?: Array<{ name: string; failure?: Array<{ inner?: string }> }> }>;
    };
    const suites = Object.fromEntries(
      (report.testsuite ?? []).map((s) => [
        s.name.replace(/^.*\//, ""),
        (s.testcase ?? []).map((c) => [c.name, c.failure?.[0]?.inner ?? "passed"]),
      ]),
    );
    expect(suites).toEqual({
      "p.test.yaml": [
        ["passes", "passed"],
        ["fails <here>", "outputs.a: expected 2, found 1"],
      ],
      "broken.test.yaml": [["the test file", expect.stringContaining('NX402 pipeline p has no step "b"')]],
    });
  });

  it("--junit: escapes control and bidi characters in names and differences as the terminal output does", async () => {
    const dir = testDir();
    writeFileSync(
      join(dir, "p.test.yaml"),
      'nxrun-test: 1\npipeline: ./p.yaml\ncases:\n  - name: "a \\u001b[2J\\u202e b"\n    mocks: { a: { output: "\\u202e" } }\n    expect: { outputs: { a: x } }\n',
    );
    const junit = join(dir, "junit.xml");
    await nxrunInProcess(["test", join(dir, "p.test.yaml"), "--junit", junit]);
    const xml = readFileSync(junit, "utf8");
    expect(xml).not.toMatch(/[\u001b\u202e]/);
    expect(xml).toContain('name="a \\u001b[2J\\u202e b"');
    expect(xml).toContain('found "\\u202e"');
  });

  it("-o json: the cases with their differences, the problems of malformed files", async () => {
    const result = await nxrunInProcess(["test", testDir(), "-o", "json"]);
    const run = JSON.parse(result.stdout) as TestRun;
    expect(run.cases.map((c) => [c.name, c.passed, c.mismatches])).toEqual([
      ["passes", true, []],
      ["fails <here>", false, [{ path: "outputs.a", expected: 2, actual: 1 }]],
    ]);
    expect(run.diagnostics.map((d) => d.code)).toEqual(["NX402"]);
  });

  it("exit 1 when a case fails and every file is well formed", async () => {
    const dir = testDir();
    const result = await nxrunInProcess(["test", join(dir, "p.test.yaml")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ ");
    expect(result.stdout).toMatch(/2 cases in 1 file: 1 passed, 1 failed/);
  });
});

describe("nxrun test on a mock or predicate that tests nothing", () => {
  function suite(): string {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-unused-"));
    writeFileSync(
      join(dir, "p.yaml"),
      'nxrun: 1\nname: p\nsteps:\n  - id: deploy\n    forEach: "{% [1, 2, 3] %}"\n    activity: Deploy\n    taskQueue: q\noutputs:\n  n: "{% $count($steps.deploy.output) %}"\n',
    );
    writeFileSync(
      join(dir, "p.test.yaml"),
      `nxrun-test: 1
pipeline: ./p.yaml
mocks:
  deploy: { output: ok, items: [{ index: 5, output: shared }] }
cases:
  - name: seven of three
    mocks:
      deploy:
        output: ok
        items:
          - index: 7
            output: never
  - name: no value
    expect: { outputs: { n: "{% $value.total %}" } }
`,
    );
    return join(dir, "p.test.yaml");
  }

  it("prints the case's unused item mock and the predicate with no value at file:line:col, then the shared one; exit 1", async () => {
    const path = suite();
    const result = await nxrunInProcess(["test", path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `    deploy[7]: ${path}:11:13: item 7 of step "deploy" is mocked but was never reached: its forEach had 3 items (indexes 0 to 2)\n`,
    );
    expect(result.stdout).toContain(
      `    outputs.n: ${path}:14:33: {% $value.total %} gave no value; check the paths it reads\n`,
    );
    expect(result.stdout).toContain(`shared item mocks no case used:\n  ${path}:4:35: deploy[5] never reached\n`);
    expect(result.stdout).toMatch(/2 cases in 1 file: 0 passed, 2 failed/);
  });

  it("-o json and --junit carry the same, with the place", async () => {
    const path = suite();
    const junit = join(dirname(path), "junit.xml");
    const result = await nxrunInProcess(["test", path, "-o", "json", "--junit", junit]);
    const run = JSON.parse(result.stdout) as TestRun;
    expect(run.cases[0]?.problems).toEqual([
      {
        path: "deploy[7]",
        message: 'item 7 of step "deploy" is mocked but was never reached: its forEach had 3 items (indexes 0 to 2)',
        position: { file: path, line: 11, column: 13 },
      },
    ]);
    expect(run.unusedSharedMocks).toEqual([
      { step: "deploy", index: 5, position: { file: path, line: 4, column: 35 } },
    ]);
    expect(readFileSync(junit, "utf8")).toContain(`deploy[7]: ${path}:11:13: item 7 of step`);
  });
});
