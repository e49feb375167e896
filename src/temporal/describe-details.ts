/**
 * The "what is it doing now" part of DescribeActivityExecution / DescribeNexusOperationExecution
 * answers, as plain ExecutionDetails: attempts, the retry timer, heartbeats, the worker, Nexus
 * blocked reason, async token and cancellation delivery.
 */
import { decodeFailure } from "./failure.js";
import { ENCODING_JSON, ENCODING_NULL, payloadEncoding } from "./payloads.js";
import { enums, type TemporalApi } from "./proto.js";
import { durationToMs, timestampToDate } from "./proto-values.js";
import type { ExecutionDetails, HeartbeatDetails } from "./types.js";

type ActivityInfo = TemporalApi.api.activity.v1.IActivityExecutionInfo;
type NexusInfo = TemporalApi.api.nexus.v1.INexusOperationExecutionInfo;

/** `PENDING_ACTIVITY_STATE_CANCEL_REQUESTED` → `cancelRequested`. */
function camelState(name: string | undefined, prefix: string): string | undefined {
  if (!name || name.endsWith("UNSPECIFIED")) return undefined;
  return name
    .replace(prefix, "")
    .toLowerCase()
    .replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The first heartbeat payload: JSON decoded, or its size when it is not JSON (a codec, bytes).
 * Undefined when there are none or the payload is null: the SDKs send `heartbeat()` without details
 * as a null payload, and a null is no detail to show.
 */
export function decodeHeartbeat(
  payloads: TemporalApi.api.common.v1.IPayloads | null | undefined,
): HeartbeatDetails | undefined {
  const first = payloads?.payloads?.[0];
  if (!first) return undefined;
  const encoding = payloadEncoding(first);
  const data = first.data ?? new Uint8Array();
  if (encoding === ENCODING_NULL) return undefined;
  if (encoding === ENCODING_JSON || encoding === "json/protobuf") {
    try {
      const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
      return value === null ? undefined : { value };
    } catch {
      // Falls through: not JSON after all.
    }
  }
  return { undecodableBytes: data.length };
}

function setDate(
  target: ExecutionDetails,
  key: "nextAttemptTime" | "lastAttemptCompleteTime" | "lastStartedTime" | "lastHeartbeatTime",
  value: Parameters<typeof timestampToDate>[0],
): void {
  const date = timestampToDate(value);
  if (date) target[key] = date;
}

export function activityDetails(info: ActivityInfo | null | undefined): ExecutionDetails {
  const details: ExecutionDetails = {};
  if (!info) return details;
  const state = camelState(enums.PendingActivityState[info.runState ?? 0], "PENDING_ACTIVITY_STATE_");
  if (state) details.state = state;
  if (info.attempt) details.attempt = info.attempt;
  const maximum = info.retryPolicy?.maximumAttempts;
  if (maximum) details.maximumAttempts = maximum;
  setDate(details, "nextAttemptTime", info.nextAttemptScheduleTime);
  setDate(details, "lastAttemptCompleteTime", info.lastAttemptCompleteTime);
  setDate(details, "lastStartedTime", info.lastStartedTime);
  setDate(details, "lastHeartbeatTime", info.lastHeartbeatTime);
  if (info.lastWorkerIdentity) details.lastWorkerIdentity = info.lastWorkerIdentity;
  const heartbeatTimeout = durationToMs(info.heartbeatTimeout);
  if (heartbeatTimeout) details.heartbeatTimeout = heartbeatTimeout;
  const heartbeat = decodeHeartbeat(info.heartbeatDetails);
  if (heartbeat) details.heartbeat = heartbeat;
  return details;
}

export function nexusDetails(info: NexusInfo | null | undefined): ExecutionDetails {
  const details: ExecutionDetails = {};
  if (!info) return details;
  const state = camelState(enums.PendingNexusOperationState[info.state ?? 0], "PENDING_NEXUS_OPERATION_STATE_");
  if (state) details.state = state;
  if (info.attempt) details.attempt = info.attempt;
  setDate(details, "nextAttemptTime", info.nextAttemptScheduleTime);
  setDate(details, "lastAttemptCompleteTime", info.lastAttemptCompleteTime);
  if (info.blockedReason) details.blockedReason = info.blockedReason;
  if (info.operationToken) details.operationToken = info.operationToken;
  const cancel = info.cancellationInfo;
  if (cancel) {
    const cancellation: NonNullable<ExecutionDetails["cancellation"]> = {};
    const cancelState = camelState(
      enums.NexusOperationCancellationState[cancel.state ?? 0],
      "NEXUS_OPERATION_CANCELLATION_STATE_",
    );
    if (cancelState) cancellation.state = cancelState;
    if (cancel.attempt) cancellation.attempt = cancel.attempt;
    if (cancel.lastAttemptFailure) cancellation.lastFailure = decodeFailure(cancel.lastAttemptFailure);
    const next = timestampToDate(cancel.nextAttemptScheduleTime);
    if (next) cancellation.nextAttemptTime = next;
    if (cancel.blockedReason) cancellation.blockedReason = cancel.blockedReason;
    details.cancellation = cancellation;
  }
  return details;
}
