/**
 * A value from the pipeline file, compiled: a literal, a JSONata expression (`"{% ... %}"`), or an
 * object/array mixing both at any depth. Produced by `src/pipeline/`, evaluated by `src/pipeline/expr/evaluate.ts`.
 */
import type { SourcePosition } from "../../base/source-position.js";

/** What an expression refers to, extracted at load time (for checks and implicit dependencies). */
export interface References {
  readonly inputs: readonly string[];
  readonly vars: readonly string[];
  readonly secrets: readonly string[];
  readonly steps: readonly string[];
  readonly usesItem: boolean;
  readonly usesRunStatus: boolean;
}

export type CompiledValue =
  | { readonly kind: "literal"; readonly value: unknown }
  | {
      readonly kind: "expression";
      /** The JSONata source between `{%` and `%}`. */
      readonly source: string;
      /** Position of the expression's first character in the YAML file. */
      readonly position: SourcePosition;
      readonly references: References;
      /** The compiled JSONata expression (opaque outside src/pipeline/expr). */
      readonly compiled: unknown;
    }
  | { readonly kind: "object"; readonly entries: ReadonlyArray<readonly [string, CompiledValue]> }
  | { readonly kind: "array"; readonly items: readonly CompiledValue[] };
