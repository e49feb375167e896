/**
 * ajv's errors rewritten for people: each one placed on the offending node's line and column, with a
 * stable code, a plain message and a hint. A step of none of the kinds (STEP_KINDS), or of two, gives
 * one message instead of ajv's oneOf dump.
 */
import type { ErrorObject } from "ajv";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import { closest, didYouMean } from "./did-you-mean.js";
import { DURATION_KEYS } from "./duration.js";
import { pipelineSchema } from "./schema.js";
import type { JsonPath, YamlFile } from "./yaml-source.js";

type SchemaObject = Record<string, unknown>;

/** Adds one diagnostic per distinct problem in ajv's errors. */
export function reportSchemaErrors(
  errors: readonly ErrorObject[],
  file: YamlFile,
  root: unknown,
  out: DiagnosticList,
): void {
  const kindReported = new Set<string>();
  const suggested = suggestedKeys(errors);
  for (const error of errors) {
    const path = parsePointer(error.instancePath);
    const where = describeLocation(path, root);
    const schemaPath = error.schemaPath;

    // oneOf over activity/nexus/confirm: ajv reports each branch's `required` and the oneOf itself.
    // (schemaPath is relative to the $ref'd definition, so it reads "#/oneOf/...".)
    if (/(^#|\/)oneOf(\/|$)/.test(schemaPath)) {
      if (kindReported.has(error.instancePath)) continue;
      kindReported.add(error.instancePath);
      // `activty: X` is one mistake: its unknown-key error already suggests "activity".
      if (STEP_KINDS.some((kind) => suggested.get(error.instancePath)?.has(kind))) continue;
      reportStepKind(path[path.length - 1] === "compensate", path, where, file, root, out);
      continue;
    }
    const parentSchema = (error.parentSchema ?? {}) as SchemaObject;
    const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;

    switch (error.keyword) {
      case "additionalProperties": {
        const key = String((error.params as { additionalProperty: string }).additionalProperty);
        const known = Object.keys((parentSchema.properties ?? {}) as SchemaObject).filter((k) => k !== "$schema");
        const suggestion = didYouMean(key, known);
        out.error(
          Codes.unknownKey,
          `unknown key "${key}" in ${where}`,
          file.keyOrValuePosition([...path, key]),
          suggestion ?? `keys allowed here: ${known.join(", ")}`,
        );
        break;
      }
      case "required": {
        const missing = (error.params as { missingProperty: string }).missingProperty;
        // `stpes:` is one mistake: its unknown-key error already says "did you mean steps".
        if (suggested.get(error.instancePath)?.has(missing)) break;
        const description = describeProperty(parentSchema, missing);
        out.error(
          Codes.missingKey,
          `${where} is missing "${missing}"`,
          path.length === 0 ? file.positionOf(file.doc.contents) : file.keyOrValuePosition(path),
          `add ${missing}:${description ? ` (${description})` : ""}`,
        );
        break;
      }
      case "type": {
        const expected = String((error.params as { type: string | string[] }).type)
          .split(",")
          .map(typeName)
          .join(" or ");
        out.error(
          Codes.wrongType,
          `${where} must be ${expected}, found ${describeValue(error.data)}`,
          file.valuePosition(path),
          typeHint(path, error.data, expected) ?? `write ${expected} here`,
        );
        break;
      }
      case "const": {
        if (path.length === 1 && path[0] === "nxrun") {
          out.error(
            Codes.version,
            `nxrun: ${describeValue(error.data)} is not a language version this nxrun knows`,
            file.valuePosition(path),
            "write nxrun: 1",
          );
        } else {
          out.error(
            Codes.notAllowed,
            `${where} must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`,
            file.valuePosition(path),
          );
        }
        break;
      }
      case "enum": {
        const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
        const suggestion = typeof error.data === "string" ? didYouMean(error.data, allowed) : undefined;
        out.error(
          Codes.notAllowed,
          `${where} must be one of ${allowed.join(", ")}; found ${describeValue(error.data)}`,
          file.valuePosition(path),
          suggestion ?? `use one of: ${allowed.join(", ")}`,
        );
        break;
      }
      case "pattern": {
        const custom =
          typeof parentSchema.patternErrorMessage === "string" ? parentSchema.patternErrorMessage : undefined;
        if (propertyName !== undefined) {
          out.error(
            Codes.badFormat,
            `"${propertyName}" is not a valid name in ${where}`,
            file.keyOrValuePosition([...path, propertyName]),
            custom,
          );
          break;
        }
        // A broken `{% %}` where an expression may stand is reported once, by the expression compiler (NX129).
        if (typeof error.data === "string" && error.data.includes("{%") && String(error.schema).includes("\\{%")) break;
        const code = /^#\/\$defs\/(duration|callDuration)\//.test(schemaPath)
          ? Codes.duration
          : path[path.length - 1] === "toleratedFailures"
            ? Codes.toleratedFailures
            : Codes.badFormat;
        const noun = code === Codes.duration ? "is not a duration" : "is not in the expected format";
        out.error(code, `${where} ${noun}: ${describeValue(error.data)}`, file.valuePosition(path), custom);
        break;
      }
      case "propertyNames":
        // Reported through the nested error, which carries the key's name.
        break;
      case "minimum":
      case "exclusiveMinimum":
      case "maximum":
      case "exclusiveMaximum":
      case "minItems":
      case "maxItems":
      case "minLength":
      case "maxLength": {
        const code = path[path.length - 1] === "toleratedFailures" ? Codes.toleratedFailures : Codes.outOfRange;
        out.error(code, `${where} ${rangeMessage(error)}`, file.valuePosition(path), rangeHint(path, error));
        break;
      }
      case "uniqueItems": {
        out.error(
          Codes.schema,
          `${where} lists the same value twice`,
          file.valuePosition(path),
          "remove the repeated entry",
        );
        break;
      }
      default:
        out.error(
          Codes.schema,
          `${where} ${error.message ?? "is not valid"}`,
          file.valuePosition(path),
          "see docs/language.md for this key",
        );
    }
  }
}

const STEP_KINDS = ["activity", "nexus", "confirm", "wait", "uses"] as const;

/** Per instance path, the known keys that its unknown keys' did-you-mean suggest. */
function suggestedKeys(errors: readonly ErrorObject[]): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const error of errors) {
    if (error.keyword !== "additionalProperties") continue;
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const known = Object.keys(((error.parentSchema ?? {}) as SchemaObject).properties ?? {});
    const match = closest(key, known);
    if (match === undefined) continue;
    const set = result.get(error.instancePath) ?? new Set<string>();
    set.add(match);
    result.set(error.instancePath, set);
  }
  return result;
}

function reportStepKind(
  compensation: boolean,
  path: JsonPath,
  where: string,
  file: YamlFile,
  root: unknown,
  out: DiagnosticList,
): void {
  const data = valueAt(root, path);
  // A step that is not even a mapping has its type error; "neither/both" would only add noise.
  if (typeof data !== "object" || data === null || Array.isArray(data)) return;
  const kinds: readonly string[] = compensation ? ["activity", "nexus"] : STEP_KINDS;
  const present = typeof data === "object" && data !== null ? kinds.filter((k) => k in data) : [];
  const list = compensation ? "activity or nexus" : `${kinds.slice(0, -1).join(", ")} or ${kinds.at(-1)}`;
  if (present.length === 0) {
    out.error(
      Codes.stepKind,
      `${where} says neither ${compensation ? "activity nor nexus" : `${kinds.slice(0, -1).join(", ")} nor ${kinds.at(-1)}`}`,
      file.keyOrValuePosition(path),
      `add exactly one of ${list}, e.g. activity: MyActivity`,
    );
  } else {
    const second = present[1]!;
    out.error(
      Codes.stepKind,
      `${where} has both ${present.slice(0, -1).join(", ")} and ${present[present.length - 1]}; a ${compensation ? "compensation" : "step"} does one thing`,
      file.keyOrValuePosition([...path, second]),
      `keep one of ${present.join(", ")}; split the rest into another step`,
    );
  }
}

/** JSON pointer → path segments (array indexes as numbers). */
export function parsePointer(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The value at a path of a plain object tree. */
export function valueAt(root: unknown, path: JsonPath): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** "step \"reserve\"", "timeouts of step \"reserve\"", "input \"tenant\"", "the pipeline"... */
export function describeLocation(path: JsonPath, root: unknown): string {
  if (path.length === 0) return "the pipeline";
  const [section, index, ...rest] = path;
  if ((section === "steps" || section === "finally") && typeof index === "number") {
    const step = valueAt(root, [section, index]) as { id?: unknown } | undefined;
    const id = typeof step?.id === "string" ? `"${step.id}"` : `#${index + 1}`;
    const stepName = `${section === "finally" ? "finally step" : "step"} ${id}`;
    if (rest.length === 0) return stepName;
    return `${rest.map(String).join(".")} of ${stepName}`;
  }
  if (section === "inputs" && index !== undefined) {
    return rest.length === 0 ? `input "${index}"` : `${rest.join(".")} of input "${index}"`;
  }
  if (section === "secrets" && index !== undefined) {
    return rest.length === 0 ? `secret "${index}"` : `${rest.join(".")} of secret "${index}"`;
  }
  return path.map(String).join(".");
}

function typeName(type: string): string {
  switch (type) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "string":
      return "a string";
    case "integer":
      return "a whole number";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    case "null":
      return "null";
    default:
      return type;
  }
}

/** A short description of a found value: its kind and, when short, the value. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing (null)";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number") return `the number ${value}`;
  return String(value);
}

function typeHint(path: JsonPath, data: unknown, expected: string): string | undefined {
  const last = path[path.length - 1];
  if (DURATION_KEYS.has(String(last)) && typeof data === "number") {
    return `write a duration with a unit, e.g. "${data}s"`;
  }
  if (data === null || data === undefined)
    return "a key with nothing after the colon is null; give it a value or remove it";
  if (expected === "a list" && typeof data === "string") return `write a list: [${data}]`;
  return undefined;
}

function rangeMessage(error: ErrorObject): string {
  const limit = (error.params as { limit?: number }).limit;
  switch (error.keyword) {
    case "minimum":
      return `must be at least ${limit}, found ${describeValue(error.data)}`;
    case "exclusiveMinimum":
      return `must be more than ${limit}, found ${describeValue(error.data)}`;
    case "maximum":
      return `must be at most ${limit}, found ${describeValue(error.data)}`;
    case "exclusiveMaximum":
      return `must be less than ${limit}, found ${describeValue(error.data)}`;
    case "minItems":
      return limit === 1 ? "must not be empty" : `must have at least ${limit} entries`;
    case "maxItems":
      return `must have at most ${limit} entries`;
    case "minLength":
      return limit === 1 ? "must not be empty" : `must be at least ${limit} characters long`;
    case "maxLength":
      return `must be at most ${limit} characters long`;
    default:
      return error.message ?? "is out of range";
  }
}

function rangeHint(path: JsonPath, error: ErrorObject): string {
  if (path.length === 1 && path[0] === "steps" && error.keyword === "minItems") return "add at least one step";
  const limit = (error.params as { limit?: number }).limit;
  const last = String(path[path.length - 1] ?? "");
  if (last === "toleratedFailures") return 'a count such as 2, or a percentage such as "10%"';
  if (error.keyword === "minimum") return `use ${limit} or more`;
  if (error.keyword === "exclusiveMinimum") return `use a value above ${limit}`;
  if (error.keyword === "maximum") return `use ${limit} or less`;
  return "shorten or lengthen the value";
}

function describeProperty(parentSchema: SchemaObject, key: string): string | undefined {
  const property = ((parentSchema.properties ?? {}) as Record<string, SchemaObject>)[key];
  if (!property) return undefined;
  if (typeof property.description === "string") return property.description;
  const ref = property.$ref;
  if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
    const def = ((pipelineSchema().$defs ?? {}) as Record<string, SchemaObject>)[ref.slice("#/$defs/".length)];
    if (typeof def?.description === "string") return def.description;
  }
  return undefined;
}
