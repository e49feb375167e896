/**
 * JSONata built-in functions whose own code a time bound cannot stop, replaced by versions that do
 * the same in bounded time. JSONata checks an expression's time and depth between its evaluation
 * steps (src/pipeline/expr/jsonata-module.ts), never inside one built-in call, and these run long
 * or end Node in one call: `$sort` without a comparator is a merge sort that copies the rest of a
 * list at every element (a million numbers: minutes), `$distinct` compares every value with every
 * value kept, and `$pad`, `$length` and `$substring` make an array of a string's characters (or as
 * long as the width asked), which past about 130 million ends Node with a fatal error, not an
 * exception (a string that long takes 28 `&` of a string with itself). The results are the same as
 * JSONata's, in the same order.
 */
import type jsonataTypes from "jsonata";

type Comparator = (left: unknown, right: unknown) => Promise<unknown>;

/**
 * The longest string `$pad`, `$length` and `$substring` take or make: far more than a payload can
 * carry (Temporal's limits are a few MB), far less than what makes walking it take seconds.
 */
export const MAX_STRING_LENGTH = 16 * 1024 * 1024;

function refuseLongString(fn: string, length: number): void {
  if (length <= MAX_STRING_LENGTH) return;
  throw new Error(
    `${fn} was given or would make a string of ${length.toLocaleString("en-US")} characters; ` +
      `expressions handle strings of at most ${MAX_STRING_LENGTH.toLocaleString("en-US")}`,
  );
}

/** Binds the bounded versions into a compiled expression, shadowing JSONata's (same names, same signatures). */
export function registerBoundedFunctions(expression: jsonataTypes.Expression): void {
  expression.registerFunction("pad", pad, "<s-ns?:s>");
  expression.registerFunction("length", length, "<s-:n>");
  expression.registerFunction("substring", substring, "<s-nn?:s>");
  expression.registerFunction("distinct", distinct, "<x:x>");
  expression.registerFunction("sort", sort, "<af?:a>");
}

/** `$pad(str, width, char)`: padding made with String#repeat (no array as long as the width). */
function pad(str: string | undefined, width: number, char?: string): string | undefined {
  if (str === undefined) return undefined;
  const filler = char === undefined || char.length === 0 ? " " : char;
  const wanted = Math.trunc(width);
  refuseLongString("$pad", Math.max(str.length, Math.abs(wanted)));
  const padLength = Math.abs(wanted) - codePointCount(str);
  if (!(padLength > 0)) return str;
  // JSONata repeats the filler padLength times and keeps the first padLength characters. Enough
  // copies for that: each copy adds at least its characters less one (where a lone surrogate at its
  // end pairs with one at the next copy's start).
  const unit = codePointCount(filler);
  const copies = unit === 1 ? padLength : Math.ceil(padLength / (unit - 1)) + 1;
  const repeated = filler.repeat(copies);
  const padding = repeated.slice(0, utf16Offset(repeated, 0, 0, padLength));
  return wanted > 0 ? str + padding : padding + str;
}

/** `$length(str)`: characters as JSONata counts them (code points; a lone surrogate is one). */
function length(str: string | undefined): number | undefined {
  if (str === undefined) return undefined;
  refuseLongString("$length", str.length);
  return codePointCount(str);
}

/** `$substring(str, start, length?)` in characters, negative start from the end, as JSONata does. */
function substring(str: string | undefined, start: number, count?: number): string | undefined {
  if (str === undefined) return undefined;
  refuseLongString("$substring", str.length);
  const total = codePointCount(str);
  // JSONata's steps, then Array#slice's reading of the two ends.
  const first = total + start < 0 ? 0 : start;
  let end = total;
  if (count !== undefined) {
    if (count <= 0) return "";
    end = first >= 0 ? first + count : total + first + count;
  }
  const from = sliceEnd(first, total);
  const to = sliceEnd(end, total);
  if (!(to > from)) return "";
  const begin = utf16Offset(str, 0, 0, from);
  return str.slice(begin, utf16Offset(str, begin, from, to));
}

/** Where Array#slice puts a relative index into a list of `total` items. */
function sliceEnd(relative: number, total: number): number {
  const whole = Number.isNaN(relative) ? 0 : Math.trunc(relative);
  return whole < 0 ? Math.max(total + whole, 0) : Math.min(whole, total);
}

function isPair(text: string, at: number): boolean {
  const high = text.charCodeAt(at);
  const low = text.charCodeAt(at + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

function codePointCount(text: string): number {
  let count = 0;
  for (let at = 0; at < text.length; at += isPair(text, at) ? 2 : 1) count++;
  return count;
}

/** The UTF-16 offset of character `target`, walking from offset `at` (character `index`). */
function utf16Offset(text: string, at: number, index: number, target: number): number {
  let offset = at;
  for (let i = index; i < target && offset < text.length; i++) offset += isPair(text, offset) ? 2 : 1;
  return offset;
}

/** `$distinct(array)`: each value once, first occurrence first; equal as JSONata's deep equality says. */
function distinct(this: jsonataTypes.Focus, values: unknown): unknown {
  if (values === undefined) return undefined;
  if (!Array.isArray(values) || values.length <= 1) return values;
  // JSONata hands its built-ins a focus with createSequence, which its typings leave out.
  const focus = this as jsonataTypes.Focus & { createSequence(): unknown[] };
  const results = (values as { sequence?: boolean }).sequence === true ? focus.createSequence() : [];
  const seen = new Set<unknown>();
  const identities = new Map<unknown, number>();
  for (const value of values) {
    const key = distinctKey(value, identities);
    if (seen.has(key)) continue;
    seen.add(key);
    results.push(value);
  }
  return results;
}

/**
 * A key equal for two values exactly when JSONata's deep equality holds: primitives by value and
 * type, arrays item by item, objects by their keys in any order; anything else (a function) by identity.
 */
function distinctKey(value: unknown, identities: Map<unknown, number>): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "function") return identityKey(value, identities);
    return value;
  }
  return `#${canonical(value, identities)}`;
}

function canonical(value: unknown, identities: Map<unknown, number>): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function") return `f${identityKey(value, identities)}`;
  if (typeof value !== "object") return `${typeof value}:${JSON.stringify(value) ?? String(value)}`;
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, identities)).join(",")}]`;
  const keys = Object.getOwnPropertyNames(value).sort();
  const record = value as Record<string, unknown>;
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key], identities)}`).join(",")}}`;
}

function identityKey(value: unknown, identities: Map<unknown, number>): string {
  let id = identities.get(value);
  if (id === undefined) {
    id = identities.size;
    identities.set(value, id);
  }
  return `@${id}`;
}

/**
 * `$sort(array, comparator?)`: a stable sort, ascending without a comparator (numbers or strings
 * only, as JSONata); with one, `comparator(a, b)` true puts b before a. Each comparator call is an
 * evaluation JSONata bounds; the sort itself is a merge sort without copying.
 */
async function sort(values: unknown[] | undefined, comparator?: Comparator): Promise<unknown> {
  if (values === undefined) return undefined;
  if (values.length <= 1) return values;
  if (comparator === undefined) {
    const numbers = values.every((v) => typeof v === "number");
    if (!numbers && !values.every((v) => typeof v === "string")) {
      throw { stack: new Error().stack, code: "D3070", index: 1 };
    }
    return [...values].sort((a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0));
  }
  let from = [...values];
  let to = new Array<unknown>(from.length);
  for (let width = 1; width < from.length; width *= 2) {
    for (let start = 0; start < from.length; start += 2 * width) {
      const middle = Math.min(start + width, from.length);
      const end = Math.min(start + 2 * width, from.length);
      let left = start;
      let right = middle;
      let out = start;
      while (left < middle && right < end) {
        to[out++] = (await comparator(from[left], from[right])) ? from[right++] : from[left++];
      }
      while (left < middle) to[out++] = from[left++];
      while (right < end) to[out++] = from[right++];
    }
    [from, to] = [to, from];
  }
  return from;
}
