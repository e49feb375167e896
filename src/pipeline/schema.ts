/**
 * The pipeline JSON Schema (specs/pipeline.schema.json) as a validator. Start-up speed matters for
 * `nxrun check` and `nxrun test`, so the validators of the schemas nxrun reads files with are ajv's
 * standalone code generated ahead of time (pipeline-validator.generated.ts, and the test files'
 * src/testing/test-file-validator.generated.ts); when the schema file no longer matches it (an edited
 * schema, not regenerated) the schema is compiled with ajv instead, once per process.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ErrorObject } from "ajv";
import * as generated from "./pipeline-validator.generated.js";

/** A validator as ajv makes them: returns validity and leaves the errors on itself. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let compiled: { validate: SchemaValidator; schema: Record<string, unknown> } | undefined;

/** Path of a file of specs/ (a JSON Schema nxrun ships), found from this module in src/ (tests) or dist/src/ (the binary). */
export function specPath(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "specs", name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`specs/${name} not found next to the nxrun package`);
}

/** The schema as a plain object. */
export function pipelineSchema(): Record<string, unknown> {
  return load().schema;
}

/** The validator (allErrors, verbose: every error carries the failing schema and data). */
export function pipelineValidator(): SchemaValidator {
  return load().validate;
}

function load(): { validate: SchemaValidator; schema: Record<string, unknown> } {
  compiled ??= specValidator("pipeline.schema.json", generated);
  return compiled;
}

/**
 * A schema of specs/ as a validator: the code generated ahead of time for it while it matches the
 * schema's text, else the schema compiled with ajv (an edited schema, not regenerated).
 */
export function specValidator(
  name: string,
  pregenerated: { SCHEMA_SHA256: string; validate?: unknown },
): { validate: SchemaValidator; schema: Record<string, unknown> } {
  const text = readFileSync(specPath(name), "utf8");
  const schema = JSON.parse(text) as Record<string, unknown>;
  const fresh = pregenerated.SCHEMA_SHA256 === createHash("sha256").update(text).digest("hex");
  const validate = pregenerated.validate as SchemaValidator | undefined;
  return { validate: fresh && validate ? validate : compileWithAjv(schema), schema };
}

/**
 * How ajv compiles the schemas: here, and where the validators are generated ahead of time
 * (test/unit/pipeline/pipeline-validator.test.ts), so the generated code answers as this one does.
 */
export const PIPELINE_AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
} as const;
/** Editors (VS Code, yaml-language-server) show patternErrorMessage; nxrun uses it too. */
export const PATTERN_ERROR_KEYWORD = { keyword: "patternErrorMessage", schemaType: "string" } as const;

function compileWithAjv(schema: Record<string, unknown>): SchemaValidator {
  // Loaded only on this path: ajv's compiler is the slow part of start-up.
  const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  const ajv = new Ajv2020(PIPELINE_AJV_OPTIONS);
  ajv.addKeyword(PATTERN_ERROR_KEYWORD);
  return ajv.compile(schema) as SchemaValidator;
}
