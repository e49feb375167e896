/** Decoding `temporal.api.failure.v1.Failure` into FailureInfo, cause chain included. */
import { decodePayload, decodePayloads } from "./payloads.js";
import { enums, type TemporalApi } from "./proto.js";
import type { FailureInfo, FailureKind, Outcome } from "./types.js";

type Failure = TemporalApi.api.failure.v1.IFailure;

/** A bound on the cause chain: a malicious or buggy server must not make us recurse forever. */
const MAX_CAUSE_DEPTH = 32;

/** Strips an enum name's prefix: TIMEOUT_TYPE_SCHEDULE_TO_CLOSE → SCHEDULE_TO_CLOSE. */
function enumName(values: Record<string | number, string | number>, value: number | null | undefined, prefix: string) {
  const name = value === null || value === undefined ? undefined : values[value];
  return typeof name === "string" ? name.replace(prefix, "") : undefined;
}

function kindOf(f: Failure): FailureKind {
  if (f.applicationFailureInfo) return "application";
  if (f.timeoutFailureInfo) return "timeout";
  if (f.canceledFailureInfo) return "canceled";
  if (f.terminatedFailureInfo) return "terminated";
  if (f.serverFailureInfo) return "server";
  if (f.activityFailureInfo) return "activity";
  if (f.childWorkflowExecutionFailureInfo) return "childWorkflow";
  if (f.resetWorkflowFailureInfo) return "resetWorkflow";
  if (f.nexusOperationExecutionFailureInfo) return "nexusOperation";
  if (f.nexusHandlerFailureInfo) return "nexusHandler";
  return "unknown";
}

/** The SDKs move message and stack into `encodedAttributes` when a failure codec is used; read them back. */
function encodedAttributes(f: Failure): { message?: string; stackTrace?: string } {
  if (!f.encodedAttributes) return {};
  const attrs = decodePayload(f.encodedAttributes);
  if (attrs === null || typeof attrs !== "object") return {};
  const { message, stack_trace } = attrs as { message?: unknown; stack_trace?: unknown };
  return {
    ...(typeof message === "string" ? { message } : {}),
    ...(typeof stack_trace === "string" ? { stackTrace: stack_trace } : {}),
  };
}

/** Nexus handler errors retry by type unless the handler said otherwise (see nexus-rpc HandlerErrorType). */
const RETRYABLE_HANDLER_ERRORS = new Set(["RESOURCE_EXHAUSTED", "INTERNAL", "UNAVAILABLE", "UPSTREAM_TIMEOUT"]);

/** Decodes a Failure and its causes. */
export function decodeFailure(f: Failure, depth = 0): FailureInfo {
  const kind = kindOf(f);
  const attrs = encodedAttributes(f);
  const info: FailureInfo = { message: attrs.message ?? f.message ?? "", kind };
  const stackTrace = attrs.stackTrace ?? (f.stackTrace || undefined);
  switch (kind) {
    case "application": {
      const app = f.applicationFailureInfo as TemporalApi.api.failure.v1.IApplicationFailureInfo;
      info.type = app.type || "ApplicationFailure";
      info.nonRetryable = app.nonRetryable ?? false;
      const details = decodePayloads(app.details);
      if (details.length > 0) info.details = details;
      break;
    }
    case "timeout": {
      const timeout = f.timeoutFailureInfo as TemporalApi.api.failure.v1.ITimeoutFailureInfo;
      info.type = "TimeoutFailure";
      const timeoutType = enumName(enums.TimeoutType, timeout.timeoutType, "TIMEOUT_TYPE_");
      if (timeoutType) info.timeoutType = timeoutType;
      const details = decodePayloads(timeout.lastHeartbeatDetails);
      if (details.length > 0) info.details = details;
      break;
    }
    case "canceled": {
      info.type = "CanceledFailure";
      const details = decodePayloads(f.canceledFailureInfo?.details);
      if (details.length > 0) info.details = details;
      break;
    }
    case "terminated":
      info.type = "TerminatedFailure";
      break;
    case "server":
      info.type = "ServerFailure";
      info.nonRetryable = f.serverFailureInfo?.nonRetryable ?? false;
      break;
    case "activity":
      info.type = "ActivityFailure";
      break;
    case "childWorkflow":
      info.type = "ChildWorkflowFailure";
      break;
    case "resetWorkflow":
      info.type = "ResetWorkflowFailure";
      break;
    case "nexusOperation":
      info.type = "NexusOperationFailure";
      break;
    case "nexusHandler": {
      const handler = f.nexusHandlerFailureInfo as TemporalApi.api.failure.v1.INexusHandlerFailureInfo;
      info.type = handler.type || "NexusHandlerError";
      const behavior = enumName(
        enums.NexusHandlerErrorRetryBehavior,
        handler.retryBehavior,
        "NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_",
      );
      info.nonRetryable =
        behavior === "NON_RETRYABLE"
          ? true
          : behavior === "RETRYABLE"
            ? false
            : !RETRYABLE_HANDLER_ERRORS.has(info.type);
      break;
    }
    case "unknown":
      break;
    default: {
      const never: never = kind;
      throw new Error(`unhandled failure kind ${String(never)}`);
    }
  }
  if (stackTrace) info.stackTrace = stackTrace;
  if (f.cause && depth < MAX_CAUSE_DEPTH) info.cause = decodeFailure(f.cause, depth + 1);
  return info;
}

/**
 * The closed status a failure outcome stands for. The Poll RPCs return the failure without the
 * status, and the failure's kind says it: the server records cancellation as a CanceledFailure,
 * termination as a TerminatedFailure, and a timeout as a TimeoutFailure; anything else failed.
 */
export function failureStatus(failure: FailureInfo): Exclude<Outcome["status"], "completed"> {
  switch (failure.kind) {
    case "canceled":
      return "canceled";
    case "terminated":
      return "terminated";
    case "timeout":
      return "timedOut";
    default:
      return "failed";
  }
}
