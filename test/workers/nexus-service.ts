/** The test worker's Nexus service: sync operations, workflow-run operations, and each handler error. */
import { startWorkflow, WorkflowRunOperationHandler } from "@temporalio/nexus";
import * as nexus from "nexus-rpc";
import type { WaitInput } from "./workflows.js";
import { shout, waitForCancel } from "./workflows.js";

export const TEST_SERVICE = "TestService";

export const testService = nexus.service(TEST_SERVICE, {
  echo: nexus.operation<unknown, unknown>(),
  greet: nexus.operation<{ name: string }, { greeting: string }>(),
  fail: nexus.operation<{ errorType: string; message?: string; retryable?: boolean }, never>(),
  shout: nexus.operation<{ text: string; ms?: number }, { text: string }>(),
  waitForCancel: nexus.operation<WaitInput, { finished: true }>(),
  noop: nexus.operation<unknown, null>(),
  flaky: nexus.operation<{ key: string; failTimes: number }, { attempts: number }>(),
});

/** Attempts of the `flaky` operation per key, in this worker process. */
const flakyAttempts = new Map<string, number>();

export const testServiceHandler = nexus.serviceHandler(testService, {
  async echo(_ctx, input) {
    return input;
  },
  async greet(_ctx, input) {
    return { greeting: `Hello, ${input.name}!` };
  },
  async noop() {
    return null;
  },
  /** Fails with a retryable handler error `failTimes` times per key, then succeeds: a Nexus operation Temporal retries. */
  async flaky(_ctx, input) {
    const attempts = (flakyAttempts.get(input.key) ?? 0) + 1;
    flakyAttempts.set(input.key, attempts);
    if (attempts <= input.failTimes) {
      throw new nexus.HandlerError("INTERNAL", `flaky handler: attempt ${attempts} fails on purpose`, {
        retryableOverride: true,
      });
    }
    return { attempts };
  },
  async fail(_ctx, input) {
    if (input.errorType === "OPERATION_FAILED") {
      throw new nexus.OperationError("failed", input.message ?? "the operation failed on purpose");
    }
    // The handler's own "canceled" answer, with no cancel request: the step's outcome, not a cancelled run.
    if (input.errorType === "OPERATION_CANCELED") {
      throw new nexus.OperationError("canceled", input.message ?? "the operation was canceled by its handler");
    }
    throw new nexus.HandlerError(
      input.errorType as nexus.HandlerErrorType,
      input.message ?? `handler error ${input.errorType}`,
      {
        ...(input.retryable === undefined ? {} : { retryableOverride: input.retryable }),
      },
    );
  },
  shout: new WorkflowRunOperationHandler<{ text: string; ms?: number }, { text: string }>(async (ctx, input) =>
    startWorkflow(ctx, shout, { workflowId: `shout-${ctx.requestId}`, args: [input] }),
  ),
  waitForCancel: new WorkflowRunOperationHandler<WaitInput, { finished: true }>(async (ctx, input) =>
    startWorkflow(ctx, waitForCancel, { workflowId: `wait-${input.recordKey}-${ctx.requestId}`, args: [input] }),
  ),
});
