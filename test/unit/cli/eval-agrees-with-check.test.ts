/**
 * `nxrun eval` and `nxrun check` give the same verdict on every invalid fixture whose mistake is an
 * expression of a step (test/fixtures/invalid/): the fixture's one expression at the reported place is
 * taken out of the file (replaced with `{% null %}`, which leaves a valid pipeline), then evaluated by
 * eval's checks as written in that step and field. Both must name the same code and point at the same
 * character; where both describe it in words (every code but the cycle's summary), the same message.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, type Node, parseDocument } from "yaml";
import { checkEvalExpression, compileCommandLine } from "../../../src/cli/eval.js";
import { parseTemplate } from "../../../src/pipeline/expr/template.js";
import { loadPipeline } from "../../../src/pipeline/load.js";
import { STEP_FIELDS, type StepField } from "../../../src/pipeline/step-fields.js";

const dir = resolve(import.meta.dirname, "../../fixtures/invalid");
const HEADER = /^# expect: (NX\d{3}) at (\d+):(\d+): (.+)$/;
const work = mkdtempSync(join(tmpdir(), "nxrun-eval-agree-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The path of keys to the scalar holding `offset`, and the scalar. */
function scalarAt(
  node: unknown,
  offset: number,
  path: Array<string | number> = [],
): { path: Array<string | number>; node: Node } | undefined {
  if (isScalar(node)) {
    const [start, , end] = node.range ?? [0, 0, 0];
    return offset >= start && offset < end ? { path, node } : undefined;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const found = scalarAt(pair.value, offset, [...path, key]);
      if (found) return found;
    }
  }
  if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = scalarAt(item, offset, [...path, i]);
      if (found) return found;
    }
  }
  return undefined;
}

/** The step field an expression at `path` is written in, as eval's --in names it. */
function fieldOf(path: Array<string | number>): StepField | undefined {
  const key = path[2];
  if (key === "repeat" && path[3] === "until") return "repeat.until";
  if (key === "compensate") return "compensate";
  return STEP_FIELDS.includes(key as StepField) ? (key as StepField) : undefined;
}

interface Case {
  name: string;
  code: string;
  line: number;
  column: number;
  text: string;
}

const cases: Case[] = [];
const notForEval: string[] = [];
for (const name of readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()) {
  const text = readFileSync(join(dir, name), "utf8");
  const header = HEADER.exec(text.split("\n")[0] ?? "");
  if (!header) continue;
  cases.push({ name, code: header[1]!, line: Number(header[2]), column: Number(header[3]), text });
}

describe("eval agrees with check on invalid fixtures", () => {
  const compared: string[] = [];

  it.each(cases)("$name", async ({ name, code, line, column, text }) => {
    const lines = text.split("\n");
    const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
    const doc = parseDocument(text);
    const found = scalarAt(doc.contents, offset);
    const value = found && isScalar(found.node) ? found.node.value : undefined;
    const section = found?.path[0];
    const field = found ? fieldOf(found.path) : undefined;
    // Only an expression of a step makes sense for eval: not vars, outputs, keys or YAML/schema mistakes.
    if (
      !found ||
      (section !== "steps" && section !== "finally") ||
      field === undefined ||
      typeof value !== "string" ||
      // A string that holds {% but is not one expression is a literal for check (NX129).
      parseTemplate(value) === undefined
    ) {
      notForEval.push(name);
      return;
    }
    const compiled = compileCommandLine(value);
    if (!compiled.ok) {
      // A syntax error: eval reports it with the same code, at the same character.
      expect(compiled.diagnostic.code).toBe(code);
      compared.push(name);
      return;
    }
    const [start, end] = found.node.range!;
    const repaired = `${text.slice(0, start)}"{% null %}"${text.slice(end)}`;
    const file = join(work, name);
    writeFileSync(file, repaired);
    const loaded = await loadPipeline(file);
    if (!loaded.ok)
      throw new Error(`${name} with its expression taken out still fails: ${loaded.diagnostics[0]?.message}`);
    const stepId = (doc.getIn([section, found.path[1], "id"]) as string | undefined) ?? "";
    const step = [...loaded.pipeline.steps, ...loaded.pipeline.finally].find((s) => s.id === stepId);
    const checked = checkEvalExpression(compiled.value, loaded.pipeline, step, field);

    const checkedByCheck = await loadPipeline(join(dir, name));
    const checkDiagnostic = checkedByCheck.ok
      ? undefined
      : checkedByCheck.diagnostics.find((d) => d.severity === "error");
    expect(
      checked.diagnostics.map((d) => d.code),
      `${name}: eval's codes`,
    ).toEqual([code]);
    const evalDiagnostic = checked.diagnostics[0]!;
    // The same character: what check points at in the file is what eval points at in the expression.
    const source = compiled.value.source;
    const pointed = source.slice(evalDiagnostic.column - 1);
    expect(lines[line - 1]!.slice(column - 1).startsWith(pointed.slice(0, Math.min(8, pointed.length)))).toBe(true);
    if (code !== "NX140") expect(evalDiagnostic.message).toBe(checkDiagnostic?.message);
    compared.push(name);
  });

  it("compares every fixture that makes sense for eval (and a fair number of them)", () => {
    expect(compared.length).toBeGreaterThanOrEqual(15);
    expect(compared.length + notForEval.length).toBe(cases.length);
  });
});
