/**
 * Execution IDs are the run's journal keys: a resumed run finds its executions on Temporal by
 * recomputing the same IDs, so these formats are part of the user-visible contract (docs/connecting.md,
 * "Operating runs from any terminal").
 */

const RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `yyyymmddThhmmssZ` in UTC, e.g. `20250102T030405Z`. */
export function formatRunTimestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`
  );
}

/** A fresh run ID: `<name>-<utc yyyymmddThhmmssZ>-<4 random [a-z0-9]>`. */
export function newRunId(name: string, now: Date = new Date(), random: () => number = Math.random): string {
  let suffix = "";
  for (let i = 0; i < 4; i++) suffix += RANDOM_ALPHABET[Math.floor(random() * RANDOM_ALPHABET.length)] ?? "0";
  return `${name}-${formatRunTimestamp(now)}-${suffix}`;
}

/**
 * The step's part of its execution IDs: `<stepId>` on its first attempt, `<stepId>@<n>` on the n-th
 * (a rerun with `--resume RUN --from STEP`), so a rerun never meets the executions of an earlier one.
 */
export function stepKey(stepId: string, attempt = 1): string {
  return attempt > 1 ? `${stepId}@${attempt}` : stepId;
}

/** `<runId>.<stepId>`: the one execution of a single step (`stepId` may carry an attempt, see stepKey). */
export function stepExecutionId(runId: string, stepId: string): string {
  return `${runId}.${stepId}`;
}

/** `<runId>.<stepId>.<index>`: one forEach item. */
export function itemExecutionId(runId: string, stepId: string, index: number): string {
  return `${runId}.${stepId}.${index}`;
}

/** `<runId>.<stepId>.compensate`: a completed step's compensation. */
export function compensationExecutionId(runId: string, stepId: string): string {
  return `${runId}.${stepId}.compensate`;
}

/** `<runId>.<stepId>.<index>.compensate`: the compensation of one completed forEach item. */
export function itemCompensationExecutionId(runId: string, stepId: string, index: number): string {
  return `${itemExecutionId(runId, stepId, index)}.compensate`;
}

/** `<executionId>.check-<n>`: attempt n (1-based) of a repeated step or forEach item. */
export function repeatExecutionId(baseId: string, attempt: number): string {
  return `${baseId}.check-${attempt}`;
}
