/**
 * An in-memory stand-in for the client layer, for unit tests of the engine's scheduling logic only
 * (end-to-end tests use the real server). Temporal's ID semantics are the product's double's
 * (src/testing/mock-temporal.ts, which this extends); here executions are run by handlers in real
 * time, which may honour or ignore a cancel request, and the test can count what is in flight,
 * complete an execution from outside, and make every await see server trouble.
 */
import { realClock } from "../../../src/engine/clock.js";
import type { ServerTrouble } from "../../../src/temporal/retry-rule.js";
import type { AwaitOptions, Outcome } from "../../../src/temporal/types.js";
import { type MockExecution, MockTemporal } from "../../../src/testing/mock-temporal.js";

export interface HandlerContext {
  id: string;
  /** Aborts when a cancel is requested. */
  signal: AbortSignal;
}

/** An activity (by type) or Nexus operation (by `service/operation`): resolve = completed, throw = failed. */
export type Handler = (input: unknown, ctx: HandlerContext) => Promise<unknown>;

export class CancelledByHandler extends Error {
  override name = "CancelledByHandler";
}

function noMocks(): never {
  throw new Error("FakeTemporal runs handlers, not mocks");
}

export class FakeTemporal extends MockTemporal {
  override readonly address = "fake:7233";
  override readonly namespace = "default";
  inFlight = 0;
  maxInFlight = 0;
  /** When set, every await is told this trouble at once, and that it ended just before its outcome. */
  awaitTrouble: ServerTrouble | undefined;
  private readonly cancels = new Map<MockExecution, AbortController>();

  constructor(readonly handlers: Record<string, Handler>) {
    super(realClock, noMocks, "run");
  }

  /** Completes a running execution from outside (as a worker would). */
  complete(id: string, result: unknown): void {
    const execution = this.latest(id);
    if (execution) this.closeWith(execution, { status: "completed", result });
  }

  protected override async run(execution: MockExecution): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const handler = this.handlers[execution.type];
    if (!handler) {
      this.closeWith(execution, {
        status: "failed",
        failure: { message: `no handler for ${execution.type}`, type: "NotFound" },
      });
      return;
    }
    const cancel = new AbortController();
    this.cancels.set(execution, cancel);
    handler(execution.input, { id: execution.id, signal: cancel.signal }).then(
      (result) => this.closeWith(execution, { status: "completed", result }),
      (error: Error) =>
        this.closeWith(
          execution,
          error instanceof CancelledByHandler
            ? { status: "canceled", failure: { message: "canceled", kind: "canceled", type: "CanceledFailure" } }
            : { status: "failed", failure: { message: error.message, type: error.name } },
        ),
    );
  }

  /** The handler is told; whether the execution closes is up to it. */
  protected override cancelRequested(execution: MockExecution): void {
    this.cancels.get(execution)?.abort();
  }

  protected override closeWith(execution: MockExecution, outcome: Outcome): void {
    if (execution.outcome) return;
    this.inFlight--;
    this.cancels.delete(execution);
    super.closeWith(execution, outcome);
  }

  protected override async awaitOutcome(execution: MockExecution, options?: AwaitOptions): Promise<Outcome> {
    const trouble = this.awaitTrouble;
    if (trouble) options?.onTrouble?.(trouble);
    const outcome = await super.awaitOutcome(execution, options);
    if (trouble) options?.onTrouble?.(undefined);
    return outcome;
  }
}

/** Resolves after `ms`, or rejects with CancelledByHandler when `signal` aborts (a well-behaved handler). */
export function cancellableSleep<T>(ms: number, signal: AbortSignal, value: T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(value), ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new CancelledByHandler("cancelled"));
      },
      { once: true },
    );
  });
}
