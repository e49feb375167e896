/** specs/pipeline.schema.json compiled with ajv the way nxrun compiles it, for the B7 baselines. */
import { readFileSync, writeFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";

const SCHEMA_URL = new URL("../../../specs/pipeline.schema.json", import.meta.url);

/** Compiles the schema (allErrors and verbose, as nxrun's loader does). */
export function compilePipelineSchema(options: { code?: boolean } = {}): { ajv: Ajv2020; validate: ValidateFunction } {
  const schema = JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as Record<string, unknown>;
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    ...(options.code ? { code: { source: true } } : {}),
  });
  ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
  return { ajv, validate: ajv.compile(schema) };
}

/** Writes the validator as ajv standalone code (CommonJS), so a baseline can skip compiling. */
export function writeStandaloneValidator(file: string): void {
  const { ajv, validate } = compilePipelineSchema({ code: true });
  // ajv's standalone module is CommonJS with a default export; under NodeNext it arrives as the namespace.
  type Generate = (ajv: Ajv2020, validate: ValidateFunction) => string;
  const module = standaloneCode as unknown as Generate | { default: Generate };
  const generate = typeof module === "function" ? module : module.default;
  writeFileSync(file, generate(ajv, validate));
}
