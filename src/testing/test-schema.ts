/**
 * specs/pipeline-test.schema.json as a validator: the code generated ahead of time for it
 * (test-file-validator.generated.ts), or the schema compiled with ajv when it was edited and not
 * regenerated (src/pipeline/schema.ts decides).
 */
import { type SchemaValidator, specValidator } from "../pipeline/schema.js";
import * as generated from "./test-file-validator.generated.js";

let compiled: SchemaValidator | undefined;

export function testFileValidator(): SchemaValidator {
  compiled ??= specValidator("pipeline-test.schema.json", generated).validate;
  return compiled;
}
