/** The names an expression can see while a run is evaluated (see docs/language.md, "Expressions"). */

/** A step's status as `$steps.<id>.status` shows it; the engine's events and reporters use the same names. */
export type StepStatus =
  | "pending"
  | "running"
  | "completed"
  | "failed"
  | "timedOut"
  | "canceled"
  | "terminated"
  | "skipped"
  | "abandoned"
  /** It completed, and the run's rollback undid it (src/engine/compensation.ts). */
  | "compensated"
  /** It completed, and the run's rollback tried to undo it and failed. */
  | "compensationFailed"
  /** Running when the run's nxrun stopped part-way (killed): what `status` and `watch` show of it. */
  | "interrupted"
  /** A compensation still running on the server after the run's nxrun stopped part-way: `status` and `watch`. */
  | "compensating";

export interface StepView {
  readonly output?: unknown;
  readonly status: StepStatus;
  readonly error?: { message: string; type?: string; nonRetryable?: boolean; cause?: unknown };
  readonly executionId?: string;
  readonly runId?: string;
  readonly startedAt?: string;
  readonly closedAt?: string;
}

export interface Scope {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly steps: Readonly<Record<string, StepView>>;
  readonly run: { readonly id: string; readonly name: string; readonly startedAt: string; readonly status?: string };
  /** Inside forEach only. */
  readonly item?: unknown;
  readonly index?: number;
  /**
   * repeat.until: the output of the attempt just finished; compensate: the output of what it undoes
   * (the step's, or in a forEach the item's).
   */
  readonly output?: unknown;
  readonly attempt?: number;
}

/**
 * The fields nxrun defines on `$steps.<id>`, `$steps.<id>.error` and `$run`: any other field is a
 * typo that would evaluate to nothing, so `check` reports it (src/pipeline/expr/references.ts).
 * The `satisfies` clauses and the checks below keep these lists equal to the types above.
 */
export const STEP_VIEW_FIELDS = [
  "output",
  "status",
  "error",
  "executionId",
  "runId",
  "startedAt",
  "closedAt",
] as const satisfies ReadonlyArray<keyof StepView>;
export const STEP_ERROR_FIELDS = ["message", "type", "nonRetryable", "cause"] as const satisfies ReadonlyArray<
  keyof NonNullable<StepView["error"]>
>;
export const RUN_FIELDS = ["id", "name", "startedAt", "status"] as const satisfies ReadonlyArray<keyof Scope["run"]>;

type Complete<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const listsAreComplete: [
  Complete<keyof StepView, (typeof STEP_VIEW_FIELDS)[number]>,
  Complete<keyof NonNullable<StepView["error"]>, (typeof STEP_ERROR_FIELDS)[number]>,
  Complete<keyof Scope["run"], (typeof RUN_FIELDS)[number]>,
] = [true, true, true];
void listsAreComplete;
