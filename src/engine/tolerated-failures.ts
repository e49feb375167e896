import type { ToleratedFailures } from "../pipeline/model.js";

/**
 * How many of `total` forEach items may fail before the step fails. A percentage rounds down, so
 * "10%" of 5 items tolerates none: a tolerance should never be more generous than written.
 */
export function allowedFailures(tolerated: ToleratedFailures | undefined, total: number): number {
  if (tolerated === undefined) return 0;
  if ("count" in tolerated) return tolerated.count;
  return Math.floor((total * tolerated.percent) / 100 + 1e-9);
}
