/** What activity and Nexus executions share: enum mappings, request IDs, identity, the poll deadline. */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { DeadlineExceededError } from "./grpc-errors.js";
import { decodePayload, encodePayload } from "./payloads.js";
import { enums, type TemporalApi } from "./proto.js";
import { int64ToNumber } from "./proto-values.js";
import type { CountResult, ExecutionStatus, IdConflictPolicy, IdReusePolicy } from "./types.js";

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

/** The summary as user metadata: a json/plain payload, as Temporal's UI and CLI expect. */
export function userMetadata(summary: string | undefined): TemporalApi.api.sdk.v1.IUserMetadata | undefined {
  return summary === undefined ? undefined : { summary: encodePayload(summary) };
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
