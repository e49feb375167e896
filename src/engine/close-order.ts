/**
 * Reverse completion order across sessions. A resumed session reads back what earlier sessions
 * completed as it reaches each step, so the order it finishes them in is its own, not the order the
 * work was done in; a rollback goes by the server's close times instead (src/engine/compensation.ts),
 * as does finishing an earlier session's undo (earlier-undo.ts).
 */
import { eachAtMost } from "../base/each-at-most.js";
import { executionsOf } from "../temporal/executions-of.js";
import type { ExecutionRef } from "./events.js";
import { retryTransient } from "./execution.js";
import type { Completion, RunContext } from "./run-context.js";

/** Describes at a time while ordering a rollback. */
const DESCRIBES_AT_ONCE = 8;

/** `list` latest first by `time`; equal times keep their order. */
export function latestFirst<T>(list: readonly T[], time: (t: T) => number): T[] {
  return list
    .map((value, at) => ({ value, at, time: time(value) }))
    .sort((a, b) => b.time - a.time || a.at - b.at)
    .map((entry) => entry.value);
}

/**
 * The completions latest closed first by the server's close time of their executions (a forEach by
 * its latest item, its items reordered oldest first as `Completion.items.order` keeps them), each
 * with that time. A completion nothing is undone for (no compensate), or whose execution cannot be
 * described, keeps this session's time for it.
 */
export async function latestClosedFirst(
  ctx: RunContext,
  completions: readonly Completion[],
  signal: AbortSignal,
): Promise<Array<{ completion: Completion; closedAt: number }>> {
  const refs: ExecutionRef[] = [];
  for (const completion of completions) {
    if (completion.ctx.stepsById.get(completion.stepId)?.compensate === undefined) continue;
    const record = completion.ctx.records.get(completion.stepId);
    if (completion.items === undefined) refs.push(...(record?.execution ? [record.execution] : []));
    else
      for (const index of completion.items.order) {
        const execution = record?.items?.[index]?.execution;
        if (execution) refs.push(execution);
      }
  }
  const closed = new Map<string, number>();
  await eachAtMost(refs, DESCRIBES_AT_ONCE, async ({ kind, executionId }) => {
    try {
      const description = await retryTransient(() => executionsOf(ctx.client, kind).describe(executionId), signal);
      if (description.closeTime !== undefined) closed.set(executionId, description.closeTime.getTime());
    } catch {
      // Its place stays this session's: the rollback goes on.
    }
  });
  const timeOf = (id: string | undefined, local: string | undefined) =>
    (id === undefined ? undefined : closed.get(id)) ?? (local === undefined ? 0 : Date.parse(local));
  const timed = completions.map((completion) => {
    const record = completion.ctx.records.get(completion.stepId);
    if (completion.items === undefined)
      return { completion, closedAt: timeOf(record?.execution?.executionId, record?.closedAt) };
    const itemTime = (index: number) => {
      const item = record?.items?.[index];
      return timeOf(item?.execution?.executionId, item?.closedAt);
    };
    const order = latestFirst(completion.items.order, (index) => -itemTime(index));
    const closedAt = Math.max(0, ...order.map(itemTime));
    return { completion: { ...completion, items: { ...completion.items, order } }, closedAt };
  });
  // Latest first: what this session finished later goes first where the times are equal.
  return latestFirst(timed.reverse(), (t) => t.closedAt);
}
