/**
 * A uses step's `with:` against the used pipeline's inputs, one rule set for both moments it is
 * checked: `nxrun check` (the literal values; expressions are known only when the run gets there)
 * and the run (every value, evaluated).
 */
import { Codes } from "./diagnostic-codes.js";
import { didYouMean } from "./did-you-mean.js";
import { compileInputSchema, describeInputErrors } from "./input-schemas.js";
import type { Pipeline } from "./model.js";

export interface WithProblem {
  /** The with: key it is about; absent for a missing input. */
  readonly key?: string;
  readonly code: string;
  readonly message: string;
  readonly hint: string;
}

/**
 * Problems of `values` (the with: keys whose values are known) as inputs of `used`; `given` lists
 * every with: key, known or not, so an expression still counts as giving its input.
 */
export function withProblems(
  used: Pipeline,
  values: Readonly<Record<string, unknown>>,
  given: ReadonlySet<string>,
): WithProblem[] {
  const problems: WithProblem[] = [];
  const declared = Object.keys(used.inputs);
  for (const key of given) {
    if (!(key in used.inputs)) {
      problems.push({
        key,
        code: Codes.withUnknownInput,
        message: `with: "${key}" is no input of pipeline ${used.name}`,
        hint:
          didYouMean(key, declared) ??
          (declared.length === 0 ? `${used.name} declares no inputs` : `its inputs: ${declared.join(", ")}`),
      });
    }
  }
  for (const [name, schema] of Object.entries(used.inputs)) {
    if (!given.has(name)) {
      if (!("default" in schema)) {
        problems.push({
          code: Codes.withInvalid,
          message: `with: is missing "${name}", a required input of pipeline ${used.name}`,
          hint: `add ${name}: to with:`,
        });
      }
      continue;
    }
    if (!(name in values)) continue;
    const compiled = compileInputSchema(schema);
    if (compiled.ok && !compiled.validate(values[name])) {
      problems.push({
        key: name,
        code: Codes.withInvalid,
        message: `with: ${describeInputErrors(name, compiled.validate.errors)} (pipeline ${used.name})`,
        hint: `give ${name} a value that matches its schema in ${used.name}`,
      });
    }
  }
  return problems;
}

/** The used pipeline's inputs from with: values, defaults applied (values already checked). */
export function withInputs(used: Pipeline, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(used.inputs)) {
    if (name in values) inputs[name] = values[name];
    else if ("default" in schema) inputs[name] = schema.default;
  }
  return inputs;
}
