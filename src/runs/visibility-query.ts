/**
 * Building Temporal visibility queries. Values are quoted here, in one place, so an ID with a quote
 * or backslash in it cannot change the query's meaning.
 */
import type { ExecutionKind } from "../temporal/types.js";

/** A string literal for a visibility query: double-quoted, `\` and `"` escaped. */
export function queryString(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** The search attribute that holds an execution's ID: `ActivityId` or `OperationId`. */
export function idAttribute(kind: ExecutionKind): string {
  switch (kind) {
    case "activity":
      return "ActivityId";
    case "nexus":
      return "OperationId";
    default: {
      const never: never = kind;
      throw new Error(`unknown execution kind ${String(never)}`);
    }
  }
}

/**
 * The executions whose ID starts with `prefix`. `STARTS_WITH` on the ID attribute is answered by
 * the server's own visibility store (checked against the dev server's SQLite store; `LIKE` is
 * rejected there), so no custom search attribute has to be registered on the namespace.
 */
export function idPrefixQuery(kind: ExecutionKind, prefix: string): string {
  return `${idAttribute(kind)} STARTS_WITH ${queryString(prefix)}`;
}

/** `a AND b` with each side parenthesized; an empty side is left out. */
export function andQuery(...parts: ReadonlyArray<string | undefined>): string {
  const present = parts.map((p) => p?.trim()).filter((p): p is string => Boolean(p));
  if (present.length <= 1) return present[0] ?? "";
  return present.map((p) => `(${p})`).join(" AND ");
}
