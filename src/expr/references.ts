/**
 * Reference extraction: walks a JSONata syntax tree and lists every use of the names nxrun provides
 * ($inputs.x, $vars.x, $secrets.x, $steps.id, $item, $index, $run.status) with its offset in the
 * expression, so checks can name the exact place and the planner can infer dependencies.
 */
import type { References } from "./compiled.js";

export type ReferenceKind =
  | "inputs"
  | "vars"
  | "secrets"
  | "steps"
  | "item"
  | "index"
  | "runStatus"
  | "unknownVariable"
  | "unknownFunction";

/** One use of a name, at a character offset of the expression source. */
export interface ReferenceSite {
  readonly kind: ReferenceKind;
  /** The member name (`x` of `$inputs.x`), or the variable's name for unknown variables; absent for whole-object use. */
  readonly name?: string;
  readonly offset: number;
  readonly length: number;
}

/** Variables nxrun binds for every expression. */
export const SCOPE_VARIABLES = ["inputs", "vars", "secrets", "steps", "run", "item", "index"] as const;

// JSONata's built-in functions (jsonata 2.x). A `$name` that is none of these, no nxrun name and not
// bound inside the expression is undefined at run time: almost always a typo worth reporting.
export const JSONATA_FUNCTIONS = new Set(
  (
    "sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad " +
    "match contains replace split join formatNumber formatBase formatInteger parseInteger number floor ceil round abs " +
    "sqrt power random boolean not map zip filter single reduce sift keys lookup append exists spread merge reverse " +
    "each error assert type sort shuffle distinct base64encode base64decode encodeUrlComponent encodeUrl " +
    "decodeUrlComponent decodeUrl eval toMillis fromMillis clone now millis"
  ).split(" "),
);

interface AstNode {
  type?: string;
  value?: unknown;
  position?: number;
  steps?: AstNode[];
  arguments?: AstNode[];
  procedure?: AstNode;
  lhs?: unknown;
  [key: string]: unknown;
}

const MEMBER_KINDS: Record<string, ReferenceKind | undefined> = {
  inputs: "inputs",
  vars: "vars",
  secrets: "secrets",
  steps: "steps",
};

function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Offset of a token's first character: JSONata records where a token ends. */
function startOf(node: AstNode, length: number): number {
  return Math.max(0, (node.position ?? length) - length);
}

/** Every reference site in a JSONata syntax tree. */
export function extractReferenceSites(ast: unknown): ReferenceSite[] {
  const sites: ReferenceSite[] = [];
  const local = new Set<string>();
  collectLocalNames(ast, local, new Set());
  const handled = new Set<unknown>();
  const seen = new Set<unknown>();

  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value) || seen.has(value)) return;
    seen.add(value);

    if (value.type === "path" && Array.isArray(value.steps)) {
      const [first, second] = value.steps;
      if (first?.type === "variable" && typeof first.value === "string" && !local.has(first.value)) {
        const name = first.value;
        const memberKind = MEMBER_KINDS[name];
        if (memberKind && second?.type === "name" && typeof second.value === "string") {
          sites.push({
            kind: memberKind,
            name: second.value,
            offset: startOf(second, second.value.length),
            length: second.value.length,
          });
          handled.add(first);
        } else if (name === "run" && second?.type === "name" && second.value === "status") {
          sites.push({ kind: "runStatus", offset: startOf(first, name.length + 1), length: "$run.status".length });
          handled.add(first);
        }
      }
    }
    if (value.type === "function" || value.type === "partial") {
      const proc = value.procedure;
      if (proc?.type === "variable" && typeof proc.value === "string") {
        const name = proc.value;
        if (
          !JSONATA_FUNCTIONS.has(name) &&
          !local.has(name) &&
          !(SCOPE_VARIABLES as readonly string[]).includes(name)
        ) {
          sites.push({
            kind: "unknownFunction",
            name,
            offset: startOf(proc, name.length + 1),
            length: name.length + 1,
          });
        }
        handled.add(proc);
      }
    }
    if (value.type === "variable" && typeof value.value === "string" && !handled.has(value)) {
      const name = value.value;
      // "" is `$` (the context) and "$" is `$$` (the root).
      if (name !== "" && name !== "$" && !local.has(name)) {
        const offset = startOf(value, name.length + 1);
        const length = name.length + 1;
        if (name === "item") sites.push({ kind: "item", offset, length });
        else if (name === "index") sites.push({ kind: "index", offset, length });
        else if (MEMBER_KINDS[name] || name === "run") {
          // Whole-object use: `$inputs`, `$steps`, `$run` — no single member to check.
          if (name === "steps") sites.push({ kind: "steps", offset, length });
        } else if (!JSONATA_FUNCTIONS.has(name)) sites.push({ kind: "unknownVariable", name, offset, length });
      }
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === "position" || key === "value" || key === "type") continue;
      if (typeof child === "object" && child !== null) visit(child);
    }
  };
  visit(ast);
  return sites;
}

/** Names the expression binds itself (`$x := ...`, lambda parameters), which shadow or extend the scope. */
function collectLocalNames(value: unknown, into: Set<string>, seen: Set<unknown>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectLocalNames(item, into, seen);
    return;
  }
  if (!isNode(value) || seen.has(value)) return;
  seen.add(value);
  if (value.type === "bind" && isNode(value.lhs) && typeof value.lhs.value === "string") into.add(value.lhs.value);
  if (value.type === "lambda" && Array.isArray(value.arguments)) {
    for (const arg of value.arguments) if (typeof arg.value === "string") into.add(arg.value);
  }
  // `... @ $x` and `... # $i` bind focus and index variables.
  for (const key of ["focus", "index"] as const) {
    if (typeof value[key] === "string") into.add(value[key] as string);
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === "position" || key === "value" || key === "type") continue;
    if (typeof child === "object" && child !== null) collectLocalNames(child, into, seen);
  }
}

/** The summary the model carries (names only), from reference sites. */
export function summarizeReferences(sites: readonly ReferenceSite[]): References {
  const pick = (kind: ReferenceKind) => [
    ...new Set(sites.filter((s) => s.kind === kind && s.name !== undefined).map((s) => s.name!)),
  ];
  return {
    inputs: pick("inputs"),
    vars: pick("vars"),
    secrets: pick("secrets"),
    steps: pick("steps"),
    usesItem: sites.some((s) => s.kind === "item" || s.kind === "index"),
    usesRunStatus: sites.some((s) => s.kind === "runStatus"),
  };
}
