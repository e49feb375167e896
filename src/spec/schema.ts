/**
 * The pipeline JSON Schema (specs/pipeline.schema.json), compiled once per process: compiling is
 * the costly part of ajv, validating is cheap.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

let compiled: { validate: ValidateFunction; schema: Record<string, unknown> } | undefined;

/** Path of specs/pipeline.schema.json, found from this module in src/ (tests) or dist/src/ (the binary). */
export function pipelineSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "specs", "pipeline.schema.json");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("specs/pipeline.schema.json not found next to the nxrun package");
}

/** The schema as a plain object. */
export function pipelineSchema(): Record<string, unknown> {
  return compiledSchema().schema;
}

/** The compiled validator (allErrors, verbose: every error carries the failing schema and data). */
export function pipelineValidator(): ValidateFunction {
  return compiledSchema().validate;
}

function compiledSchema(): { validate: ValidateFunction; schema: Record<string, unknown> } {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(pipelineSchemaPath(), "utf8")) as Record<string, unknown>;
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    // Editors (VS Code, yaml-language-server) show patternErrorMessage; nxrun uses it too.
    ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
    compiled = { validate: ajv.compile(schema), schema };
  }
  return compiled;
}
