/**
 * Peer of `nxrun check` (B7): the bare minimum any checker must do: parse the YAML and validate it
 * with ajv against specs/pipeline.schema.json, compiled with the options nxrun uses. No positions, no
 * expressions, no references, no plan. Exit 0 when valid, 2 otherwise.
 *
 *   node dist/bench/peers/check-baseline.js pipeline.yaml
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";

const file = process.argv[2];
if (!file) throw new Error("usage: check-baseline.js pipeline.yaml");
const schemaUrl = new URL("../../../specs/pipeline.schema.json", import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, "utf8")) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
const validate = ajv.compile(schema);
const document: unknown = parse(readFileSync(file, "utf8"));
if (!validate(document)) {
  process.stderr.write(`${JSON.stringify(validate.errors, null, 2)}\n`);
  process.exitCode = 2;
}
