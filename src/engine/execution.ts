/**
 * One execution on Temporal, start to end: start it (or re-attach to it on resume), await its
 * outcome, and when the run is cancelled follow the step's cancellation type (README.md, "The cancellation contract").
 */

import type { CancellationType } from "../pipeline/model.js";
import { executionsOf } from "../temporal/executions-of.js";
import { NotNowRetry, type ServerTrouble } from "../temporal/retry-rule.js";
import { NotFoundError } from "../temporal/service-errors.js";
import type {
  ExecutionClient,
  IdReusePolicy,
  Outcome,
  StartActivityOptions,
  StartNexusOperationOptions,
  TemporalClient,
} from "../temporal/types.js";
import { onAbort, sleep } from "./abort.js";
import { alreadyStartedRunId } from "./already-started.js";
import type { ExecutionProgress, StepError, StepStatus } from "./events.js";
import type { Follower, Following } from "./follow/follower.js";
import type { InFlight, InFlightExecution } from "./in-flight.js";
import { withMaskedMetadata } from "./masked-metadata.js";
import { NotRunError } from "./read-back.js";
import type { StartHeaders } from "./run-options.js";
import { stepErrorFromFailure, stepErrorFromThrown } from "./step-errors.js";

/**
 * Every start asks for the execution by its deterministic ID with these policies, so re-running a
 * run ID re-attaches instead of duplicating: a running execution is reused (`useExisting`), a
 * completed one is rejected as a duplicate and its outcome is read instead. Failed, cancelled,
 * terminated and timed-out executions may be started again, which is what makes `--resume` after a
 * failure or Ctrl-C useful; a completed step is never run twice.
 */
export const RESUME_ID_REUSE_POLICY: IdReusePolicy = "allowDuplicateFailedOnly";

export type ExecutionSpec =
  | { kind: "activity"; options: StartActivityOptions }
  | { kind: "nexus"; options: StartNexusOperationOptions };

export interface ExecutionResult {
  status: Exclude<StepStatus, "pending" | "running" | "skipped">;
  runId?: string;
  output?: unknown;
  error?: StepError;
  /** Re-attached to an execution an earlier attempt of this run started. */
  reused: boolean;
  /**
   * It ended canceled on a cancel request made from outside while this session awaited it (`nxrun
   * cancel`, the Web UI): the run is cancelled. An execution that ends canceled with no request
   * (its handler said so) is the step's own outcome (`status: "canceled"`, remoteCancel false).
   */
  remoteCancel: boolean;
  /** The attempt it was on at the end, when nxrun knows it (followed, or described after a failure). */
  attempt?: number;
}

export interface ExecutionContext {
  readonly client: TemporalClient;
  /** An earlier session of the run existed (`--resume`): executions may be on the server already. */
  readonly resumed?: boolean;
  readonly inFlight: InFlight;
  /** Follows executions in flight (absent when following is off). */
  readonly follower?: Follower | undefined;
  /** Why the run is being cancelled, recorded with each cancel request. */
  cancelReason(): string;
  /** The run's secrets as secretNeedles: masked in the metadata of every start (masked-metadata.ts). */
  readonly secretNeedles: readonly string[];
  /** Headers to add to each start (RunOptions.startHeaders). */
  readonly startHeaders?: StartHeaders | undefined;
}

export interface ExecutionHooks {
  /** The execution exists on the server (started, or found on resume). */
  onStarted?(runId: string, reused: boolean): void;
  /** Follow the execution while it runs and report what changed (a forEach item only when in trouble). */
  follow?: { item: boolean; onProgress(progress: ExecutionProgress): void };
  /**
   * On a resumed run, an execution that an earlier session saw end failed, timed out or canceled by
   * its handler is the step's outcome, read back, not started again (a step with onError: continue:
   * its failure was a result, not an interruption).
   */
  keepFailure?: boolean;
  /**
   * Read back only, never start (a step `--from` does not rerun, src/engine/read-back.ts): a
   * completed execution gives its result, a failure keepFailure holds gives that; anything else
   * (none, running, failed) throws NotRunError.
   */
  readOnly?: boolean;
}

const DESCRIBE_INTERVAL_MS = 250;
const DESCRIBE_INTERVAL_MAX_MS = 2_000;

/**
 * Starts (or re-attaches to) the execution and awaits it. When `cancelSignal` aborts, follows
 * `cancellation`. Throws only for errors talking to the server that are not about this execution.
 * An execution re-attached to with a cancel request already on it (an earlier session's Ctrl-C, or
 * an `nxrun cancel` of it) is awaited until it closes and, unless it completed, started again: that
 * request was for the earlier session, not this one.
 */
export async function runExecution(
  ctx: ExecutionContext,
  spec: ExecutionSpec,
  cancellation: CancellationType,
  cancelSignal: AbortSignal,
  hooks: ExecutionHooks = {},
): Promise<ExecutionResult> {
  const executions = executionsOf(ctx.client, spec.kind);
  if (hooks.readOnly) return await readBackOnly(executions, spec.options.id, cancelSignal, hooks);
  if (hooks.keepFailure && ctx.resumed) {
    const held = await heldFailure(executions, spec.options.id, cancelSignal);
    if (held !== undefined) {
      hooks.onStarted?.(held.runId ?? "", true);
      return held;
    }
  }
  for (;;) {
    const result = await runExecutionOnce(ctx, executions, spec, cancellation, cancelSignal, hooks);
    if (result !== "startAgain") return result;
  }
}

/**
 * The failure an earlier session's execution ended with, read back (`reused`), when it ended by
 * itself: failed, timed out, or canceled with no cancel request (its handler's own answer).
 * Undefined when there is none, it is running, completed, terminated, or a cancel request ended it.
 */
async function heldFailure(
  executions: ExecutionClient<unknown>,
  id: string,
  signal: AbortSignal,
): Promise<ExecutionResult | undefined> {
  let description: Awaited<ReturnType<ExecutionClient<unknown>["describe"]>>;
  try {
    description = await retryTransient(() => executions.describe(id), signal);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  const outcome = description.outcome;
  if (outcome === undefined || outcome.status === "completed" || outcome.status === "terminated") return undefined;
  if (outcome.status === "canceled" && description.cancelRequested) return undefined;
  return {
    status: outcome.status,
    runId: description.runId,
    error: stepErrorFromFailure(outcome.failure),
    reused: true,
    remoteCancel: false,
    attempt: description.attempt,
  };
}

/** The execution's result when it completed (or ended as keepFailure holds); else NotRunError. */
async function readBackOnly(
  executions: ExecutionClient<unknown>,
  id: string,
  signal: AbortSignal,
  hooks: ExecutionHooks,
): Promise<ExecutionResult> {
  let description: Awaited<ReturnType<ExecutionClient<unknown>["describe"]>>;
  try {
    description = await retryTransient(() => executions.describe(id), signal);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotRunError(id, "never started");
    throw error;
  }
  if (description.status === "completed") {
    const outcome = await executions.awaitOutcome(id, description.runId, { signal });
    if (outcome.status === "completed") {
      hooks.onStarted?.(description.runId, true);
      return {
        status: "completed",
        runId: description.runId,
        output: outcome.result,
        reused: true,
        remoteCancel: false,
      };
    }
  }
  if (hooks.keepFailure) {
    const held = await heldFailure(executions, id, signal);
    if (held !== undefined) {
      hooks.onStarted?.(held.runId ?? "", true);
      return held;
    }
  }
  const { status } = description;
  if (status === "running" || status === "paused") throw new NotRunError(id, "still running");
  throw new NotRunError(id, `it ended ${status === "timedOut" ? "timed out" : status}`);
}

/** Whether a cancel request is recorded on the execution (undefined: it could not be described). */
async function cancelRequested(
  executions: ExecutionClient<unknown>,
  id: string,
  runId: string | undefined,
): Promise<boolean | undefined> {
  try {
    return (await executions.describe(id, runId)).cancelRequested === true;
  } catch {
    return undefined;
  }
}

/** The start options with the hook's headers over the step's own (Nexus headers are text: the hook gives text for them). */
function withStartHeaders<O extends { id: string; headers?: Readonly<Record<string, unknown>> }>(
  spec: ExecutionSpec,
  options: O,
  hook: StartHeaders | undefined,
): O {
  const extra = hook?.({ kind: spec.kind, executionId: options.id });
  if (extra === undefined) return options;
  return { ...options, headers: { ...options.headers, ...extra } };
}

/** One start (or re-attach) and its await; "startAgain" when an earlier session's cancel request ended it. */
async function runExecutionOnce(
  ctx: ExecutionContext,
  executions: ExecutionClient<unknown>,
  spec: ExecutionSpec,
  cancellation: CancellationType,
  cancelSignal: AbortSignal,
  hooks: ExecutionHooks,
): Promise<ExecutionResult | "startAgain"> {
  const started = await startOrAttach(ctx, executions, spec, cancelSignal);
  hooks.onStarted?.(started.runId ?? "", started.reused);
  const attached = new Attached(ctx, executions, spec, started, hooks);
  try {
    return await attached.outcome(cancellation, cancelSignal);
  } finally {
    attached.close();
  }
}

/** What a start told: the execution's run, whether it was there already, and with a cancel request on it. */
interface Started {
  runId: string | undefined;
  reused: boolean;
  /** Re-attached to a running execution that a cancel request was already made for. */
  cancelBefore: boolean;
}

/** Starts the execution, or finds the one its ID names (running, or completed: then its outcome is read). */
async function startOrAttach(
  ctx: ExecutionContext,
  executions: ExecutionClient<unknown>,
  spec: ExecutionSpec,
  cancelSignal: AbortSignal,
): Promise<Started> {
  const id = spec.options.id;
  const request = withStartHeaders(spec, withMaskedMetadata(spec.options, ctx.secretNeedles), ctx.startHeaders);
  try {
    // Retrying a start is safe: with useExisting, a start that did reach the server answers started=false.
    const started = await retryTransient(
      () =>
        executions.start({
          ...request,
          idConflictPolicy: "useExisting",
          idReusePolicy: RESUME_ID_REUSE_POLICY,
        }),
      cancelSignal,
    );
    const reused = !started.started;
    const cancelBefore = reused && (await cancelRequested(executions, id, started.runId)) === true;
    return { runId: started.runId, reused, cancelBefore };
  } catch (error) {
    const existing = alreadyStartedRunId(error);
    if (existing === null) throw error;
    // Closed and not restartable under our reuse policy, i.e. it completed: read its outcome.
    return { runId: existing, reused: true, cancelBefore: false };
  }
}

type Settled = { outcome: Outcome } | { error: unknown };

/**
 * One execution on the server, from its start to its end: in the run's in-flight set, followed,
 * its outcome awaited; what following saw and the trouble the await is in published as one progress.
 */
class Attached {
  private readonly id: string;
  private readonly handle: InFlightExecution;
  private readonly awaitAbort = new AbortController();
  /** The await's poll loop has ended: nothing is left to stop, and aborting would only cost an abort event. */
  private awaitEnded = false;
  /** What the follower last saw. */
  private seen: ExecutionProgress | undefined;
  /** The trouble the await itself is in (the server refusing its polls). */
  private awaitTrouble: ServerTrouble | undefined;
  private readonly following: Following | undefined;
  /** The await's end: an outcome, or the error it gave up with. */
  private readonly settled: Promise<Settled>;
  private readonly base: { reused: boolean; runId?: string };

  constructor(
    private readonly ctx: ExecutionContext,
    private readonly executions: ExecutionClient<unknown>,
    spec: ExecutionSpec,
    private readonly started: Started,
    private readonly hooks: ExecutionHooks,
  ) {
    const { runId, reused } = started;
    this.id = spec.options.id;
    this.base = { reused, runId };
    this.handle = {
      kind: spec.kind,
      executionId: this.id,
      runId,
      terminated: false,
      stopAwaiting: () => this.awaitAbort.abort(),
    };
    ctx.inFlight.add(this.handle);
    this.following =
      hooks.follow && ctx.follower && runId
        ? ctx.follower.follow({
            kind: spec.kind,
            executionId: this.id,
            runId,
            ...(spec.kind === "activity" ? { taskQueue: spec.options.taskQueue } : {}),
            group: workGroup(spec),
            item: hooks.follow.item,
            onProgress: (progress) => {
              this.seen = progress;
              this.publish();
            },
          })
        : undefined;
    this.settled = this.awaitSettled();
  }

  /** Awaiting a known execution never gives up on a busy server (retry-rule.ts, "known"). */
  private awaitSettled(): Promise<Settled> {
    return this.executions
      .awaitOutcome(this.id, this.started.runId, {
        signal: this.awaitAbort.signal,
        onTrouble: (trouble) => {
          // An unreachable server is the connection's news (onConnection: "lost connection to ..."),
          // said once for the run rather than once per execution.
          const shown = trouble?.reason === "unavailable" ? undefined : trouble;
          if (shown === undefined && this.awaitTrouble === undefined) return;
          this.awaitTrouble = shown;
          this.publish();
        },
      })
      .then(
        (outcome) => {
          this.awaitEnded = true;
          return { outcome };
        },
        (error: unknown) => {
          this.awaitEnded = true;
          return { error };
        },
      );
  }

  private publish(): void {
    const { follow } = this.hooks;
    if (!follow) return;
    if (this.awaitTrouble === undefined) {
      follow.onProgress(this.seen ?? { trouble: false });
      return;
    }
    follow.onProgress({ ...(this.seen ?? {}), server: serverProgress(this.awaitTrouble), trouble: true });
  }

  /** Its outcome, or when `cancelSignal` aborts first, what `cancellation` makes of it. */
  async outcome(cancellation: CancellationType, cancelSignal: AbortSignal): Promise<ExecutionResult | "startAgain"> {
    const cancelled = onAbort(cancelSignal);
    try {
      const first = await Promise.race([this.settled, cancelled.promise.then(() => "cancel" as const)]);
      if (first !== "cancel")
        return await this.unasked(await withAttempt(this.following, this.fromSettled(first)), cancelSignal);
      if (this.handle.terminated) return this.terminatedResult();
      return await this.cancel(cancellation);
    } finally {
      cancelled.dispose();
    }
  }

  /** The run is cancelled: the step's cancellation type says whether to ask, and whether to wait. */
  private async cancel(cancellation: CancellationType): Promise<ExecutionResult> {
    const { executions, id, base } = this;
    const { runId } = this.started;
    const reason = this.ctx.cancelReason();
    const fromSettled = (settled: Settled) => this.fromSettled(settled);
    switch (cancellation) {
      case "abandon":
        return { ...base, status: "abandoned", remoteCancel: false };
      case "tryCancel": {
        const refused = await requestCancel(executions, id, runId, reason);
        if (refused) return closedOrAbandoned(await settledSoon(this.settled), fromSettled, base, refused);
        return { ...base, status: "canceled", remoteCancel: false };
      }
      case "waitRequested": {
        const refused = await requestCancel(executions, id, runId, reason);
        if (refused) return closedOrAbandoned(await settledSoon(this.settled), fromSettled, base, refused);
        const stopped = onAbort(this.awaitAbort.signal);
        const delivered = await waitForCancelDelivered(executions, id, runId, this.settled, stopped.promise).finally(
          stopped.dispose,
        );
        if (this.handle.terminated) return this.terminatedResult();
        if (delivered.closed) return this.fromSettled(delivered.closed);
        return {
          ...base,
          status: "canceled",
          remoteCancel: false,
          ...(delivered.problem ? { error: { message: delivered.problem } } : {}),
        };
      }
      case "waitCompleted": {
        // A refusal (a sync Nexus operation cannot be cancelled, or it just closed) changes nothing:
        // we wait for the close either way.
        await requestCancel(executions, id, runId, reason);
        return this.fromSettled(await this.settled);
      }
      default: {
        const never: never = cancellation;
        throw new Error(`unknown cancellation type ${String(never)}`);
      }
    }
  }

  private terminatedResult(): ExecutionResult {
    return {
      ...this.base,
      status: "terminated",
      error: { message: "terminated by nxrun (interrupted twice)", type: "Terminated" },
      remoteCancel: false,
    };
  }

  private fromSettled(settled: Settled): ExecutionResult {
    if (this.handle.terminated) return this.terminatedResult();
    if ("error" in settled) throw settled.error;
    const { outcome } = settled;
    if (outcome.status === "completed")
      return { ...this.base, status: "completed", output: outcome.result, remoteCancel: false };
    return { ...this.base, status: outcome.status, error: stepErrorFromFailure(outcome.failure), remoteCancel: false };
  }

  /**
   * An outcome this session did not cancel. One that an earlier session's cancel request ended
   * (canceled, or failed or timed out while the handler wound down) is started again; canceled on a
   * request made now from outside cancels the run; canceled with no request is the handler's answer,
   * the step's outcome.
   */
  private async unasked(result: ExecutionResult, cancelSignal: AbortSignal): Promise<ExecutionResult | "startAgain"> {
    if (result.status === "completed" || cancelSignal.aborted) return result;
    if (this.started.cancelBefore) return "startAgain";
    if (result.status !== "canceled") return result;
    const requested = await cancelRequested(this.executions, this.id, this.started.runId);
    // Not described: a cancel nxrun did not ask for is most likely one from outside.
    return requested === false ? result : { ...result, remoteCancel: true };
  }

  /** Out of the in-flight set, following stopped, the await stopped if it still polls. */
  close(): void {
    this.following?.stop();
    this.ctx.inFlight.delete(this.handle);
    if (!this.awaitEnded) this.awaitAbort.abort();
  }
}

/**
 * The result with the attempt it ended on. What following last saw, except after a retry it saw:
 * the attempt that closed may have started and ended between two looks (the poll's outcome does not
 * carry the attempt), so one describe reads it (Following.describeOnce; Follower.describeOnce says
 * when). A failure nobody followed (it failed within the grace period) is described once the same
 * way; a success nobody followed keeps no attempt (unknown, not guessed).
 */
async function withAttempt(following: Following | undefined, result: ExecutionResult): Promise<ExecutionResult> {
  if (following === undefined) return result;
  if (result.status === "completed") following.completed();
  else following.stop();
  const last = following.last;
  const seen = last?.attempt;
  const retried =
    seen !== undefined && (seen > 1 || last?.lastFailure !== undefined || last?.nextAttemptAt !== undefined);
  if (seen !== undefined && !retried) return { ...result, attempt: seen };
  if (seen === undefined && result.status === "completed") return result;
  const description = await following.describeOnce();
  const attempt = description?.details?.attempt ?? description?.attempt ?? seen;
  return attempt === undefined ? result : { ...result, attempt };
}

/** The work an execution does, for following's "slower than usual" (follow/usual-latency.ts). */
function workGroup(spec: ExecutionSpec): string {
  return spec.kind === "activity"
    ? `activity ${spec.options.activityType} on ${spec.options.taskQueue}`
    : `nexus ${spec.options.service}/${spec.options.operation} on ${spec.options.endpoint}`;
}

/** The await's trouble as progress shows it. */
function serverProgress(trouble: ServerTrouble): NonNullable<ExecutionProgress["server"]> {
  const state = trouble.reason === "busy" ? "busy" : "noAnswer";
  return { state, since: trouble.since.toISOString(), message: trouble.message };
}

/**
 * Repeats `call` while the server answers "not now" (unavailable, busy, no answer), as the retry
 * rule says for calls that may give up (retry-rule.ts, "bounded"): a run outlives a server restart.
 * Stops (rethrowing) when `signal` aborts.
 */
export async function retryTransient<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  // Made at the first failure (it keeps no state before one): most calls never need it.
  let retry: NotNowRetry | undefined;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      retry ??= new NotNowRetry("bounded");
      const delay = signal.aborted ? undefined : retry.failed(error);
      if (delay === undefined) throw error;
      await sleep(delay, signal);
    }
  }
}

/** Asks Temporal to cancel; returns why it refused, or undefined when the request was accepted. */
async function requestCancel(
  executions: ExecutionClient<unknown>,
  id: string,
  runId: string | undefined,
  reason: string,
): Promise<string | undefined> {
  try {
    await executions.requestCancel(id, runId, reason);
    return undefined;
  } catch (error) {
    return stepErrorFromThrown(error).message;
  }
}

/** The outcome if it arrives within a moment (a refused cancel usually means it just closed). */
async function settledSoon<T>(outcome: Promise<T>): Promise<T | undefined> {
  const timeout = new AbortController();
  const result = await Promise.race([outcome, sleep(5_000, timeout.signal).then(() => undefined)]);
  timeout.abort();
  return result;
}

function closedOrAbandoned(
  settled: Settled | undefined,
  fromOutcome: (s: Settled) => ExecutionResult,
  base: { reused: boolean; runId?: string },
  refused: string,
): ExecutionResult {
  if (settled && "outcome" in settled) return fromOutcome(settled);
  return {
    ...base,
    status: "abandoned",
    remoteCancel: false,
    error: { message: `cancel request refused (${refused}); the execution was left running` },
  };
}

/**
 * waitRequested: polls Describe until the cancel request is known to have reached the execution
 * (activity: recorded as requested; Nexus: cancellation delivered to the handler), or it closed.
 */
async function waitForCancelDelivered(
  executions: ExecutionClient<unknown>,
  id: string,
  runId: string | undefined,
  outcome: Promise<{ outcome: Outcome } | { error: unknown }>,
  stopped: Promise<void>,
): Promise<{ closed?: { outcome: Outcome } | { error: unknown }; problem?: string }> {
  let interval = DESCRIBE_INTERVAL_MS;
  let closed: { outcome: Outcome } | { error: unknown } | undefined;
  let stop = false;
  void outcome.then((settled) => {
    closed = settled;
  });
  void stopped.then(() => {
    stop = true;
  });
  for (;;) {
    if (closed) return "outcome" in closed ? { closed } : {};
    if (stop) return {};
    try {
      const description = await executions.describe(id, runId);
      if (description.status !== "running" && description.status !== "paused" && description.outcome) {
        return { closed: { outcome: description.outcome } };
      }
      if (executions.kind === "activity" && description.cancelRequested) return {};
      const state = description.cancellationState?.toLowerCase();
      if (state === "succeeded") return {};
      if (state === "failed" || state === "timedout" || state === "timed_out") {
        return { problem: `the cancel request could not be delivered (cancellation state: ${state})` };
      }
    } catch {
      // A transient describe failure: the next round will tell.
    }
    const wake = new AbortController();
    await Promise.race([sleep(interval, wake.signal), outcome, stopped]);
    wake.abort();
    interval = Math.min(interval * 2, DESCRIBE_INTERVAL_MAX_MS);
  }
}
