/** Applying an execution's result to a record, and what counts as a failure. */
import type { ExecutionProgress, ItemRecord, StepRecord, StepStatus } from "./events.js";
import type { ExecutionResult } from "./execution.js";

/** Statuses that count as a failure for `onError` and `toleratedFailures`, and in every report. */
export function isFailure(status: StepStatus): status is "failed" | "timedOut" | "terminated" {
  return status === "failed" || status === "timedOut" || status === "terminated";
}

/**
 * Whether a finished step or item counts as failed for `onError` and `toleratedFailures`: a failure
 * status, or canceled when nothing of the run's asked for it (`interrupted` false: its handler did).
 */
export function countsAsFailure(status: StepStatus, interrupted: boolean): boolean {
  return isFailure(status) || (status === "canceled" && !interrupted);
}

/** Words for a status, as a person would say them (`timed out`): in messages and every report. */
export function statusWord(status: StepStatus): string {
  switch (status) {
    case "timedOut":
      return "timed out";
    case "compensationFailed":
      return "compensation failed";
    case "pending":
    case "running":
    case "completed":
    case "failed":
    case "terminated":
    case "canceled":
    case "abandoned":
    case "skipped":
    case "compensated":
    case "interrupted":
    case "compensating":
      return status;
    default: {
      const unknown: never = status;
      throw new Error(`unknown status ${String(unknown)}`);
    }
  }
}

/** Copies status, output, error and run ID from an execution's result. */
export function applyResult(record: StepRecord | ItemRecord, result: ExecutionResult): void {
  record.status = result.status;
  if (result.output !== undefined) record.output = result.output;
  if (result.error !== undefined) record.error = result.error;
  if (record.execution && result.runId) record.execution.runId = result.runId;
  if (result.reused && "id" in record) record.reused = true;
  if (result.attempt !== undefined) record.attempt = result.attempt;
}

/** Keeps what following learnt on the record: the attempt and the last failed attempt's failure. */
export function applyProgress(record: StepRecord | ItemRecord, progress: ExecutionProgress): void {
  if (progress.attempt !== undefined) record.attempt = progress.attempt;
  if (progress.lastFailure !== undefined) record.lastFailure = progress.lastFailure;
}
