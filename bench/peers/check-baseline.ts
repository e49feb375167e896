/**
 * Peer of `nxrun check` (B7): the bare minimum any checker must do: parse the YAML and validate it
 * with ajv against specs/pipeline.schema.json, with the options nxrun uses. No positions, expressions,
 * references or plan. Exit 0 when valid, 2 otherwise.
 *
 *   node dist/bench/peers/check-baseline.js pipeline.yaml                  # compiles the schema first
 *   node dist/bench/peers/check-baseline.js pipeline.yaml --standalone f.cjs # ajv standalone code, precompiled
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ValidateFunction } from "ajv";
import { parse } from "yaml";
import { compilePipelineSchema } from "./pipeline-schema.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { standalone: { type: "string" } } });
const file = positionals[0];
if (!file) throw new Error("usage: check-baseline.js pipeline.yaml [--standalone validator.cjs]");
const validate = values.standalone
  ? (createRequire(import.meta.url)(resolve(values.standalone)) as ValidateFunction)
  : compilePipelineSchema().validate;
const document: unknown = parse(readFileSync(file, "utf8"));
if (!validate(document)) {
  process.stderr.write(`${JSON.stringify(validate.errors, null, 2)}\n`);
  process.exitCode = 2;
}
