/**
 * The `jsonata` package, loaded with require(): importing this large CommonJS file from ESM makes
 * Node scan all of it for export names, a measurable part of `nxrun check`'s start-up. Loaded on the
 * first expression compiled, so a pipeline without any (and every command that reads none) does not
 * pay for it (bench/findings.md, "B8 start-up").
 */
import { createRequire } from "node:module";
import { registerBoundedFunctions } from "./bounded-functions.js";
import { LinearRegex } from "./linear-regex.js";

type Jsonata = typeof import("jsonata");
let loaded: Jsonata | undefined;

/**
 * Compiles an expression with its bounds: time and nesting depth (JSONata checks them between its
 * evaluation steps), a million items per sequence, regexes on the linear-time engine
 * (src/pipeline/expr/linear-regex.ts) and bounded versions of the built-ins that could run long in
 * one call (src/pipeline/expr/bounded-functions.ts).
 */
export function jsonata(source: string, bounds: { timeoutMs: number; maxDepth: number }): ReturnType<Jsonata> {
  loaded ??= createRequire(import.meta.url)("jsonata") as Jsonata;
  const expression = loaded(source, {
    timeout: bounds.timeoutMs,
    stack: bounds.maxDepth,
    sequence: 1_000_000,
    RegexEngine: LinearRegex as unknown as RegExpConstructor,
  });
  registerBoundedFunctions(expression);
  return expression;
}
