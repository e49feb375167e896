/**
 * Turning what Temporal (or the engine itself) reports into the `StepError` that records, reports
 * and `$steps.x.error` carry: a message a person can act on, the type, and the cause chain.
 */

import { isUserError } from "../base/user-error.js";
import type { FailureInfo } from "../temporal/types.js";
import type { StepError } from "./events.js";

/** A decoded Temporal failure as a step error, cause chain included. */
export function stepErrorFromFailure(failure: FailureInfo): StepError {
  const error: StepError = { message: messageOf(failure) };
  if (failure.type !== undefined) error.type = failure.type;
  if (failure.nonRetryable !== undefined) error.nonRetryable = failure.nonRetryable;
  if (failure.cause) error.cause = stepErrorFromFailure(failure.cause);
  return error;
}

function messageOf(failure: FailureInfo): string {
  if (failure.timeoutType === undefined) return failure.message;
  const kind = failure.timeoutType.toUpperCase();
  const base = failure.message || "timed out";
  if (kind.includes("SCHEDULE_TO_START")) {
    return `${base} (${kind}: no worker picked it up in time; is a worker polling its task queue?)`;
  }
  return base.includes(kind) ? base : `${base} (${kind})`;
}

/** Anything thrown (an RPC error, an expression error, a bug) as a step error. */
export function stepErrorFromThrown(error: unknown, type?: string): StepError {
  if (error instanceof Error) {
    const result: StepError = { message: error.message };
    const hint = isUserError(error) ? error.hint : undefined;
    if (hint) result.message = `${error.message} (hint: ${hint})`;
    const t = type ?? (isUserError(error) ? undefined : error.name);
    if (t !== undefined && t !== "Error") result.type = t;
    return result;
  }
  return { message: String(error), ...(type === undefined ? {} : { type }) };
}
