import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/pipeline/diagnostic.js";
import { type LoadResult, loadPipelineText } from "../../../src/pipeline/load.js";

const fixtures = resolve(import.meta.dirname, "../../fixtures");
const seeds = [
  ...readdirSync(join(fixtures, "valid")).map((f) => join(fixtures, "valid", f)),
  ...readdirSync(join(fixtures, "invalid"))
    .filter((f) => f.endsWith(".yaml"))
    .slice(0, 20)
    .map((f) => join(fixtures, "invalid", f)),
]
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => readFileSync(f, "utf8"));

/** What the loader promises for any text: diagnostics with a code and a place, or a pipeline. */
function expectWellFormed(result: LoadResult, text: string): void {
  if (result.ok) {
    expect(result.pipeline.steps.length).toBeGreaterThan(0);
    for (const w of result.warnings) expectDiagnostic(w, text);
    return;
  }
  expect(result.diagnostics.length).toBeGreaterThan(0);
  for (const d of result.diagnostics) expectDiagnostic(d, text);
}

function expectDiagnostic(d: Diagnostic, text: string): void {
  expect(d.code).toMatch(/^NX1\d\d$/);
  expect(d.message.length).toBeGreaterThan(0);
  expect(d.file).toBe("/fuzz/p.yaml");
  const lines = text.split("\n").length;
  expect(d.line).toBeGreaterThanOrEqual(1);
  expect(d.line).toBeLessThanOrEqual(lines + 1);
  expect(d.column).toBeGreaterThanOrEqual(1);
}

const SPECIAL = [
  ":",
  " ",
  "\n",
  "-",
  "{",
  "}",
  "[",
  "]",
  '"',
  "'",
  "#",
  "%",
  "$",
  "&",
  "*",
  "!",
  "|",
  ">",
  "\t",
  "a",
  "1",
  ".",
  ",",
];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(...SPECIAL),
      fc.string({ maxLength: 6 }),
      fc.constantFrom("{% ", " %}", "$steps.", "needs: [a]", "\n  - id: x\n"),
    ),
  }),
  fc.record({ kind: fc.constant("duplicateLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swapLines" as const), at: fc.nat(), with: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, m: Mutation): string {
  switch (m.kind) {
    case "delete": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case "insert": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case "duplicateLine": {
      const lines = text.split("\n");
      const at = m.at % lines.length;
      lines.splice(at, 0, lines[at]!);
      return lines.join("\n");
    }
    case "swapLines": {
      const lines = text.split("\n");
      const a = m.at % lines.length;
      const b = m.with % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join("\n");
    }
    default: {
      const never: never = m;
      throw new Error(String(never));
    }
  }
}

describe("the loader never fails unexpectedly", () => {
  it("on mutated pipelines", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 5 }), (seed, mutations) => {
        const text = mutations.reduce(apply, seed);
        expectWellFormed(loadPipelineText(text, "/fuzz/p.yaml"), text);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
  });

  const exprChars = fc.constantFrom(
    ..."$.()[]{}&+-*/=<>!?:;,'\"` \n#%@^~|".split(""),
    "$inputs",
    "$steps",
    "$item",
    "$run.status",
    "function($x){$x}",
    "$count",
    "a",
    "1",
    "%}",
    "{%",
  );
  const expression = fc.oneof(
    fc.array(exprChars, { maxLength: 20 }).map((parts) => parts.join("")),
    fc.string({ maxLength: 30 }),
  );

  it("on random expressions in every expression position", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(expression, fc.constantFrom("input", "when", "forEach", "summary", "args"), (expr, key) => {
        // A block scalar holds any text without escaping.
        const block = `{% ${expr} %}`
          .split("\n")
          .map((l) => `      ${l}`)
          .join("\n");
        const text = `nxrun: 1\nname: p\ninputs:\n  x: { type: string, default: a }\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n  - id: b\n    activity: B\n    taskQueue: q\n    forEach: [1]\n    ${key === "forEach" ? "summary" : key}: |-\n${block}\n`;
        expectWellFormed(loadPipelineText(text, "/fuzz/p.yaml"), text);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
  });
});
