/**
 * One ajv instance for the JSON Schemas users write for their inputs. ajv caches each compiled schema
 * by object, so checking a pipeline and then resolving its inputs compiles every schema once.
 */
import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Ajv2020 } from "ajv/dist/2020.js";

let ajv: Ajv2020 | undefined;

function instance(): Ajv2020 {
  if (!ajv) {
    // Loaded on first use: a pipeline without inputs never pays for ajv at start-up.
    const require = createRequire(import.meta.url);
    const { Ajv2020: Ajv } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const formats = require("ajv-formats") as { default: (ajv: Ajv2020) => Ajv2020 };
    // strict off: users' schemas may carry annotations (examples, x-...) that ajv does not know.
    ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    formats.default(ajv);
  }
  return ajv;
}

/** Checks that an input's schema is valid JSON Schema and compiles it; a message when it is not. */
export function compileInputSchema(
  schema: Record<string, unknown>,
): { ok: true; validate: ValidateFunction } | { ok: false; message: string } {
  const a = instance();
  if (!a.validateSchema(schema)) {
    return { ok: false, message: a.errorsText(a.errors, { dataVar: "schema" }) };
  }
  try {
    return { ok: true, validate: a.compile(schema) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
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
