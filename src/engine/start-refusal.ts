/**
 * A start the server refused for what the step asks (INVALID_ARGUMENT: a search attribute the
 * namespace lacks, a header it reserves, an option it does not take) is a mistake in the pipeline,
 * not server trouble: the step fails with the refusal placed at its line, as an expression's error
 * is, and the run goes on as for any failed step (exit 1, not 3).
 */
import type { SourcePosition } from "../base/source-position.js";
import { UserError } from "../base/user-error.js";
import { placedInStep } from "../pipeline/expression-field.js";
import type { Step } from "../pipeline/model.js";
import { InvalidArgumentError } from "../temporal/service-errors.js";

/** What a step (or its compensation, at `position`) threw, placed where the user can fix it. */
export function placedError(error: unknown, step: Step, position: SourcePosition = step.position): unknown {
  if (error instanceof InvalidArgumentError && error.method.startsWith("Start")) {
    return new UserError(`${position.file}:${position.line}:${position.column}: ${error.message}`, {
      hint: error.hint,
      cause: error,
    });
  }
  return placedInStep(error, step);
}
