/**
 * The executions the engine is awaiting right now, so a second Ctrl-C can terminate each of them.
 * Holds only what is in flight (bounded by the run's concurrency), never finished or pending work.
 */
import { executionsOf } from "../temporal/executions-of.js";
import { FailedPreconditionError, NotFoundError } from "../temporal/service-errors.js";
import type { ExecutionKind, TemporalClient } from "../temporal/types.js";
import type { ExecutionRef } from "./events.js";

export interface InFlightExecution {
  readonly kind: ExecutionKind;
  readonly executionId: string;
  readonly runId: string | undefined;
  /** Set once nxrun has terminated it; the awaiting code then reports `terminated`. */
  terminated: boolean;
  /** Stops the local wait (the long poll) for this execution. */
  stopAwaiting(): void;
}

export class InFlight {
  private readonly executions = new Set<InFlightExecution>();
  private terminateReason: string | undefined;
  /** Executions a terminate did not reach (the server did not answer): they may still be running. */
  readonly unterminated: string[] = [];

  constructor(private readonly client: TemporalClient) {}

  add(execution: InFlightExecution): void {
    this.executions.add(execution);
    if (this.terminateReason !== undefined) void this.terminateOne(execution, this.terminateReason);
  }

  delete(execution: InFlightExecution): void {
    this.executions.delete(execution);
  }

  /** A second Ctrl-C terminated what was awaited: what ends as terminated now is its doing. */
  get terminating(): boolean {
    return this.terminateReason !== undefined;
  }

  /** What is being awaited now, for the `onTerminating` event. */
  refs(): ExecutionRef[] {
    return [...this.executions].map((e) => ({
      kind: e.kind,
      executionId: e.executionId,
      ...(e.runId === undefined ? {} : { runId: e.runId }),
    }));
  }

  /** Terminates every execution still awaited (with `reason` recorded on the server). */
  async terminateAll(reason: string): Promise<void> {
    this.terminateReason = reason;
    await Promise.allSettled([...this.executions].map((e) => this.terminateOne(e, reason)));
  }

  private async terminateOne(execution: InFlightExecution, reason: string): Promise<void> {
    execution.terminated = true;
    const executions = executionsOf(this.client, execution.kind);
    try {
      await executions.terminate(execution.executionId, execution.runId, reason);
    } catch (error) {
      // Already closed is what was wanted; anything else leaves it running, which the run must say.
      if (!(error instanceof NotFoundError || error instanceof FailedPreconditionError))
        this.unterminated.push(execution.executionId);
    } finally {
      execution.stopAwaiting();
    }
  }
}
