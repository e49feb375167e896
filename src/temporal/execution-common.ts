/** What activity and Nexus executions share: enum mappings, request IDs, identity, the poll deadline and patience, start recovery, paging. */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { decodePayload, encodePayload } from "./payloads.js";
import { enums, type TemporalApi } from "./proto.js";
import { int64ToNumber, timestampToDate } from "./proto-values.js";
import type { NotNowRetry } from "./retry-rule.js";
import { sleep } from "./rpc.js";
import { AlreadyStartedError, DeadlineExceededError } from "./service-errors.js";
import type { CountResult, ExecutionStatus, IdConflictPolicy, IdReusePolicy, Started } from "./types.js";

/**
 * Deadline of one long poll. The server answers with an empty response at
 * min(longPollTimeout (60s default), our deadline - longPollBuffer), so a deadline above a minute
 * lets the server decide, and a lost connection still surfaces within it.
 */
export const POLL_TIMEOUT_MS = 70_000;

/** A fresh request ID (idempotency key). */
export function newRequestId(): string {
  return randomUUID();
}

/** Identity recorded on the server for starts, cancels and terminations. */
export function defaultIdentity(): string {
  return `${process.pid}@${hostname()} nxrun`;
}

/** Status enum values of both kinds share their suffixes (…_RUNNING, …_COMPLETED, …). */
function statusFromName(name: string | undefined): ExecutionStatus {
  switch (name) {
    case "COMPLETED":
      return "completed";
    case "FAILED":
      return "failed";
    case "CANCELED":
      return "canceled";
    case "TERMINATED":
      return "terminated";
    case "TIMED_OUT":
      return "timedOut";
    case "PAUSED":
      return "paused";
    default:
      // RUNNING, and UNSPECIFIED (a server that has not filled it in yet) count as not closed.
      return "running";
  }
}

/** ActivityExecutionStatus → ExecutionStatus. */
export function activityStatus(value: number | null | undefined): ExecutionStatus {
  const name = enums.ActivityExecutionStatus[value ?? 0];
  return statusFromName(name?.replace("ACTIVITY_EXECUTION_STATUS_", ""));
}

/** NexusOperationExecutionStatus → ExecutionStatus. */
export function nexusStatus(value: number | null | undefined): ExecutionStatus {
  const name = enums.NexusOperationExecutionStatus[value ?? 0];
  return statusFromName(name?.replace("NEXUS_OPERATION_EXECUTION_STATUS_", ""));
}

/** The enum suffix shared by both kinds' reuse policies (ACTIVITY_ID_REUSE_POLICY_<suffix>, …). */
export function reusePolicySuffix(policy: IdReusePolicy): string {
  switch (policy) {
    case "allowDuplicate":
      return "ALLOW_DUPLICATE";
    case "allowDuplicateFailedOnly":
      return "ALLOW_DUPLICATE_FAILED_ONLY";
    case "rejectDuplicate":
      return "REJECT_DUPLICATE";
    default: {
      const never: never = policy;
      throw new Error(`unknown ID reuse policy ${String(never)}`);
    }
  }
}

/** The enum suffix shared by both kinds' conflict policies. */
export function conflictPolicySuffix(policy: IdConflictPolicy): string {
  switch (policy) {
    case "fail":
      return "FAIL";
    case "useExisting":
      return "USE_EXISTING";
    default: {
      const never: never = policy;
      throw new Error(`unknown ID conflict policy ${String(never)}`);
    }
  }
}

/** Looks up `<prefix><suffix>` in a protobufjs enum object. */
export function enumValue(values: object, prefix: string, suffix: string): number {
  const value = (values as Record<string, number | undefined>)[prefix + suffix];
  if (value === undefined) throw new Error(`no enum value ${prefix}${suffix}`);
  return value;
}

/** Summary and details as user metadata: json/plain payloads, as Temporal's UI and CLI expect. */
export function userMetadata(
  summary: string | undefined,
  details?: string,
): TemporalApi.api.sdk.v1.IUserMetadata | undefined {
  if (summary === undefined && details === undefined) return undefined;
  return {
    ...(summary === undefined ? {} : { summary: encodePayload(summary) }),
    ...(details === undefined ? {} : { details: encodePayload(details) }),
  };
}

/** A count response of either kind. */
export function countResult(response: {
  count?: number | { toNumber(): number } | null;
  groups?: Array<{
    groupValues?: TemporalApi.api.common.v1.IPayload[] | null;
    count?: number | { toNumber(): number } | null;
  }> | null;
}): CountResult {
  return {
    count: int64ToNumber(response.count),
    groups: (response.groups ?? []).map((g) => ({
      values: (g.groupValues ?? []).map(decodePayload),
      count: int64ToNumber(g.count),
    })),
  };
}

/** True for a poll that ran out of time on our side: the poll loop simply polls again. */
export function isPollTimeout(error: unknown): boolean {
  return error instanceof DeadlineExceededError;
}

/**
 * One poll of an await, patient with "not now" answers as the retry rule says (retry-rule.ts):
 * the response, or undefined when the caller should poll again (after the rule's delay).
 */
export async function pollPatiently<T>(
  retry: NotNowRetry,
  poll: () => Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | undefined> {
  try {
    const response = await poll();
    retry.answered();
    return response;
  } catch (error) {
    if (signal?.aborted) throw error;
    const delay = retry.failed(error);
    if (delay === undefined) throw error;
    await sleep(delay, signal);
    return undefined;
  }
}

/**
 * A start, where an AlreadyStarted answer that names our own request ID means an earlier attempt of
 * this very start got through (its answer was lost): that is a start, not a conflict.
 */
export async function startOnce(
  requestId: string,
  start: () => Promise<{ runId: string; started: boolean }>,
): Promise<Started> {
  try {
    const response = await start();
    return { runId: response.runId, started: response.started };
  } catch (error) {
    if (error instanceof AlreadyStartedError && error.startRequestId === requestId && error.runId) {
      return { runId: error.runId, started: true };
    }
    throw error;
  }
}

/** The fields a cancel or terminate request of either kind carries besides the execution's ID. */
export function closeRequestFields(
  namespace: string,
  identity: string,
  runId: string | undefined,
  reason: string,
): { namespace: string; runId: string; identity: string; requestId: string; reason: string } {
  return { namespace, runId: runId ?? "", identity, requestId: newRequestId(), reason };
}

/** Every item of a paged list, fetching the next page only when the caller gets that far. */
export async function* pages<T>(
  fetchPage: (nextPageToken: Uint8Array) => Promise<{ items: readonly T[]; nextPageToken: Uint8Array }>,
): AsyncIterable<T> {
  let nextPageToken: Uint8Array = new Uint8Array();
  do {
    const page = await fetchPage(nextPageToken);
    yield* page.items;
    nextPageToken = page.nextPageToken;
  } while (nextPageToken.length > 0);
}

/** Sets startTime and closeTime on a description or list entry when the server gave them. */
export function setTimes(
  target: { startTime?: Date; closeTime?: Date },
  scheduleTime: Parameters<typeof timestampToDate>[0],
  closeTime: Parameters<typeof timestampToDate>[0],
): void {
  const start = timestampToDate(scheduleTime);
  if (start) target.startTime = start;
  const close = timestampToDate(closeTime);
  if (close) target.closeTime = close;
}
