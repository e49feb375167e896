/** Workflows behind the test worker's workflow-run Nexus operations. */
import { CancellationScope, isCancellation, proxyActivities, sleep, workflowInfo } from "@temporalio/workflow";
import type * as activities from "./activities.js";

const { recordEvent } = proxyActivities<typeof activities>({ startToCloseTimeout: "10s" });

export interface WaitInput {
  recordKey: string;
  /** Finish on its own after this long; absent means run until cancelled. */
  ms?: number;
  /** After seeing cancellation, keep going this long before ending canceled. */
  cleanupMs?: number;
}

/** Runs until cancelled (or `ms`), recording what it saw. */
export async function waitForCancel(input: WaitInput): Promise<{ finished: true }> {
  const id = workflowInfo().workflowId;
  await recordEvent(input.recordKey, { event: "started", id });
  try {
    await sleep(input.ms ?? 24 * 3600_000);
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await recordEvent(input.recordKey, { event: "canceled", id });
        if (input.cleanupMs) await sleep(input.cleanupMs);
        await recordEvent(input.recordKey, { event: "cleanupDone", id });
      });
    }
    throw error;
  }
  await recordEvent(input.recordKey, { event: "completed", id });
  return { finished: true };
}

/** Returns a value after a short wait: an asynchronous operation that completes. */
export async function shout(input: { text: string; ms?: number }): Promise<{ text: string }> {
  await sleep(input.ms ?? 100);
  return { text: input.text.toUpperCase() };
}
