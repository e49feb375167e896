/**
 * specs/pipeline-test.schema.json as a validator, compiled with ajv once per process on the first
 * test file (test files are read by `nxrun test` and `nxrun check`, where ajv's compile is small
 * against running the cases).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PATTERN_ERROR_KEYWORD, PIPELINE_AJV_OPTIONS, type SchemaValidator, specPath } from "../pipeline/schema.js";

let compiled: SchemaValidator | undefined;

export function testFileValidator(): SchemaValidator {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(specPath("pipeline-test.schema.json"), "utf8")) as Record<string, unknown>;
    const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const ajv = new Ajv2020(PIPELINE_AJV_OPTIONS);
    ajv.addKeyword(PATTERN_ERROR_KEYWORD);
    compiled = ajv.compile(schema) as SchemaValidator;
  }
  return compiled;
}
