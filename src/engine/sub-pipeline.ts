/**
 * `uses:` runs another pipeline as one step (or one forEach item). The sub-pipeline runs in its own
 * RunContext whose run ID is the step's execution ID (`<runId>.<stepId>`, or `<runId>.<stepId>.<index>`
 * for an item), so its executions are `<runId>.<stepId>.<substep>` and resume and rerun work
 * inside it as anywhere. It shares the caller's run-wide limit, executions in flight, record list
 * and completion order: its steps are records of the run (IDs `db.createDb`, parent `db`), and its
 * compensations join the caller's, in reverse completion order, when the caller's run fails. It
 * never compensates on its own. Its `finally` runs when it ends; its `outputs` are the step's output.
 */
import type { Scope } from "../pipeline/expr/scope.js";
import type { Step, StepCall } from "../pipeline/model.js";
import { withInputs, withProblems } from "../pipeline/with-inputs.js";
import { NEVER_ABORTED } from "./abort.js";
import type { ItemEvent, Reporter, RunStatus, StepError, StepStatus, StepUpdate } from "./events.js";
import { RunContext, runStatusOf } from "./run-context.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { computeVars } from "./vars.js";

type UsesCall = Extract<StepCall, { kind: "uses" }>;

export interface SubPipelineResult {
  status: Exclude<StepStatus, "pending" | "running" | "skipped">;
  output?: unknown;
  error?: StepError;
}

/** with: values that the used pipeline's input schemas refuse, found when the run evaluated them. */
class SubPipelineInputError extends Error {
  override readonly name = "SubPipelineInput";
}

/**
 * Runs the used pipeline under `subRunId`; its records are the caller's prefix + `prefix` + the
 * step ID (`db.createDb`, `db[2].createDb`), their parent the uses step's record. Cancelled with the
 * caller's `signal`. `index` is the forEach item it runs for, if any.
 */
export async function runSubPipeline(
  ctx: RunContext,
  step: Step,
  call: UsesCall,
  scope: Scope,
  subRunId: string,
  prefix: string,
  signal: AbortSignal,
  index?: number,
): Promise<SubPipelineResult> {
  const used = call.pipeline;
  const recordPrefix = `${ctx.recordPrefix}${prefix}`;
  const parentRecordId = `${ctx.recordPrefix}${step.id}`;
  const evaluated = await ctx.evaluate(call.with, scope);
  const values = (typeof evaluated === "object" && evaluated !== null ? evaluated : {}) as Record<string, unknown>;
  const problems = withProblems(used, values, new Set(Object.keys(values)));
  if (problems.length > 0) {
    throw new SubPipelineInputError(`with of step '${step.id}': ${problems.map((p) => p.message).join("; ")}`);
  }
  const child = new RunContext(
    used,
    ctx.client,
    subRunId,
    new Date().toISOString(),
    withInputs(used, values),
    ctx.secretsOf(used),
    prefixed(ctx.reporter, prefix),
    ctx.evaluator,
    ctx.slots.limit,
    ctx.yes,
    // A --from rerun of the uses step gives it a new key (db@2), so its steps start afresh under it;
    // one of a step inside it (--from db.migrate) gives that step its own (db.migrate@2).
    ctx.attemptsUnder(step.id),
    0,
    {
      parent: ctx,
      recordPrefix,
      parentRecordId,
      continueOnError: step.onError === "continue",
      readBackAll: ctx.readsBackOnly(step),
      ...(index === undefined ? {} : { item: { stepId: step.id, index } }),
    },
  );
  for (const s of [...used.steps, ...used.finally]) {
    const record = {
      id: `${recordPrefix}${s.id}`,
      section: s.section,
      kind: s.call.kind,
      status: "pending" as const,
      parent: parentRecordId,
    };
    child.addRecord(record, s.id);
    // Announced now, so the view draws the nested plan before its steps start.
    ctx.reporter.onStepUpdate?.({ stepId: `${prefix}${s.id}`, record });
  }

  let byCaller = false;
  const onCancel = () => {
    byCaller = child.cancelledBecause === undefined;
    child.cancel(ctx.cancelledBecause ?? "signal");
  };
  signal.addEventListener("abort", onCancel, { once: true });
  if (signal.aborted) onCancel();
  const stopTimer =
    used.timeout === undefined ? undefined : ctx.clock.setTimer(() => child.cancel("timeout"), used.timeout);
  let outputs: Record<string, unknown> | undefined;
  let status: RunStatus;
  try {
    try {
      child.vars = await computeVars(used, child.scope(), ctx.evaluator);
    } catch (error) {
      child.failure = { message: `vars: ${stepErrorFromThrown(error).message}` };
      child.cancel("failure");
    }
    await child.runSection(child, used.steps, child.cancelSignal);
    status = subStatus(child, used.steps, byCaller);
    if (status === "completed") {
      try {
        outputs = {};
        for (const { name, value } of used.outputs) outputs[name] = await child.evaluate(value, child.scope());
      } catch (error) {
        child.failure = { message: `outputs: ${stepErrorFromThrown(error).message}` };
        status = "failed";
      }
    }
    child.runStatus = status;
    await child.runSection(child, used.finally, NEVER_ABORTED);
    status = subStatus(child, used.steps, byCaller, status);
  } finally {
    stopTimer?.();
    signal.removeEventListener("abort", onCancel);
  }
  switch (status) {
    case "completed":
      return { status: "completed", output: outputs ?? {} };
    case "failed":
      return {
        status: "failed",
        error: {
          message: `pipeline ${used.name} failed: ${child.failure?.message ?? "a step failed"}`,
          type: "SubPipelineFailed",
          ...(child.failure ? { cause: child.failure } : {}),
        },
      };
    case "timedOut":
      return { status: "timedOut", error: { message: `pipeline ${used.name} timed out`, type: "SubPipelineTimedOut" } };
    default:
      return { status: "canceled" };
  }
}

/**
 * The sub-pipeline's status. A cancel that came from its caller (another step failed, Ctrl-C, the
 * run's timeout) is neither its failure nor its timeout: it is canceled, or completed when every
 * one of its steps completed anyway, as an activity step that finishes despite the request is.
 */
function subStatus(child: RunContext, steps: readonly Step[], byCaller: boolean, sofar?: RunStatus): RunStatus {
  if (!byCaller) return runStatusOf(child, sofar);
  if (child.failure !== undefined || sofar === "failed") return "failed";
  return steps.every((s) => child.records.get(s.id)?.status === "completed") ? "completed" : "canceled";
}

/** The caller's reporter, with the sub-pipeline's step IDs prefixed (`db.createDb`). */
function prefixed(reporter: Reporter, prefix: string): Reporter {
  const step = (hook: "onStepStart" | "onStepUpdate" | "onStepEnd") => (event: StepUpdate) =>
    reporter[hook]?.({ ...event, stepId: `${prefix}${event.stepId}` });
  const item = (hook: "onItemStart" | "onItemEnd") => (event: ItemEvent) =>
    reporter[hook]?.({ ...event, stepId: `${prefix}${event.stepId}` });
  return {
    onStepStart: step("onStepStart"),
    onStepUpdate: step("onStepUpdate"),
    onStepEnd: step("onStepEnd"),
    onItemStart: item("onItemStart"),
    onItemEnd: item("onItemEnd"),
    onConfirm: (request) => reporter.onConfirm?.({ ...request, stepId: `${prefix}${request.stepId}` }) ?? false,
  };
}
