/**
 * `nxrun test`'s whole run: find the test files, load each (a malformed one is diagnostics, not
 * cases), run every case of every file in parallel, and say what the cases never reached.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { eachAtMost } from "../base/each-at-most.js";
import type { SourcePosition } from "../base/source-position.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { Codes } from "../pipeline/diagnostic-codes.js";
import { loadTestFile } from "./load-test-file.js";
import { type CaseResult, runCase } from "./run-case.js";
import { stepSites } from "./step-paths.js";
import { TEST_FILE_SUFFIX, type TestFile } from "./test-model.js";

/** Something the cases of a pipeline never reached. */
export interface Unreached {
  readonly pipeline: string;
  readonly step: string;
  /** Never started (so its `when`, if any, was never true), or started every time (its `when` never false). */
  readonly what: "never started" | "when never false";
}

export interface TestRun {
  readonly files: readonly string[];
  /** Problems of malformed test files (and of paths that hold none). */
  readonly diagnostics: readonly Diagnostic[];
  readonly cases: readonly CaseResult[];
  readonly unreached: readonly Unreached[];
  /** Item mocks by index under a file's shared `mocks:` that no case of the file used. */
  readonly unusedSharedMocks: readonly UnusedSharedMock[];
}

export interface UnusedSharedMock {
  readonly step: string;
  readonly index: number;
  readonly position: SourcePosition;
}

/** Cases run at once: all are in memory and take turns on one thread, so this bounds memory, not CPU. */
const CASES_AT_ONCE = 32;

export async function runTests(paths: readonly string[]): Promise<TestRun> {
  const { files, diagnostics } = await findTestFiles(paths.length > 0 ? paths : ["."]);
  const loaded: TestFile[] = [];
  for (const file of files) {
    const result = await loadTestFile(file);
    if (result.ok) loaded.push(result.testFile);
    else diagnostics.push(...result.diagnostics);
  }
  const work = loaded.flatMap((testFile) => testFile.cases.map((testCase) => ({ testFile, testCase })));
  const cases: CaseResult[] = new Array(work.length);
  await eachAtMost(work, CASES_AT_ONCE, async ({ testFile, testCase }, i) => {
    cases[i] = await runCase(testFile, testCase);
  });
  return {
    files,
    diagnostics,
    cases,
    unreached: unreachedSteps(loaded, cases),
    unusedSharedMocks: unusedSharedMocks(cases),
  };
}

/** Test files under `paths`: a file as given, a directory searched (node_modules and dot-directories left out). */
export async function findTestFiles(paths: readonly string[]): Promise<{ files: string[]; diagnostics: Diagnostic[] }> {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".")) await walk(path);
      } else if (TEST_FILE_SUFFIX.test(entry.name)) files.push(path);
    }
  };
  for (const given of paths) {
    const path = resolve(given);
    const found = await stat(path).catch(() => undefined);
    const problem = (message: string, hint: string) =>
      diagnostics.push({
        code: Codes.fileUnreadable,
        severity: "error",
        message,
        hint,
        file: path,
        line: 0,
        column: 0,
      });
    if (!found) problem(`cannot read ${given}: no such file or directory`, "check the path");
    else if (found.isDirectory()) {
      const before = files.length;
      await walk(path);
      if (files.length === before)
        problem(`no test files in ${given}`, "test files end in .test.yaml, beside the pipeline they test");
    } else if (!TEST_FILE_SUFFIX.test(path)) {
      problem(
        `${given} is not a test file: test files end in .test.yaml`,
        `give its test file (nxrun test ${given.replace(/\.ya?ml$/, "")}.test.yaml), or run it with nxrun run ${given}`,
      );
    } else files.push(path);
  }
  return { files: [...new Set(files)], diagnostics };
}

/** The shared item mocks no case used (a case that mocks the step itself does not hold them). */
function unusedSharedMocks(cases: readonly CaseResult[]): UnusedSharedMock[] {
  const held = new Map<string, UnusedSharedMock>();
  const used = new Set<string>();
  for (const c of cases) {
    for (const { step, index, position, unusedBecause } of c.reached.sharedItemMocks) {
      const key = `${position.file}:${position.line}:${position.column}`;
      held.set(key, { step, index, position });
      if (unusedBecause === undefined) used.add(key);
    }
  }
  return [...held].filter(([key]) => !used.has(key)).map(([, mock]) => mock);
}

/** Per pipeline under test, the steps no case started and the `when`s no case saw both ways. */
function unreachedSteps(loaded: readonly TestFile[], cases: readonly CaseResult[]): Unreached[] {
  const byPipeline = new Map<string, { testFile: TestFile; cases: CaseResult[] }>();
  for (const testFile of loaded) {
    const entry = byPipeline.get(testFile.pipeline.file) ?? { testFile, cases: [] };
    entry.cases.push(...cases.filter((c) => c.file === testFile.file));
    byPipeline.set(testFile.pipeline.file, entry);
  }
  const unreached: Unreached[] = [];
  for (const [pipeline, { testFile, cases: its }] of byPipeline) {
    const started = new Set(its.flatMap((c) => c.reached.started));
    const whenFalse = new Set(its.flatMap((c) => c.reached.whenFalse));
    for (const { path, step } of stepSites(testFile.pipeline).values()) {
      if (!started.has(path)) unreached.push({ pipeline, step: path, what: "never started" });
      if (step.when !== undefined && !whenFalse.has(path))
        unreached.push({ pipeline, step: path, what: "when never false" });
    }
  }
  return unreached;
}
