/**
 * Which step an execution belongs to, read back from its ID. Execution IDs are the engine's
 * documented contract (src/engine/execution-ids.ts): `<run>.<step>`, an item `<run>.<step>.<index>`,
 * a repeat check `<...>.check-<n>`, a compensation `<run>.<step>.compensate`, and a uses step's
 * pipeline running under `<run>.<step>[.<index>]` as its run ID. Step IDs never hold a dot or start
 * with a digit, so the segments say which is which.
 */
import type { Pipeline, Step } from "../pipeline/model.js";

export interface ExecutionSite {
  /** The step's path (`deploy`, `db.createDb`), as mocks name it. */
  readonly stepPath: string;
  /** The run record's path: `deploy`, `deploy[1]` for an item, `db[2].createDb` inside a uses item. */
  readonly recordPath: string;
  readonly step: Step;
  /** forEach: the item of this step (not of a uses step above it). */
  readonly index?: number;
  /** repeat: the check's number, from 1. */
  readonly check?: number;
  readonly compensation: boolean;
  /** The step's execution ID without item, check or compensation: where its forEach was evaluated. */
  readonly baseId: string;
}

export function executionSite(runId: string, pipeline: Pipeline, id: string): ExecutionSite | undefined {
  if (!id.startsWith(`${runId}.`)) return undefined;
  const segments = id.slice(runId.length + 1).split(".");
  let current = pipeline;
  let stepPath = "";
  let recordPath = "";
  const consumed: string[] = [runId];
  for (let i = 0; i < segments.length; ) {
    const stepId = segments[i++] as string;
    const step = [...current.steps, ...current.finally].find((s) => s.id === stepId);
    if (!step) return undefined;
    const dot = stepPath === "" ? "" : ".";
    stepPath += `${dot}${stepId}`;
    recordPath += `${dot}${stepId}`;
    consumed.push(stepId);
    const baseId = consumed.join(".");
    let index: number | undefined;
    if (i < segments.length && /^\d+$/.test(segments[i] as string)) {
      index = Number(segments[i++]);
      recordPath += `[${index}]`;
    }
    if (step.call.kind === "uses" && i < segments.length) {
      current = step.call.pipeline;
      if (index !== undefined) consumed.push(String(index));
      continue;
    }
    const next = segments[i];
    if (next === undefined) return { stepPath, recordPath, step, index, compensation: false, baseId };
    const check = /^check-(\d+)$/.exec(next);
    if (check && i + 1 === segments.length)
      return { stepPath, recordPath, step, index, check: Number(check[1]), compensation: false, baseId };
    if (next === "compensate" && i + 1 === segments.length)
      return { stepPath, recordPath, step, index, compensation: true, baseId };
    return undefined;
  }
  return undefined;
}
