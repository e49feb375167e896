/**
 * Reference extraction: walks a JSONata syntax tree and lists every use of the names nxrun provides
 * ($inputs.x, $vars.x, $secrets.x, $steps.id, $item, $index, $run.status) with its offset in the
 * expression, so checks can name the exact place and the planner can infer dependencies.
 */
import type { References } from "./compiled.js";
import { RUN_FIELDS, STEP_ERROR_FIELDS, STEP_VIEW_FIELDS } from "./scope.js";

/** Whose fields nxrun defines: a step's view, a step's error, the run. */
export type FieldOwner = "step" | "stepError" | "run";

/** The fields each owner has (src/pipeline/expr/scope.ts). */
export const DEFINED_FIELDS: Readonly<Record<FieldOwner, readonly string[]>> = {
  step: STEP_VIEW_FIELDS,
  stepError: STEP_ERROR_FIELDS,
  run: RUN_FIELDS,
};

/** Where a use of a name stands: a character offset of the expression source and its length. */
interface Span {
  readonly offset: number;
  readonly length: number;
}

/** One use of a name; what it carries depends on its kind. */
export type ReferenceSite =
  /** `$inputs.x`, `$vars.x`, `$secrets.x`: the member's name. */
  | (Span & { readonly kind: "inputs" | "vars" | "secrets"; readonly name: string })
  /** `$steps.id`, or the whole `$steps` (no name: nothing to check or infer). */
  | (Span & { readonly kind: "steps"; readonly name: string | undefined })
  /** `$item`, `$index`, `$run.status`: the name is the kind. */
  | (Span & { readonly kind: "item" | "index" | "runStatus"; readonly name?: undefined })
  /** A `$name` or `$name()` that nxrun, JSONata and the expression itself do not define. */
  | (Span & { readonly kind: "unknownVariable" | "unknownFunction"; readonly name: string })
  /** A field nxrun does not define, of `owner` as written (`$steps.a.error`). */
  | (Span & {
      readonly kind: "unknownField";
      readonly name: string;
      readonly owner: { readonly kind: FieldOwner; readonly written: string };
    });

export type ReferenceKind = ReferenceSite["kind"];

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

const MEMBER_KINDS: Record<string, "inputs" | "vars" | "secrets" | "steps" | undefined> = {
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
  // One walk collects candidate sites and the names the expression binds itself; candidates whose
  // variable turns out to be local are dropped at the end.
  const candidates: Array<{ site: ReferenceSite; variable: string }> = [];
  const local = new Set<string>();
  const handled = new Set<unknown>();
  const seen = new Set<unknown>();
  const add = (variable: string, site: ReferenceSite) => candidates.push({ site, variable });

  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value) || seen.has(value)) return;
    seen.add(value);

    switch (value.type) {
      case "path": {
        const [first, second] = value.steps ?? [];
        if (first?.type === "variable" && typeof first.value === "string" && second?.type === "name") {
          const name = first.value;
          const memberKind = MEMBER_KINDS[name];
          if (memberKind && typeof second.value === "string") {
            const length = second.value.length;
            add(name, { kind: memberKind, name: second.value, offset: startOf(second, length), length });
            handled.add(first);
            if (name === "steps" && !first.predicate && !first.stages) {
              fieldSites(value.steps ?? [], `$steps.${second.value}`, (site) => add(name, site));
            }
          } else if (name === "run" && second.value === "status") {
            add(name, { kind: "runStatus", offset: startOf(first, name.length + 1), length: "$run.status".length });
            handled.add(first);
          } else if (name === "run" && !first.predicate && !first.stages) {
            checkField(second, "run", "$run", (site) => add(name, site));
          }
        }
        break;
      }
      case "function":
      case "partial": {
        const proc = value.procedure;
        if (proc?.type === "variable" && typeof proc.value === "string") {
          const name = proc.value;
          if (!JSONATA_FUNCTIONS.has(name) && !(SCOPE_VARIABLES as readonly string[]).includes(name)) {
            add(name, {
              kind: "unknownFunction",
              name,
              offset: startOf(proc, name.length + 1),
              length: name.length + 1,
            });
          }
          handled.add(proc);
        }
        break;
      }
      case "variable": {
        const name = value.value;
        // "" is `$` (the context) and "$" is `$$` (the root).
        if (typeof name !== "string" || handled.has(value) || name === "" || name === "$") break;
        const offset = startOf(value, name.length + 1);
        const length = name.length + 1;
        if (name === "item") add(name, { kind: "item", offset, length });
        else if (name === "index") add(name, { kind: "index", offset, length });
        else if (MEMBER_KINDS[name] || name === "run") {
          // Whole-object use: `$inputs`, `$steps`, `$run` — no single member to check.
          if (name === "steps") add(name, { kind: "steps", name: undefined, offset, length });
        } else if (!JSONATA_FUNCTIONS.has(name)) add(name, { kind: "unknownVariable", name, offset, length });
        break;
      }
      case "bind":
        if (isNode(value.lhs) && typeof value.lhs.value === "string") local.add(value.lhs.value);
        break;
      case "lambda":
        for (const arg of value.arguments ?? []) if (typeof arg.value === "string") local.add(arg.value);
        break;
      default:
        break;
    }
    // `... @ $x` and `... # $i` bind focus and index variables.
    if (typeof value.focus === "string") local.add(value.focus);
    if (typeof value.index === "string") local.add(value.index);

    for (const key in value) {
      if (key === "position" || key === "value" || key === "type") continue;
      const child = value[key];
      if (typeof child === "object" && child !== null) visit(child);
    }
  };
  visit(ast);
  return candidates.filter((c) => !local.has(c.variable)).map((c) => c.site);
}

/**
 * `$steps.<id>.<field>` and `$steps.<id>.error.<field>`: a field nxrun does not define becomes a
 * site. Only plain names are checked (a computed or filtered step is left alone), and nothing under
 * `output`, which is whatever the execution returned.
 */
function fieldSites(steps: readonly AstNode[], written: string, add: (site: ReferenceSite) => void): void {
  const field = steps[2];
  if (field?.type !== "name" || typeof field.value !== "string") return;
  if (!checkField(field, "step", written, add)) return;
  const sub = steps[3];
  if (field.value === "error" && sub?.type === "name") checkField(sub, "stepError", `${written}.error`, add);
}

/** Adds a site when `node` names no field of `owner`; returns whether the field is defined. */
function checkField(node: AstNode, owner: FieldOwner, written: string, add: (site: ReferenceSite) => void): boolean {
  const name = node.value;
  if (typeof name !== "string") return false;
  if (DEFINED_FIELDS[owner].includes(name)) return true;
  add({
    kind: "unknownField",
    name,
    offset: startOf(node, name.length),
    length: name.length,
    owner: { kind: owner, written },
  });
  return false;
}

/** The summary the model carries (names only), from reference sites. */
export function summarizeReferences(sites: readonly ReferenceSite[]): References {
  const pick = (kind: ReferenceKind) => [
    ...new Set(sites.flatMap((s) => (s.kind === kind && s.name !== undefined ? [s.name] : []))),
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
