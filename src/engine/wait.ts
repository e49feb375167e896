/**
 * Wait steps: a pause for a duration or until a time, ended at once when the run is cancelled.
 *
 * A resumed run must wait only what is left of a duration, so the wait's beginning is kept on
 * Temporal, the run's journal: a marker execution, the standalone activity `<runId>.<stepId>` of
 * type `nxrun.wait` on a task queue no worker polls. Its schedule time (as the server records it) is
 * when the wait began. A resumed run describes the marker before anything else: found, it waits
 * the rest (nothing when the wait is over); not found, the wait begins now. When the wait ends, or
 * the run is cancelled, nxrun cancels the marker so nothing is left scheduled. A wait until a time
 * needs no marker: the time says it all.
 */

import { formatDuration, type WaitTarget } from "../pipeline/duration.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Step } from "../pipeline/model.js";
import { waitTargetOf } from "../pipeline/value-forms.js";
import { NotFoundError } from "../temporal/service-errors.js";
import type { StepRecord } from "./events.js";
import { RESUME_ID_REUSE_POLICY, retryTransient } from "./execution.js";
import { stepExecutionId } from "./execution-ids.js";
import { NotRunError } from "./read-back.js";
import type { RunContext } from "./run-context.js";

/** Activity type of a wait's marker execution. */
export const WAIT_MARKER_TYPE = "nxrun.wait";
/** Task queue of the markers: no worker polls it, so a marker stays scheduled until nxrun cancels it. */
export const WAIT_MARKER_TASK_QUEUE = "nxrun-wait-markers";
/** A marker outlives its wait by this much, so a run killed and never resumed leaves nothing behind for long. */
const MARKER_GRACE_MS = 60 * 60_000;

export async function runWait(
  ctx: RunContext,
  step: Step,
  value: CompiledValue,
  record: StepRecord,
  signal: AbortSignal,
): Promise<void> {
  const target = waitTargetOf(value, await ctx.evaluate(value, ctx.scope()));
  record.status = "running";
  record.startedAt = new Date().toISOString();
  const marker = "durationMs" in target ? await beginMarker(ctx, step, target, record, signal) : undefined;
  const untilMs = marker
    ? marker.beganMs + (target as { durationMs: number }).durationMs
    : (target as { untilMs: number }).untilMs;
  record.waitUntil = new Date(untilMs).toISOString();
  record.summary = waitSummary(target, untilMs, marker?.resumed === true, ctx.clock.now());
  ctx.reporter.onStepStart?.({ stepId: step.id, record });
  try {
    await ctx.clock.sleep(Math.max(0, untilMs - ctx.clock.now()), signal);
  } finally {
    if (marker) await endMarker(ctx, marker.id, marker.runId);
  }
  if (ctx.clock.now() < untilMs) {
    record.status = "canceled";
    return;
  }
  record.status = "completed";
  record.output = { until: record.waitUntil };
}

/** Finds the marker of an earlier attempt of this run, or starts one; returns when the wait began. */
async function beginMarker(
  ctx: RunContext,
  step: Step,
  target: { durationMs: number },
  record: StepRecord,
  signal: AbortSignal,
): Promise<{ id: string; runId: string; beganMs: number; resumed: boolean }> {
  const activities = ctx.client.activities;
  const id = stepExecutionId(ctx.runId, ctx.stepKey(step.id));
  record.execution = { kind: "activity", executionId: id };
  try {
    const found = await retryTransient(() => activities.describe(id), signal);
    if (found.startTime !== undefined) {
      record.execution.runId = found.runId;
      record.reused = true;
      return { id, runId: found.runId, beganMs: found.startTime.getTime(), resumed: true };
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  // A wait --from reads back only (read-back.ts) never began unless its marker is there.
  if (ctx.readsBackOnly(step)) throw new NotRunError(id, "never started");
  const beganMs = ctx.clock.now();
  const started = await retryTransient(
    () =>
      activities.start({
        id,
        activityType: WAIT_MARKER_TYPE,
        taskQueue: WAIT_MARKER_TASK_QUEUE,
        args: [{ durationMs: target.durationMs }],
        scheduleToClose: target.durationMs + MARKER_GRACE_MS,
        summary: `nxrun wait ${formatDuration(target.durationMs)} (marker: no worker runs it)`,
        idConflictPolicy: "useExisting",
        idReusePolicy: RESUME_ID_REUSE_POLICY,
      }),
    signal,
  );
  record.execution.runId = started.runId;
  return { id, runId: started.runId, beganMs, resumed: false };
}

/** Cancels the marker; a marker already closed (or a server gone) changes nothing about the wait. */
async function endMarker(ctx: RunContext, id: string, runId: string): Promise<void> {
  try {
    await ctx.client.activities.requestCancel(id, runId, `nxrun run ${ctx.runId}: the wait is over`);
  } catch {
    // Closed already (an earlier attempt ended it) or timed out: either way nothing is left scheduled.
  }
}

/** `waiting 5m, until 19:30:00Z` or, resumed, `waiting the 2m10s left of 5m, until ...`. */
function waitSummary(target: WaitTarget, untilMs: number, resumed: boolean, nowMs: number): string {
  const until = `until ${new Date(untilMs).toISOString().slice(11, 19)}Z`;
  if (!("durationMs" in target)) return `waiting ${until}`;
  const left = Math.max(0, untilMs - nowMs);
  if (!resumed) return `waiting ${formatDuration(target.durationMs)}, ${until}`;
  if (left === 0) return `the wait of ${formatDuration(target.durationMs)} was over already`;
  return `waiting the ${formatDuration(Math.round(left / 1000) * 1000)} left of ${formatDuration(target.durationMs)}, ${until}`;
}
