/**
 * `--from` reads back the steps its rerun steps depend on and never starts them (src/engine/read-back.ts).
 * One of them that never completed makes the rerun impossible: this finds it before the session
 * opens, so nothing is recorded and nothing starts. It describes each upstream activity or Nexus
 * step's execution by ID (what visibility lists may lag); the kinds it cannot judge from one
 * execution (forEach, repeat, uses, wait, confirm, and a step with `when` and no execution) are left
 * to the engine, which refuses the same way once it has read them back.
 */
import { stepExecutionId, stepKey } from "../../engine/execution-ids.js";
import { type NotRun, upstreamRefusal } from "../../engine/read-back.js";
import type { Pipeline, Step } from "../../pipeline/model.js";
import { executionsOf } from "../../temporal/executions-of.js";
import { NotFoundError } from "../../temporal/service-errors.js";
import type { TemporalClient } from "../../temporal/types.js";

/** Refuses (exit 2) when a step of `upstream` has an execution that did not complete, or has none. */
export async function refuseUnfinishedUpstream(
  client: TemporalClient,
  pipeline: Pipeline,
  runId: string,
  attempts: ReadonlyMap<string, number>,
  upstream: readonly string[],
  from: readonly string[],
): Promise<void> {
  const unfinished: NotRun[] = [];
  for (const id of upstream) {
    const step = pipeline.steps.find((s) => s.id === id);
    if (step === undefined) continue;
    const found = await unfinishedState(client, step, stepExecutionId(runId, stepKey(id, attempts.get(id))));
    if (found !== undefined) unfinished.push({ id, found });
  }
  if (unfinished.length > 0) throw upstreamRefusal(pipeline, runId, from, unfinished);
}

/** What keeps the step's one execution from being read back (`never started`, `it ended failed`), or undefined. */
async function unfinishedState(client: TemporalClient, step: Step, executionId: string): Promise<string | undefined> {
  const { call } = step;
  if ((call.kind !== "activity" && call.kind !== "nexus") || step.forEach !== undefined || step.repeat)
    return undefined;
  let status: string;
  try {
    status = (await executionsOf(client, call.kind).describe(executionId)).status;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    // Its `when` may have skipped it: the engine evaluates that when it reads the step back.
    return step.when === undefined ? "never started" : undefined;
  }
  if (status === "completed") return undefined;
  if (status === "running" || status === "paused") return "still running";
  if (step.onError === "continue" && status !== "terminated") return undefined;
  return `it ended ${status === "timedOut" ? "timed out" : status}`;
}
