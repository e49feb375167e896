/**
 * Compiling `{% %}` expressions with JSONata. The compiled form keeps the reference sites and a
 * function from an offset in the expression to its line and column in the pipeline file, so every
 * later error (a bad reference, a failed evaluation) points into the YAML.
 */
import type jsonataTypes from "jsonata";
import { MAX_NESTING, tooDeepExpressionOffset } from "../../base/nesting.js";
import type { SourcePosition } from "../../base/source-position.js";
import type { CompiledValue } from "./compiled.js";
import { readJsonataError } from "./expression-error.js";
import { jsonata } from "./jsonata-module.js";
import { unsupportedRegex } from "./linear-regex.js";
import { extractReferenceSites, type ReferenceSite, summarizeReferences } from "./references.js";

/** Bounds applied to every evaluation unless the caller passes others. */
export const DEFAULT_EVAL_TIMEOUT_MS = 1_000;
export const DEFAULT_EVAL_MAX_DEPTH = 200;

/** Maps an offset in the expression source to a place in the file. */
export type Locate = (offset: number) => SourcePosition;

/** What `CompiledValue.compiled` holds for an expression (opaque outside src/pipeline/expr). */
export interface ExpressionProgram {
  readonly source: string;
  readonly expression: jsonataTypes.Expression;
  readonly timeoutMs: number;
  readonly maxDepth: number;
  readonly sites: readonly ReferenceSite[];
  readonly locate: Locate;
}

export type ExpressionValue = Extract<CompiledValue, { kind: "expression" }>;

/** A JSONata syntax error, placed in the file. */
export interface SyntaxProblem {
  readonly message: string;
  readonly position: SourcePosition;
  readonly jsonataCode?: string;
}

/** Compiles one expression (the text between `{%` and `%}`). */
export function compileExpression(
  source: string,
  locate: Locate,
  bounds: { timeoutMs?: number; maxDepth?: number } = {},
): { ok: true; value: ExpressionValue } | { ok: false; problem: SyntaxProblem } {
  if (source.trim() === "") {
    return { ok: false, problem: { message: "the expression is empty", position: locate(0) } };
  }
  const timeoutMs = bounds.timeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS;
  const maxDepth = bounds.maxDepth ?? DEFAULT_EVAL_MAX_DEPTH;
  const cacheKey = `${timeoutMs}/${maxDepth}/${source}`;
  let entry = compiledSources.get(cacheKey);
  if (!entry) {
    const parsed = parse(source, timeoutMs, maxDepth);
    if (!parsed.ok) {
      const e = parsed.error;
      return {
        ok: false,
        problem: {
          message: e.message,
          position: locate(problemOffset(source, e.position, e.token)),
          jsonataCode: e.code,
        },
      };
    }
    entry = { expression: parsed.expression, sites: extractReferenceSites(parsed.expression.ast()) };
    if (compiledSources.size > 10_000) compiledSources.clear();
    compiledSources.set(cacheKey, entry);
  }
  const { expression, sites } = entry;
  const program: ExpressionProgram = { source, expression, timeoutMs, maxDepth, sites, locate };
  return {
    ok: true,
    value: {
      kind: "expression",
      source,
      position: locate(0),
      references: summarizeReferences(sites),
      compiled: program,
    },
  };
}

// The same expression text is often written many times (forEach templates, generated pipelines); a
// compiled JSONata expression holds no per-evaluation state, so one compilation serves them all.
const compiledSources = new Map<string, { expression: jsonataTypes.Expression; sites: ReferenceSite[] }>();

function parse(
  source: string,
  timeoutMs: number,
  maxDepth: number,
): { ok: true; expression: jsonataTypes.Expression } | { ok: false; error: ReturnType<typeof readJsonataError> } {
  const deep = tooDeepExpressionOffset(source);
  if (deep !== undefined) {
    // JSONata's parser recurses per bracket: past this, it would run out of stack.
    return {
      ok: false,
      error: { message: `the expression is nested deeper than ${MAX_NESTING} levels`, position: deep + 1 },
    };
  }
  let expression: jsonataTypes.Expression;
  try {
    expression = jsonata(source, { timeoutMs, maxDepth });
  } catch (error) {
    return { ok: false, error: readJsonataError(error) };
  }
  const regex = unsupportedRegex(expression.ast());
  if (regex) {
    const message = `the regular expression ${regex.literal} cannot run on nxrun's linear-time regex engine (RE2): ${regex.reason}`;
    return { ok: false, error: { message, position: regex.end, token: regex.literal } };
  }
  return { ok: true, expression };
}

/** The program inside a compiled expression value. */
export function programOf(value: ExpressionValue): ExpressionProgram {
  return value.compiled as ExpressionProgram;
}

/** A locate function for an expression typed on the command line. */
export function commandLineLocate(label = "<expression>"): Locate {
  return (offset) => ({ file: label, line: 1, column: offset + 1 });
}

/**
 * Where a JSONata error starts in the source: JSONata gives the offset where the token ends, and
 * "(end)" for the end of the expression, which is best shown on the expression's last character.
 */
export function problemOffset(source: string, position: number | undefined, token: string | undefined): number {
  const last = Math.max(0, source.length - 1);
  if (position === undefined) return 0;
  if (token === "(end)") return last;
  return Math.max(0, Math.min(last, position - Math.max(1, token?.length ?? 1)));
}
