/**
 * One walk over plain data (strings, numbers, arrays, plain objects, and optionally errors) that
 * copies it with each string passed through a function: the shape both the secret masking
 * (src/report/redact.ts) and the terminal sanitizer (src/base/terminal-text.ts) need. Cycles and
 * shared parts are copied once (a WeakMap of what was already copied). Values that are not plain
 * data (functions, class instances, and errors unless `error` is given) are kept as they are.
 */

export interface PlainDataMap {
  /** Every string, object keys included. */
  string(text: string): string;
  /** A number or bigint: what to put in its place (kept when absent). */
  number?(value: number | bigint): unknown;
  /** An error: its copy, without its cause (the walk copies the cause); errors are kept when absent. */
  error?(value: Error): Error;
}

export function mapPlainData(value: unknown, map: PlainDataMap): unknown {
  return walk(value, map, new WeakMap());
}

function walk(value: unknown, map: PlainDataMap, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === "string") return map.string(value);
  if (typeof value === "number" || typeof value === "bigint") return map.number ? map.number(value) : value;
  if (value === null || typeof value !== "object") return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const element of value) copy.push(walk(element, map, seen));
    return copy;
  }
  if (value instanceof Error && map.error) {
    const copy = map.error(value);
    seen.set(value, copy);
    if (value.cause !== undefined) copy.cause = walk(value.cause, map, seen);
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, element] of Object.entries(value)) copy[map.string(key)] = walk(element, map, seen);
  return copy;
}
