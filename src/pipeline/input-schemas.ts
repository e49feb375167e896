/**
 * One ajv instance for the JSON Schemas users write for their inputs, and the validators it compiled
 * kept between runs.
 *
 * Why keep them: ajv compiles a validator to JavaScript at run time, and before the first schema it
 * compiles the JSON Schema 2020-12 meta-schema to check schemas with: for a pipeline with one input,
 * about as much CPU as the rest of its start (bench/findings.md, "Input schemas"). So a valid schema's validator is written once, as ajv's own
 * standalone code (ajv/dist/standalone), to the cache directory (src/base/cache-directory.ts) under the
 * SHA-256 of the schema, ajv's version and its options, and a later run loads that file instead of ajv: the same
 * validator, the same error objects. A schema found there was valid when written; one that is not
 * there is checked and compiled as before. A missing, damaged or unwritable cache only costs the
 * compile; `NXRUN_CODE_CACHE=off` keeps nothing.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import vm from "node:vm";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { cacheDirectory } from "../base/cache-directory.js";

// Loaded on first use: a pipeline without inputs, or whose validators are cached, never pays for ajv.
const require = createRequire(import.meta.url);
let ajv: Ajv2020 | undefined;
/**
 * What the validators are compiled with, and so part of a kept validator's key: a validator kept under
 * other options is never loaded. strict off: users' schemas may carry annotations (examples, x-...)
 * that ajv does not know.
 */
const AJV_OPTIONS = { allErrors: true, strict: false, allowUnionTypes: true } as const;

function instance(): Ajv2020 {
  if (!ajv) {
    const { Ajv2020: Ajv, _ } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const formats = require("ajv-formats") as { default: (ajv: Ajv2020) => Ajv2020 };
    ajv = new Ajv({
      ...AJV_OPTIONS,
      // Keeps each validator's source, and says how standalone code reaches ajv-formats' formats.
      code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
    });
    formats.default(ajv);
  }
  return ajv;
}

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; message: string };

/** This process's answers by schema object: checking a pipeline then resolving its inputs compiles once. */
const compiled = new WeakMap<object, Compiled>();

/** Checks that an input's schema is valid JSON Schema and compiles it; a message when it is not. */
export function compileInputSchema(schema: Record<string, unknown>): Compiled {
  const known = compiled.get(schema);
  if (known) return known;
  const file = cacheFile(schema);
  const cached = file === undefined ? undefined : loadCached(file);
  const result: Compiled = cached ? { ok: true, validate: cached } : compileAndKeep(schema, file);
  compiled.set(schema, result);
  return result;
}

function compileAndKeep(schema: Record<string, unknown>, file: string | undefined): Compiled {
  const a = instance();
  if (!a.validateSchema(schema)) {
    return { ok: false, message: a.errorsText(a.errors, { dataVar: "schema" }) };
  }
  let validate: ValidateFunction;
  try {
    validate = a.compile(schema);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (file !== undefined) keep(file, a, validate);
  return { ok: true, validate };
}

/** The cache file of `schema`'s validator (undefined when nothing is kept). */
function cacheFile(schema: Record<string, unknown>): string | undefined {
  const dir = cacheDirectory();
  if (dir === undefined) return undefined;
  let key: string;
  try {
    const { version } = require("ajv/package.json") as { version: string };
    key = createHash("sha256")
      .update(JSON.stringify([version, AJV_OPTIONS, schema]))
      .digest("hex")
      .slice(0, 32);
  } catch {
    return undefined;
  }
  return join(dir, `input-schema-${key}.cjs`);
}

/** The validator kept in `file`, or undefined when there is none (or it cannot be used). */
function loadCached(file: string): ValidateFunction | undefined {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const module = { exports: {} as { default?: ValidateFunction } };
    vm.compileFunction(source, ["require", "module", "exports"], { filename: file })(require, module, module.exports);
    const validate = module.exports.default;
    return typeof validate === "function" ? validate : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the validator's standalone code (to a temporary file then renamed: a reader never sees half). */
function keep(file: string, a: Ajv2020, validate: ValidateFunction): void {
  try {
    const standalone = require("ajv/dist/standalone") as { default: (ajv: Ajv2020, v: ValidateFunction) => string };
    const source = standalone.default(a, validate);
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, source);
      renameSync(temporary, file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  } catch {
    // Not kept: the next run compiles it again.
  }
}

/** ajv errors of an input value, in words that name the input. */
export function describeInputErrors(name: string, errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return `input "${name}" is not valid`;
  return errors
    .map((e) => {
      const where = e.instancePath === "" ? `input "${name}"` : `input "${name}" at ${e.instancePath}`;
      if (e.keyword === "enum") {
        return `${where} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
      }
      return `${where} ${e.message ?? "is not valid"}`;
    })
    .join("; ");
}
