/**
 * `--resume RUN --from X` starts X and what depends on X, nothing else (docs/cli.md, "Rerunning from
 * a step"). The other steps are read back: their executions are looked up by ID, never started. A
 * step upstream of the rerun set that cannot be read back stops the run before anything starts; one
 * outside it is `skipped`, said as not run (NotRunError), and the run is not complete.
 */

import { UserError } from "../base/user-error.js";
import type { Pipeline } from "../pipeline/model.js";
import { downstreamOf } from "../pipeline/plan/build-plan.js";

/** What `--from` reads back, by step ID of the run's own `steps:`. */
export interface ReadBack {
  /** The steps `--from` named, for messages. */
  readonly from: readonly string[];
  /** Steps the rerun set reads: read back before any step of the set starts. */
  readonly upstream: ReadonlySet<string>;
  /** Steps neither rerun nor read by the rerun set: read back when done, else not run. */
  readonly outside: ReadonlySet<string>;
}

/** The error type a step not run for `--from` carries (its record's `error.type`). */
export const NOT_RUN_TYPE = "NotRun";

/** An execution a read-back step would have to start (or await): the step is not run. */
export class NotRunError extends Error {
  override readonly name = "NotRunError";
  constructor(
    readonly executionId: string,
    /** What the server has of it: `never started`, `failed`, `still running`, ... */
    readonly found: string,
  ) {
    super(`${executionId}: ${found}`);
  }
}

/** A step read back that was not there: its record ID and what the server had of it. */
export interface NotRun {
  readonly id: string;
  readonly found: string;
}

/**
 * The refusal of a `--from` whose rerun steps read a step that never completed (exit 2), with the
 * command that reruns from it instead. Said the same whether the session found it before opening
 * (src/runs/manifest/upstream-check.ts) or the engine did reading it back.
 */
export function upstreamRefusal(
  pipeline: Pipeline,
  runId: string,
  from: readonly string[],
  steps: readonly NotRun[],
): UserError {
  const named = steps.map((s) => `'${s.id}' (${s.found})`).join(", ");
  // Rerunning from the first of them reruns the others, which depend on it.
  const below = new Set(steps.flatMap((s) => [...downstreamOf(pipeline, s.id)]));
  const first = steps.map((s) => s.id).filter((id) => !below.has(id));
  const one = first.length === 1;
  // Placed at the first of them, the step the user looks at in the file.
  const at = pipeline.steps.find((s) => s.id === steps[0]?.id)?.position;
  const place = at === undefined ? "" : `${at.file}:${at.line}:${at.column}: `;
  return new UserError(
    `${place}--from ${from.join(", ")} needs ${named}, which ${steps.length === 1 ? "has" : "have"} not completed in run ${runId}; nothing was started`,
    {
      hint: `rerun from ${one ? "that step" : "those steps"} instead (what depends on ${one ? "it" : "them"} reruns too): nxrun run ${pipeline.file} --resume ${runId} ${first.map((id) => `--from ${id}`).join(" ")}`,
    },
  );
}

/**
 * `not run (outside --from b)`: what a step read back that was not done says; `upstream of` for one
 * the rerun steps read, `read back only` inside a used pipeline read back whole.
 */
export function notRunMessage(readBack: ReadBack | undefined, stepId: string | undefined): string {
  if (readBack === undefined || stepId === undefined) return "not run (read back only)";
  const where = readBack.upstream.has(stepId) ? "upstream of" : "outside";
  return `not run (${where} --from ${readBack.from.join(", ")})`;
}
