/**
 * A run's input values: `-i key=value` pairs (JSON when the value parses as JSON, else a string), an
 * `--inputs` JSON or YAML file, and each input's default, validated against each input's schema.
 * Precedence: -i pairs over the file over defaults.
 */
import { readFile } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { lineColumnAt, MAX_NESTING, shapeProblem, tooDeepYamlOffset } from "../../base/nesting.js";
import type { Diagnostic } from "../diagnostic.js";
import { Codes } from "../diagnostic-codes.js";
import { didYouMean } from "../did-you-mean.js";
import { compileInputSchema, describeInputErrors } from "../input-schemas.js";
import type { Pipeline } from "../model.js";
import { parse as parseYaml } from "../yaml-module.js";

export interface InputSources {
  /** `key=value` strings as given to `-i`. */
  pairs?: readonly string[];
  /** Path of a JSON or YAML file holding a mapping of inputs. */
  file?: string;
  /** Values by name, as a program gives them (the library's `runPipeline`); -i pairs win over them. */
  values?: Readonly<Record<string, unknown>>;
  /** Do not report missing required inputs (for `nxrun eval`, and a run that may be a resume); `missing` lists them. */
  allowMissing?: boolean;
}

export type ResolveResult =
  /**
   * `given`: the inputs the user gave (by -i or the file), as opposed to defaults; `missing`: the
   * required inputs with no value (only with `allowMissing`, else they are errors).
   */
  | { ok: true; values: Record<string, unknown>; given: string[]; missing: string[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** Each value given for an input: where it came from, and the text of a -i value. */
type Given = Map<string, { value: unknown; from: string; raw?: string }>;

/** Adds an error about the inputs (no place in the pipeline: `<inputs>`, or the inputs file, at a line when known). */
type Problem = (
  code: string,
  message: string,
  hint?: string,
  file?: string,
  at?: { line: number; column: number },
) => void;

function problemsInto(diagnostics: Diagnostic[]): Problem {
  return (code, message, hint, file = "<inputs>", at = { line: 0, column: 0 }) =>
    diagnostics.push({ code, severity: "error", message, file, ...at, ...(hint ? { hint } : {}) });
}

/** Resolves and validates a run's inputs. */
export async function resolveInputs(pipeline: Pipeline, sources: InputSources = {}): Promise<ResolveResult> {
  const diagnostics: Diagnostic[] = [];
  const problem = problemsInto(diagnostics);
  const given: Given = new Map();
  let fileRead = true;
  if (sources.file !== undefined) {
    const entries = await readInputsFile(sources.file, problem);
    fileRead = entries !== undefined;
    for (const [key, value] of entries ?? []) given.set(key, { value, from: sources.file });
  }
  for (const [key, value] of Object.entries(sources.values ?? {})) given.set(key, { value, from: "inputs" });
  const pairs = parseInputPairs(sources.pairs ?? []);
  if (!pairs.ok) diagnostics.push(...pairs.diagnostics);
  for (const [key, { value, raw }] of pairs.values) given.set(key, { value, from: "-i", raw });

  const refused = refuseUnusable(pipeline, given, problem);
  // An inputs file that could not be read is the one error: the inputs it was to give are not also missing.
  const allowMissing = sources.allowMissing === true || !fileRead;
  const { values, missing } = validValues(pipeline, given, refused, allowMissing, diagnostics);
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, values, given: [...given.keys()], missing };
}

/** The mapping of an `--inputs` file, as entries; undefined (said through `problem`) when it cannot be read or holds no mapping. */
async function readInputsFile(file: string, problem: Problem): Promise<[string, unknown][] | undefined> {
  const path = resolvePath(file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    problem(
      Codes.inputsFile,
      `cannot read the inputs file ${file}: ${(error as Error).message}`,
      "check the path given to --inputs",
      path,
    );
    return undefined;
  }
  const deep = tooDeepYamlOffset(text);
  if (deep !== undefined) {
    problem(
      Codes.inputsFile,
      `the inputs file ${file} is nested deeper than ${MAX_NESTING} levels`,
      "flatten it",
      path,
      lineColumnAt(text, deep),
    );
    return undefined;
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    parsed = parseYaml(text, { uniqueKeys: true, maxAliasCount: 1000 });
  } catch (error) {
    problem(
      Codes.inputsFile,
      `the inputs file ${file} is not valid JSON or YAML: ${(error as Error).message}`,
      undefined,
      path,
    );
    return undefined;
  }
  if (parsed !== undefined && parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
    problem(
      Codes.inputsFile,
      `the inputs file ${file} must hold a mapping of input names to values`,
      'e.g. {"tenant": "acme"}',
      path,
    );
    return undefined;
  }
  return parsed ? Object.entries(parsed as Record<string, unknown>) : [];
}

/**
 * Reports the given values no payload can hold (a cycle, too deep) and those of inputs the pipeline
 * does not declare; returns the names of the first kind, reported once here and not again as
 * missing or invalid.
 */
function refuseUnusable(pipeline: Pipeline, given: Given, problem: Problem): Set<string> {
  const declared = Object.keys(pipeline.inputs);
  const refused = new Set<string>();
  for (const [key, { value, from }] of given) {
    const unusable = unusableInput(key, value, from);
    if (unusable) {
      problem(unusable.code, unusable.message, unusable.hint);
      refused.add(key);
      continue;
    }
    if (!(key in pipeline.inputs)) {
      problem(
        Codes.unknownInputValue,
        `unknown input "${key}" (from ${from}); pipeline ${pipeline.name} declares ${declared.length === 0 ? "no inputs" : declared.join(", ")}`,
        didYouMean(key, declared),
      );
    }
  }
  return refused;
}

/** NX153 for an input's value no payload can hold (a cycle, too deep), from `from` (-i, a file); else undefined. */
export function unusableInput(
  key: string,
  value: unknown,
  from: string,
): { code: string; message: string; hint: string } | undefined {
  const shape = shapeProblem(value);
  if (!shape) return undefined;
  const where = [key, ...shape.path.slice(0, 4)].join(".") + (shape.path.length > 4 ? ".…" : "");
  return shape.kind === "cycle"
    ? {
        code: Codes.inputsFile,
        message: `input ${where} (from ${from}) contains itself (a YAML alias inside its own anchor), which no payload can hold`,
        hint: "copy the part you need instead of aliasing the anchor inside itself",
      }
    : {
        code: Codes.inputsFile,
        message: `input ${where} (from ${from}) is nested deeper than ${MAX_NESTING} levels`,
        hint: "flatten it",
      };
}

/**
 * Each declared input's value (given, else its default) checked against its schema; a required one
 * with no value is an error, or listed in `missing` when `allowMissing`.
 */
function validValues(
  pipeline: Pipeline,
  given: Given,
  refused: ReadonlySet<string>,
  allowMissing: boolean,
  diagnostics: Diagnostic[],
): { values: Record<string, unknown>; missing: string[] } {
  const problem = problemsInto(diagnostics);
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, schema] of Object.entries(pipeline.inputs)) {
    if (refused.has(name)) continue;
    const entry = given.get(name);
    let value: unknown;
    if (entry !== undefined) value = entry.value;
    else if ("default" in schema) value = structuredClone(schema.default);
    else {
      if (allowMissing) missing.push(name);
      else diagnostics.push(missingInput(pipeline, name));
      continue;
    }
    const compiled = compileInputSchema(schema as Record<string, unknown>);
    if (!compiled.ok) {
      problem(Codes.inputSchema, `input "${name}" has an invalid schema: ${compiled.message}`);
      continue;
    }
    // `-i version=1.20` for a string input: the JSON reading failed the schema, the text may not.
    if (
      !compiled.validate(value) &&
      entry?.raw !== undefined &&
      typeof value !== "string" &&
      compiled.validate(entry.raw)
    ) {
      value = entry.raw;
    }
    if (!compiled.validate(value)) {
      problem(
        Codes.invalidInput,
        `${describeInputErrors(name, compiled.validate.errors)}; got ${JSON.stringify(value)}`,
        schemaHint(schema),
      );
      continue;
    }
    values[name] = value;
  }
  return { values, missing };
}

/** NX151: a required input with no value. */
export function missingInput(pipeline: Pipeline, name: string): Diagnostic {
  const description = pipeline.inputs[name]?.description;
  return {
    code: Codes.missingInput,
    severity: "error",
    message: `input "${name}" is required${typeof description === "string" ? ` (${description})` : ""}`,
    hint: `give it with -i ${name}=<value> or in an --inputs file`,
    file: "<inputs>",
    line: 0,
    column: 0,
  };
}

/** `-i key=value` pairs (a later pair for the same key wins); a pair without `=` is NX153. */
export function parseInputPairs(
  pairs: readonly string[],
):
  | { ok: true; values: Map<string, { value: unknown; raw: string }> }
  | { ok: false; diagnostics: Diagnostic[]; values: Map<string, { value: unknown; raw: string }> } {
  const values = new Map<string, { value: unknown; raw: string }>();
  const diagnostics: Diagnostic[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      diagnostics.push({
        code: Codes.inputsFile,
        severity: "error",
        message: `-i ${pair}: expected key=value`,
        hint: "e.g. -i tenant=acme or -i 'regions=[\"eu\"]'",
        file: "<inputs>",
        line: 0,
        column: 0,
      });
      continue;
    }
    const raw = pair.slice(eq + 1);
    values.set(pair.slice(0, eq), { value: parseInputValue(raw), raw });
  }
  return diagnostics.length > 0 ? { ok: false, diagnostics, values } : { ok: true, values };
}

/** `-i` values: JSON when they parse as JSON (numbers, booleans, arrays, objects, quoted strings), else the raw string. */
export function parseInputValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function schemaHint(schema: Readonly<Record<string, unknown>>): string | undefined {
  const parts: string[] = [];
  if (schema.type !== undefined) parts.push(`type ${JSON.stringify(schema.type)}`);
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (typeof schema.pattern === "string") parts.push(`matching ${schema.pattern}`);
  if (parts.length === 0) return undefined;
  return `the input expects ${parts.join(", ")}; a -i value that is not valid JSON is passed as a string`;
}
