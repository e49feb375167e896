/**
 * Evaluation of compiled values in a run's scope, bounded in time and nesting depth. Failures become
 * `ExpressionError`s that name the expression's file, line and column.
 */
import type jsonataTypes from "jsonata";
import { type ExpressionProgram, type ExpressionValue, problemOffset, programOf } from "./compile.js";
import type { CompiledValue } from "./compiled.js";
import { ExpressionError, readJsonataError } from "./expression-error.js";
import { jsonata } from "./jsonata-module.js";
import type { Scope } from "./scope.js";

export interface EvaluateOptions {
  /** Longest one expression may run (default 1s). */
  timeoutMs?: number;
  /** Deepest evaluation nesting, e.g. recursion (default 200). */
  maxDepth?: number;
}

/** Evaluates a literal, an expression, or a mix of both; undefined means "no value". */
export function evaluate(value: CompiledValue, scope: Scope, options: EvaluateOptions = {}): Promise<unknown> {
  return evaluateWithBindings(value, bindingsOf(scope), options);
}

/**
 * The same with the JSONata variables given as they are: for values evaluated outside a run's scope
 * (the mocks and expectations of `nxrun test`, which see `$input`, `$value`, ...).
 */
export async function evaluateWithBindings(
  value: CompiledValue,
  bindings: Record<string, unknown>,
  options: EvaluateOptions = {},
): Promise<unknown> {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "expression":
      return evaluateExpression(value, bindings, options);
    case "object": {
      const result: Record<string, unknown> = {};
      for (const [key, entry] of value.entries) {
        const v = await evaluateWithBindings(entry, bindings, options);
        // JSONata's "no value" drops the key, as JSONata object constructors do.
        if (v !== undefined) result[key] = v;
      }
      return result;
    }
    case "array": {
      const result: unknown[] = [];
      for (const item of value.items) result.push((await evaluateWithBindings(item, bindings, options)) ?? null);
      return result;
    }
    default: {
      const never: never = value;
      throw new Error(`unknown compiled value ${JSON.stringify(never)}`);
    }
  }
}

/** The JSONata variables for a scope. */
export function bindingsOf(scope: Scope): Record<string, unknown> {
  const bindings: Record<string, unknown> = {
    inputs: scope.inputs,
    vars: scope.vars,
    secrets: scope.secrets,
    steps: scope.steps,
    run: scope.run,
  };
  if (scope.item !== undefined) bindings.item = scope.item;
  if (scope.index !== undefined) bindings.index = scope.index;
  // repeat.until's attempt output, or what a compensation undoes (its key is there even when the
  // output is not: a step may complete with none).
  if ("output" in scope) bindings.output = scope.output;
  if (scope.attempt !== undefined) bindings.attempt = scope.attempt;
  return bindings;
}

async function evaluateExpression(
  value: ExpressionValue,
  bindings: Record<string, unknown>,
  options: EvaluateOptions,
): Promise<unknown> {
  const program = programOf(value);
  const expression = withBounds(program, options);
  let result: unknown;
  try {
    result = await expression.evaluate(undefined, bindings);
  } catch (error) {
    throw toExpressionError(error, value, program, options);
  } finally {
    // A failed expression too: a caller may go on to the next one (the before-run check does).
    await yieldNowAndThen();
  }
  return toPlainJson(result);
}

/** How long expressions may run back to back before the event loop gets a turn. */
const TURN_MS = 50;
let turnStarted = performance.now();

/**
 * JSONata's evaluation is one chain of promises, which Node runs to its end before any timer, I/O or
 * signal handler: many expressions in a row (a pipeline's vars, a forEach's inputs) would hold a
 * Ctrl-C up for as long as all of them take. A turn of the event loop now and then lets it through,
 * so one expression's own bound (timeoutMs) is the longest a signal waits.
 */
async function yieldNowAndThen(): Promise<void> {
  if (performance.now() - turnStarted < TURN_MS) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  turnStarted = performance.now();
}

// Bounds are JSONata compile options; a call asking for other bounds gets its own compiled copy.
const rebounded = new WeakMap<ExpressionProgram, Map<string, jsonataTypes.Expression>>();
function withBounds(program: ExpressionProgram, options: EvaluateOptions): jsonataTypes.Expression {
  const timeoutMs = options.timeoutMs ?? program.timeoutMs;
  const maxDepth = options.maxDepth ?? program.maxDepth;
  if (timeoutMs === program.timeoutMs && maxDepth === program.maxDepth) return program.expression;
  let cache = rebounded.get(program);
  if (!cache) {
    cache = new Map();
    rebounded.set(program, cache);
  }
  const key = `${timeoutMs}/${maxDepth}`;
  let expression = cache.get(key);
  if (!expression) {
    expression = jsonata(program.source, { timeoutMs, maxDepth });
    cache.set(key, expression);
  }
  return expression;
}

function toExpressionError(
  error: unknown,
  value: ExpressionValue,
  program: ExpressionProgram,
  options: EvaluateOptions,
): ExpressionError {
  const e = readJsonataError(error);
  const offset = problemOffset(value.source, e.position, e.token);
  const position = e.position !== undefined ? program.locate(offset) : value.position;
  let detail = `expression failed: ${e.message}`;
  let hint: string | undefined;
  if (e.code === "D1012") {
    detail = `expression ran longer than ${options.timeoutMs ?? program.timeoutMs} ms and was stopped`;
    hint = "an expression must be quick; look for runaway recursion or huge ranges";
  } else if (e.code === "D1011") {
    detail = `expression nested deeper than ${options.maxDepth ?? program.maxDepth} levels and was stopped`;
    hint = "look for recursion without an end";
  }
  return new ExpressionError(detail, position, value.source, {
    jsonataCode: e.code,
    hint,
    cause: error,
  });
}

/** JSONata returns sequences (arrays with extra fields) and may return functions; results must be plain JSON. */
function toPlainJson(value: unknown, depth = 0): unknown {
  if (depth > 1000) return null;
  if (value === undefined || value === null) return value;
  if (typeof value === "function") return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const v = toPlainJson(item, depth + 1);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
  if (typeof value === "object") {
    if (
      (value as { _jsonata_lambda?: boolean })._jsonata_lambda ||
      (value as { _jsonata_function?: boolean })._jsonata_function
    )
      return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const plain = toPlainJson(v, depth + 1);
      if (plain !== undefined) out[k] = plain;
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}
