/**
 * The form a step's evaluated value must have (a wait's duration or time, a forEach's list, an
 * activity's argument list), one rule for the two moments it is read: before the run
 * (src/pipeline/before-run-check.ts, when it depends only on inputs and vars) and when the step gets
 * there. A value of the wrong form throws an ExpressionError at its expression.
 */
import {
  isSearchAttributeType,
  searchAttributeProblem,
  type TypedSearchAttribute,
} from "../temporal/search-attributes.js";
import { entriesOf } from "./compile-node.js";
import { parseWaitTarget, type WaitTarget } from "./duration.js";
import type { CompiledValue } from "./expr/compiled.js";
import { ExpressionError } from "./expr/expression-error.js";

/** What a `wait:` waits for; neither a duration nor a time throws. */
export function waitTargetOf(written: CompiledValue, value: unknown): WaitTarget {
  const target = parseWaitTarget(value);
  if ("problem" in target) throw wrongForm(written, target.problem);
  return target;
}

/** The items of a `forEach:`; anything but a list throws. */
export function forEachItemsOf(written: CompiledValue, value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  throw wrongForm(written, `forEach must give an array, got ${describeType(value)}`);
}

/** An activity's `args:`; anything but a list throws. */
export function argsOf(written: CompiledValue, value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  throw wrongForm(written, `args must be an array, got ${describeType(value)}`);
}

/**
 * A call's `searchAttributes:` as typed values: each name written as `{ <type>: value }`; a value
 * not of its type throws at the expression that gave it.
 */
export function searchAttributesOf(written: CompiledValue, value: unknown): Record<string, TypedSearchAttribute> {
  const result: Record<string, TypedSearchAttribute> = {};
  const writtenByName = new Map(entriesOf(written));
  for (const [name, typed] of Object.entries((value ?? {}) as Record<string, Record<string, unknown>>)) {
    // The schema allows exactly one key, a type name.
    const [type, given] = Object.entries(typed)[0] ?? [];
    if (type === undefined || !isSearchAttributeType(type))
      throw new TypeError(`search attribute "${name}" has no type`);
    const problem = searchAttributeProblem(type, given);
    if (problem !== undefined) {
      const writtenValue = new Map(entriesOf(writtenByName.get(name) ?? written)).get(type) ?? written;
      throw wrongForm(
        writtenValue,
        `search attribute "${name}" is of type ${type}: its value must be ${problem}, got ${describeType(given)}`,
      );
    }
    result[name] = { type, value: given };
  }
  return result;
}

/** A value's JSON type, for messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function wrongForm(written: CompiledValue, detail: string): Error {
  // A literal was checked when the file was loaded (or has no place to name); only an expression gives a value it did not see.
  if (written.kind !== "expression") return new TypeError(detail);
  return new ExpressionError(detail, written.position, written.source);
}
