/** Activities of the test worker: each one does one thing the end-to-end tests need to observe. */
import { activityInfo, CancelledFailure, Context, heartbeat, sleep } from "@temporalio/activity";
import { ApplicationFailure } from "@temporalio/common";
import { HOSTILE } from "./hostile-text.js";
import { readRecord, record } from "./record.js";

/** Returns its input unchanged. */
export async function echo(input: unknown): Promise<unknown> {
  return input;
}

/** Returns every positional argument as an array (to test `args:`). */
export async function collectArgs(...args: unknown[]): Promise<unknown[]> {
  return args;
}

/** No work at all; for benchmarks. */
export async function noop(): Promise<null> {
  return null;
}

export async function greet(input: { name: string }): Promise<{ greeting: string }> {
  return { greeting: `Hello, ${input.name}!` };
}

/** Adds numbers; a small pure step to chain. */
export async function add(input: { a: number; b: number }): Promise<{ sum: number }> {
  return { sum: input.a + input.b };
}

export interface FailInput {
  message?: string;
  type?: string;
  nonRetryable?: boolean;
  /** Succeed from this attempt on (1-based); absent means fail always. */
  succeedOnAttempt?: number;
  /** Record each attempt under this key. */
  recordKey?: string;
  /** The message repeated to this many characters: a huge failure message. */
  messageLength?: number;
}

/** Fails with an application error (with a cause), retryable unless told otherwise. */
export async function fail(input: FailInput): Promise<{ attempt: number }> {
  const { attempt } = activityInfo();
  if (input.recordKey) record(input.recordKey, { event: "attempt", attempt, id: activityInfo().activityId });
  if (input.succeedOnAttempt !== undefined && attempt >= input.succeedOnAttempt) return { attempt };
  const cause = ApplicationFailure.create({ message: "disk quota exceeded", type: "QuotaError", nonRetryable: true });
  const message = input.message ?? "the activity failed on purpose";
  throw ApplicationFailure.create({
    message:
      input.messageLength === undefined
        ? message
        : `${message} `.repeat(Math.ceil(input.messageLength / (message.length + 1))).slice(0, input.messageLength),
    type: input.type ?? "TestFailure",
    nonRetryable: input.nonRetryable ?? false,
    cause,
  });
}

export interface SlowInput {
  /** How long to work, ms; absent means until cancelled. */
  ms?: number;
  heartbeatMs?: number;
  recordKey: string;
  /** Keep running this long after seeing cancellation (to test waitCompleted vs tryCancel). */
  cleanupMs?: number;
}

/** Works while heartbeating; records its start, a cancellation it saw, and its end. */
export async function slow(input: SlowInput): Promise<{ worked: number }> {
  const info = activityInfo();
  record(input.recordKey, { event: "started", id: info.activityId, attempt: info.attempt });
  const started = Date.now();
  const beat = input.heartbeatMs ?? 200;
  try {
    while (input.ms === undefined || Date.now() - started < input.ms) {
      heartbeat({ worked: Date.now() - started });
      await sleep(beat);
    }
  } catch (error) {
    if (error instanceof CancelledFailure || Context.current().cancellationSignal.aborted) {
      record(input.recordKey, {
        event: "canceled",
        id: info.activityId,
        reason: String(Context.current().cancellationSignal.reason ?? ""),
      });
      if (input.cleanupMs) await new Promise((r) => setTimeout(r, input.cleanupMs));
      record(input.recordKey, { event: "cleanupDone", id: info.activityId });
    }
    throw error;
  }
  record(input.recordKey, { event: "completed", id: info.activityId });
  return { worked: Date.now() - started };
}

/**
 * A health check that turns healthy on its `healthyOnCall`-th call under `recordKey` (counted in the
 * record, so across separate executions: each attempt of a repeat is one); `ms` makes each call slow.
 */
export async function checkHealth(input: {
  recordKey: string;
  healthyOnCall?: number;
  ms?: number;
}): Promise<{ healthy: boolean; call: number }> {
  const dir = process.env.NXRUN_TEST_RECORDS ?? "";
  const call = readRecord(dir, input.recordKey).length + 1;
  record(input.recordKey, { event: "check", call, id: activityInfo().activityId });
  if (input.ms) await sleep(input.ms);
  return { healthy: input.healthyOnCall !== undefined && call >= input.healthyOnCall, call };
}

/** Sleeps without heartbeating (for timeouts and long polls). */
export async function sleepFor(input: { ms: number }): Promise<{ slept: number }> {
  await new Promise((resolve) => setTimeout(resolve, input.ms));
  return { slept: input.ms };
}

/** Used by workflows to record from outside the workflow sandbox. */
export async function recordEvent(
  key: string,
  event: { event: string; id?: string; [k: string]: unknown },
): Promise<void> {
  record(key, event);
}

/**
 * Records, under `recordKey`, which worker process and task queue ran it, and returns them: proves
 * where a computed task queue sent an execution, independently of what nxrun reports.
 */
export async function whereAmI(input: {
  recordKey: string;
  item?: unknown;
}): Promise<{ taskQueue: string; pid: number }> {
  const info = activityInfo();
  record(input.recordKey, {
    event: "ran",
    id: info.activityId,
    taskQueue: info.taskQueue,
    pid: process.pid,
    item: input.item,
  });
  return { taskQueue: info.taskQueue, pid: process.pid };
}

export interface ProgressInput {
  /** Heartbeats to send, one per `stepMs`. */
  total: number;
  stepMs?: number;
  /** Heartbeat raw bytes (not JSON) instead of `{ done, total }`. */
  bytes?: boolean;
  /** After this many heartbeats, stop heartbeating and work on for `stallMs` (a late heartbeat). */
  stallAfter?: number;
  stallMs?: number;
}

/** Heartbeats `{ done, total }` (or raw bytes) as it works; optionally stalls, to make its heartbeat late. */
export async function progress(input: ProgressInput): Promise<{ done: number }> {
  const step = input.stepMs ?? 500;
  for (let done = 1; done <= input.total; done++) {
    heartbeat(input.bytes ? new Uint8Array(done + 10) : { done, total: input.total });
    if (input.stallAfter !== undefined && done === input.stallAfter) {
      await new Promise((resolve) => setTimeout(resolve, input.stallMs ?? 10_000));
    }
    await sleep(step);
  }
  return { done: input.total };
}

export interface HostileInput {
  /** Where the hostile text goes: the output, the failure message and its cause, or heartbeat details. */
  as: "output" | "failure" | "heartbeat";
  /** heartbeat: how long to heartbeat, ms. */
  ms?: number;
}

/** Sends text that tries to drive the user's terminal (test/workers/hostile-text.ts) from the worker. */
export async function hostile(input: HostileInput): Promise<{ text: string }> {
  if (input.as === "failure") {
    throw ApplicationFailure.create({
      message: `message ${HOSTILE}`,
      type: "HostileFailure",
      nonRetryable: true,
      cause: ApplicationFailure.create({ message: `cause ${HOSTILE}`, type: "HostileCause", nonRetryable: true }),
    });
  }
  if (input.as === "heartbeat") {
    const started = Date.now();
    while (Date.now() - started < (input.ms ?? 4000)) {
      heartbeat({ note: HOSTILE });
      await sleep(200);
    }
  }
  return { text: HOSTILE };
}
