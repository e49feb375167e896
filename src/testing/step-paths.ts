/**
 * The steps a test may name: the pipeline's own (`deploy`) and, through `uses:`, those of the
 * pipelines it runs, by their dotted path (`db.createDb`), as the run record names them.
 */
import type { Pipeline, Step } from "../pipeline/model.js";

export interface StepSite {
  /** `deploy`, or `db.createDb` inside uses step db. */
  readonly path: string;
  readonly step: Step;
}

/** Every step of `pipeline` and of the pipelines it uses, by path, in file order. */
export function stepSites(pipeline: Pipeline, prefix = ""): Map<string, StepSite> {
  const sites = new Map<string, StepSite>();
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    const path = `${prefix}${step.id}`;
    sites.set(path, { path, step });
    if (step.call.kind === "uses") for (const [p, s] of stepSites(step.call.pipeline, `${path}.`)) sites.set(p, s);
  }
  return sites;
}

/** `deploy[1].x[0]` → `deploy.x`: the step path of a record or item path. */
export function stepPathOf(recordPath: string): string {
  return recordPath.replace(/\[\d+\]/g, "");
}
