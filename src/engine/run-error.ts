/**
 * The run's error, as its last line says it: the failure that decided the run (or why it was
 * cancelled), then each other step whose failure fails the run and each compensation that failed,
 * each said once (the chain of each is read by src/engine/error-chain.ts).
 */
import { describeErrorChain } from "./error-chain.js";
import type { RunStatus, StepError, StepRecord } from "./events.js";
import { INTERRUPTED_TWICE, type RunContext } from "./run-context.js";
import { isFailure, statusWord } from "./step-outcome.js";

export function runError(ctx: RunContext, status: RunStatus): StepError | undefined {
  const first =
    ctx.failure ?? (status === "canceled" || status === "timedOut" ? { message: ctx.cancelReason() } : undefined);
  const more = ctx.recordList.filter((record) => failsTheRun(ctx, record) && record.error !== ctx.failure?.cause);
  // A second Ctrl-C during the cleanup of a run that had already failed: its cause says what failed,
  // this says why its rollback or finally stopped (a cancelled run's reason says it already).
  const stopped: StepError[] = [
    ...(ctx.inFlight.terminating && ctx.cancelledBecause !== "signal" ? [{ message: INTERRUPTED_TWICE }] : []),
    ...unterminated(ctx),
  ];
  if (more.length === 0 && stopped.length === 0) return first;
  const parts = more.map((record): StepError => {
    const what = record.section === "compensate" ? `compensation '${record.id}'` : `step '${record.id}'`;
    const message = `${what} ${statusWord(record.status)}`;
    return record.error ? { message: `${message}: ${record.error.message}`, cause: record.error } : { message };
  });
  return { message: [...(first ? [first] : []), ...parts, ...stopped].map(describeErrorChain).join("; ") };
}

/** What a second Ctrl-C could not terminate: the user must hear it may still run, and how to stop it. */
function unterminated(ctx: RunContext): StepError[] {
  const ids = ctx.inFlight.unterminated;
  if (ids.length === 0) return [];
  return [
    {
      message: `could not terminate ${ids.join(", ")} (the server did not take the request): it may still be running; stop it with nxrun cancel ${ctx.runId}`,
    },
  ];
}

/**
 * A failed compensation, or a failed step of the run's own (not one inside a used pipeline: its uses
 * step says it) that its onError does not tolerate; not what nxrun itself terminated.
 */
function failsTheRun(ctx: RunContext, record: StepRecord): boolean {
  if (!isFailure(record.status)) return false;
  // Terminated by a second Ctrl-C: the run's reason names that, once (run-context.ts cancelReason).
  if (record.status === "terminated" && ctx.inFlight.terminating) return false;
  if (record.section === "compensate") return true;
  return record.parent === undefined && ctx.stepsById.get(record.id)?.onError === "fail";
}
