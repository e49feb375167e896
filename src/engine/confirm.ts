/**
 * Confirm gates: a person approves through the reporter (a TTY prompt), or `--yes` (`yes: true`) approves.
 * Without either the step fails and says how to approve, rather than hanging a CI job.
 */
import { approveConfirmHint } from "../pipeline/confirm-approval.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Step } from "../pipeline/model.js";
import { onAbort } from "./abort.js";
import type { StepRecord } from "./events.js";
import type { RunContext } from "./run-context.js";

export async function runConfirm(
  ctx: RunContext,
  step: Step,
  promptValue: CompiledValue,
  record: StepRecord,
  signal: AbortSignal,
): Promise<void> {
  const evaluated = await ctx.evaluate(promptValue, ctx.scope());
  const prompt = typeof evaluated === "string" ? evaluated : JSON.stringify(evaluated);
  record.status = "running";
  record.startedAt = new Date().toISOString();
  record.summary = prompt;
  ctx.reporter.onStepStart?.({ stepId: step.id, record });
  if (ctx.yes) {
    record.status = "completed";
    record.output = true;
    return;
  }
  const aborted = onAbort(signal);
  // The question alone must keep the process alive: the view draws it on an unref'd timer
  // (src/report/tui/mount.tsx), so once the last execution ends nothing else may hold the event
  // loop, and Node would exit 0 with the question never shown (seen after a followed step).
  const waiting = setInterval(() => {}, 60_000);
  const answer = await new Promise<boolean | "nobody" | "cancelled">((resolve) => {
    void aborted.promise.then(() => resolve("cancelled"));
    const asked =
      ctx.reporter.onConfirm?.({ stepId: step.id, prompt, answer: (approved) => resolve(approved) }) ?? false;
    if (!asked) resolve("nobody");
  });
  clearInterval(waiting);
  aborted.dispose();
  switch (answer) {
    case true:
      record.status = "completed";
      record.output = true;
      return;
    case false:
      record.status = "failed";
      record.error = { message: `not approved: ${prompt}`, type: "ConfirmDeclined" };
      return;
    case "nobody":
      record.status = "failed";
      record.error = {
        message: `confirm step '${step.id}' needs approval ("${prompt}") and nobody can answer it: ${approveConfirmHint(ctx.confirmCaller)}`,
        type: "ConfirmUnanswered",
      };
      return;
    case "cancelled":
      record.status = "canceled";
      return;
    default: {
      const never: never = answer;
      throw new Error(`unknown answer ${String(never)}`);
    }
  }
}
