/** The names an expression can see while a run is evaluated (see docs/language.md, "Expressions"). */
import type { StepStatus } from "../../engine/events.js";

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
}
