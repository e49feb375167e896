/**
 * `repeat:` polls an activity or Nexus operation until a condition holds. Each attempt is its own
 * execution, `<id>.check-<n>`, started with the run's resume policy (execution.ts): a resumed run
 * walks the attempts the server already holds (a completed one is read back, not run again), so the
 * count goes on where it was and no finished attempt runs twice. Between attempts nxrun waits
 * `every`, except after an attempt read back on resume whose successor exists already. Retrying a
 * failing attempt stays the retry policy's job: a failed attempt fails the step.
 */

import type { CompiledValue } from "../pipeline/expr/compiled.js";
import { ExpressionError } from "../pipeline/expr/expression-error.js";
import type { Scope } from "../pipeline/expr/scope.js";
import { isTruthy } from "../pipeline/expr/truthy.js";
import type { Step, TemporalStepCall } from "../pipeline/model.js";
import { executionsOf } from "../temporal/executions-of.js";
import { NotFoundError } from "../temporal/service-errors.js";
import { buildExecutionSpec } from "./call-spec.js";
import type { ItemRecord, RepeatProgress, StepRecord } from "./events.js";
import { type ExecutionResult, retryTransient, runExecution } from "./execution.js";
import { repeatExecutionId } from "./execution-ids.js";
import type { RunContext } from "./run-context.js";

/** What a repeat reports to: the step's record or the item's, and how to tell reporters it changed. */
export interface RepeatTarget {
  readonly record: StepRecord | ItemRecord;
  update(): void;
}

/**
 * Runs the attempts of a repeated step (or item) to the end of the repeat; returns the last
 * attempt's result, turned into a failure of its own type when the limit or the timeout is reached.
 * Undefined when the run was cancelled before the first attempt could start.
 */
export async function runRepeated(
  ctx: RunContext,
  step: Step,
  call: TemporalStepCall,
  scope: Scope,
  baseId: string,
  target: RepeatTarget,
  runSignal: AbortSignal,
): Promise<ExecutionResult | undefined> {
  const repeat = step.repeat;
  if (!repeat) throw new Error(`step ${step.id} has no repeat`);
  const { record } = target;
  const timeoutController = new AbortController();
  // The timeout counts from attempt 1's start, which a resumed run reads back from the server.
  const deadline =
    repeat.timeout === undefined
      ? undefined
      : ((await startedAt(ctx, call, repeatExecutionId(baseId, 1), runSignal)) ?? ctx.clock.now()) + repeat.timeout;
  const stopTimer =
    deadline === undefined
      ? undefined
      : ctx.clock.setTimer(() => timeoutController.abort(), Math.max(0, deadline - ctx.clock.now()));
  const signal = AbortSignal.any([runSignal, timeoutController.signal]);
  const fixed = {
    ...(repeat.limit === undefined ? {} : { limit: repeat.limit }),
    ...(deadline === undefined ? {} : { timeoutAt: new Date(deadline).toISOString() }),
  };
  const progress = (p: RepeatProgress) => {
    record.repeat = p;
    target.update();
  };
  const timedOut = (attempts: number, last: ExecutionResult | undefined): ExecutionResult => ({
    status: "failed",
    reused: false,
    remoteCancel: false,
    ...(last?.output === undefined ? {} : { output: last.output }),
    error: {
      type: "RepeatTimedOut",
      message: `repeat timed out after ${seconds(repeat.timeout ?? 0)} and ${attempts} check(s) with until still false${lastOutput(last)}`,
    },
  });
  progress({ attempt: 0, ...fixed });
  let last: ExecutionResult | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      const id = repeatExecutionId(baseId, attempt);
      // Past the timeout (a resumed run), an attempt the server holds is still read back: a repeat that
      // ended before the kill must not turn into a timeout on resume.
      const pastTimeout = timeoutController.signal.aborted && !runSignal.aborted;
      const heldOnly = pastTimeout && (await exists(ctx, call, id, runSignal));
      const result = await runAttempt(ctx, step, call, scope, id, target, heldOnly ? runSignal : signal);
      const byTimeout = timeoutController.signal.aborted && !runSignal.aborted;
      if (result === undefined) {
        if (byTimeout) return timedOut(attempt - 1, last);
        return last === undefined ? undefined : { ...last, status: "canceled" };
      }
      if (result.status !== "completed") return byTimeout ? timedOut(attempt, result) : result;
      last = result;
      const done = { attempt, ...fixed, ...(result.output === undefined ? {} : { lastOutput: result.output }) };
      // An until that throws still counts the check it was given (the step's line says "after 1 check(s)").
      const holds = await untilHolds(ctx, repeat.until, { ...scope, output: result.output, attempt }).catch(
        (error: unknown) => {
          progress(done);
          throw error;
        },
      );
      if (holds) {
        progress(done);
        return result;
      }
      if (repeat.limit !== undefined && attempt >= repeat.limit) {
        progress(done);
        return {
          ...result,
          status: "failed",
          error: {
            type: "RepeatLimitReached",
            message: `until was still false after ${attempt} checks (limit ${repeat.limit})${lastOutput(result)}`,
          },
        };
      }
      const nextMs = ctx.clock.now() + repeat.every;
      // On resume, an attempt read back whose successor the server holds: go straight on to it, even
      // past the timeout (that successor started before it passed).
      const skipWait = result.reused && (await exists(ctx, call, repeatExecutionId(baseId, attempt + 1), runSignal));
      if (!skipWait && deadline !== undefined && nextMs > deadline) {
        progress(done);
        return timedOut(attempt, result);
      }
      progress(skipWait ? done : { ...done, nextAt: new Date(nextMs).toISOString() });
      if (!skipWait) await ctx.clock.sleep(repeat.every, signal);
      if (skipWait ? runSignal.aborted : signal.aborted) {
        progress(done);
        if (timeoutController.signal.aborted && !runSignal.aborted) return timedOut(attempt, result);
        return { ...result, status: "canceled" };
      }
    }
  } finally {
    stopTimer?.();
  }
}

/** One attempt: its own execution, holding a run-wide slot only while it is in flight. */
async function runAttempt(
  ctx: RunContext,
  step: Step,
  call: TemporalStepCall,
  scope: Scope,
  id: string,
  target: RepeatTarget,
  signal: AbortSignal,
): Promise<ExecutionResult | undefined> {
  const { record } = target;
  const spec = await buildExecutionSpec(ctx, call, step, scope, id);
  if (spec.options.summary !== undefined && "id" in record) record.summary = spec.options.summary;
  if (!(await ctx.slots.acquire(signal))) return undefined;
  try {
    record.execution = { kind: spec.kind, executionId: id };
    target.update();
    return await runExecution(ctx, spec, step.cancellation, signal, {
      keepFailure: ctx.keepsFailure(step),
      readOnly: ctx.readsBackOnly(step),
      onStarted: (runId) => {
        if (record.execution) record.execution.runId = runId;
        target.update();
      },
    });
  } finally {
    ctx.slots.release();
  }
}

/** Evaluates `until`; when it throws, the error says what it was given (masked with the run's events). */
async function untilHolds(ctx: RunContext, until: CompiledValue, scope: Scope): Promise<boolean> {
  try {
    return isTruthy(await ctx.evaluate(until, scope));
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    const given = `; it was given $attempt ${scope.attempt} and $output ${shortJson(scope.output)}`;
    throw error.withDetail(given);
  }
}

/** Whether the server holds the execution `id` (an attempt an earlier run of this run ID started). */
async function exists(ctx: RunContext, call: TemporalStepCall, id: string, signal: AbortSignal): Promise<boolean> {
  return (await describeHeld(ctx, call, id, signal)) !== undefined;
}

/** When the server scheduled the execution `id` (ms), or undefined when it holds none. */
async function startedAt(
  ctx: RunContext,
  call: TemporalStepCall,
  id: string,
  signal: AbortSignal,
): Promise<number | undefined> {
  return (await describeHeld(ctx, call, id, signal))?.startTime?.getTime();
}

async function describeHeld(ctx: RunContext, call: TemporalStepCall, id: string, signal: AbortSignal) {
  const executions = executionsOf(ctx.client, call.kind);
  try {
    return await retryTransient(() => executions.describe(id), signal);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** `; last output {"healthy":false}`, kept short: a poll's output can be large. */
function lastOutput(result: ExecutionResult | undefined): string {
  if (result?.output === undefined) return "";
  return `; last output ${shortJson(result.output)}`;
}

/** A value as JSON, kept short: a poll's output can be large. */
function shortJson(value: unknown): string {
  const text = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
