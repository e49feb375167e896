/**
 * The scheduler of one section (`steps`, or `finally`): starts every ready step, and when the
 * section's signal aborts stops starting new ones, lets the running ones end by their cancellation
 * type, and marks the rest skipped. The run-wide concurrency limit is applied per execution (see
 * Slots), so starting a step here only queues it for a slot.
 */
import type { Step } from "../pipeline/model.js";
import { Readiness } from "./readiness.js";
import type { RunContext } from "./run-context.js";
import { finishStep, runStep } from "./step-runner.js";

export function runSection(ctx: RunContext, steps: readonly Step[], signal: AbortSignal): Promise<void> {
  const readiness = new Readiness(steps);
  const byId = new Map(steps.map((s) => [s.id, s]));
  let running = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (!signal.aborted) {
        for (const step of readiness.takeReady()) {
          running++;
          runStep(ctx, step, signal).then(() => {
            running--;
            readiness.finish(step.id);
            pump();
          }, reject);
        }
      }
      if (running > 0) return;
      for (const id of readiness.neverStarted()) {
        const step = byId.get(id);
        const record = ctx.records.get(id);
        if (!step || !record) continue;
        if (!signal.aborted) {
          reject(new Error(`step ${id} never became ready: its dependencies form a cycle`));
          return;
        }
        record.status = "skipped";
        finishStep(ctx, step, record);
      }
      signal.removeEventListener("abort", pump);
      resolve();
    };
    signal.addEventListener("abort", pump, { once: true });
    pump();
  });
}
