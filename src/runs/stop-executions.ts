/** Requesting cancellation of (or terminating) a run's running executions, a few at a time. */
import { eachAtMost } from "../base/each-at-most.js";
import { executionsOf } from "../temporal/executions-of.js";
import { FailedPreconditionError, NotFoundError } from "../temporal/service-errors.js";
import type { TemporalClient } from "../temporal/types.js";
import type { RunExecution } from "./run-executions.js";

export type StopAction = "cancel" | "terminate";

/** What happened to one execution. */
export type StopResult =
  | { readonly execution: RunExecution; readonly outcome: "requested" }
  /** It closed between the listing and the request (visibility lags behind). */
  | { readonly execution: RunExecution; readonly outcome: "alreadyClosed" }
  | { readonly execution: RunExecution; readonly outcome: "error"; readonly error: unknown };

const CONCURRENCY = 8;

/** Sends the cancel or terminate request to each execution; never throws for one execution's failure. */
export async function stopExecutions(
  client: TemporalClient,
  executions: readonly RunExecution[],
  action: StopAction,
  reason: string,
): Promise<StopResult[]> {
  const results: StopResult[] = new Array(executions.length);
  await eachAtMost(executions, CONCURRENCY, async (execution, i) => {
    const kind = executionsOf(client, execution.kind);
    const runId = execution.runId || undefined;
    try {
      if (action === "cancel") await kind.requestCancel(execution.id, runId, reason);
      else await kind.terminate(execution.id, runId, reason);
      results[i] = { execution, outcome: "requested" };
    } catch (error) {
      // The server refuses a request to an execution that has closed meanwhile.
      if (error instanceof FailedPreconditionError || error instanceof NotFoundError) {
        results[i] = { execution, outcome: "alreadyClosed" };
      } else {
        results[i] = { execution, outcome: "error", error };
      }
    }
  });
  return results;
}
