/**
 * The one place payloads cross the client boundary: every payload a request carries to the server is
 * encoded through the connection's codec (`encodeOutgoing`), and every payload a response carries
 * that nxrun reads is decoded (`decodeIncoming`), one codec call per RPC, before payloads.ts and
 * failure.ts turn them into plain data. Which payloads those are is listed here, message by message.
 * Temporal headers and search attributes never pass the codec, as in the SDKs (the server reads
 * search attributes; header codecs are off by default); user metadata does, as in the SDKs.
 */
import type { Payload, PayloadCodec } from "./payload-codec.js";
import type { TemporalApi } from "./proto.js";

/** A payload inside a message, and how to put its encoded or decoded form back. */
export interface PayloadSlot {
  readonly payload: Payload;
  put(payload: Payload): void;
}

type Payloads = TemporalApi.api.common.v1.IPayloads;
type Failure = TemporalApi.api.failure.v1.IFailure;

/** A bound on the cause chain, as failure.ts reads it. */
const MAX_CAUSE_DEPTH = 32;

/** Encodes, in one codec call, every payload of `slots`; without a codec the payloads stay as they are. */
export function encodeOutgoing(
  codec: PayloadCodec | undefined,
  slots: readonly PayloadSlot[],
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  return throughCodec(codec, "encode", slots, what, signal);
}

/** Decodes, in one codec call, every payload of `slots`; without a codec the payloads stay as they are. */
export function decodeIncoming(
  codec: PayloadCodec | undefined,
  slots: readonly PayloadSlot[],
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  return throughCodec(codec, "decode", slots, what, signal);
}

/** Passes the slots' payloads through one codec call and puts each answer back in its slot. */
async function throughCodec(
  codec: PayloadCodec | undefined,
  op: "encode" | "decode",
  slots: readonly PayloadSlot[],
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  if (codec === undefined || slots.length === 0) return;
  const answered = await codec[op](
    slots.map((slot) => slot.payload),
    what,
    signal,
  );
  for (const [i, slot] of slots.entries()) slot.put(answered[i] as Payload);
}

/** The slot of a single-payload field, when it is set. */
function field<K extends string>(holder: Partial<Record<K, Payload | null>>, key: K): PayloadSlot[] {
  const payload = holder[key];
  if (!payload) return [];
  return [
    {
      payload,
      put: (p) => {
        holder[key] = p;
      },
    },
  ];
}

/** The slots of a Payloads message. */
export function payloadsSlots(payloads: Payloads | null | undefined): PayloadSlot[] {
  const list = payloads?.payloads;
  if (!list) return [];
  return list.map((payload, i) => ({
    payload,
    put: (p) => {
      list[i] = p;
    },
  }));
}

/** User metadata's summary and details. */
export function userMetadataSlots(metadata: TemporalApi.api.sdk.v1.IUserMetadata | null | undefined): PayloadSlot[] {
  if (!metadata) return [];
  return [...field(metadata, "summary"), ...field(metadata, "details")];
}

/** What a failure and its causes carry: encoded attributes (message, stack trace) and details. */
export function failureSlots(failure: Failure | null | undefined, depth = 0): PayloadSlot[] {
  if (!failure) return [];
  const slots = [
    ...field(failure, "encodedAttributes"),
    ...payloadsSlots(failure.applicationFailureInfo?.details),
    ...payloadsSlots(failure.timeoutFailureInfo?.lastHeartbeatDetails),
    ...payloadsSlots(failure.canceledFailureInfo?.details),
    ...payloadsSlots(failure.resetWorkflowFailureInfo?.lastHeartbeatDetails),
  ];
  if (depth < MAX_CAUSE_DEPTH) slots.push(...failureSlots(failure.cause, depth + 1));
  return slots;
}

/** StartActivityExecution: the arguments and the user metadata (not the header). */
export function startActivitySlots(
  request: TemporalApi.api.workflowservice.v1.IStartActivityExecutionRequest,
): PayloadSlot[] {
  return [...payloadsSlots(request.input), ...userMetadataSlots(request.userMetadata)];
}

/** StartNexusOperationExecution: the input and the user metadata (Nexus headers are strings). */
export function startNexusSlots(
  request: TemporalApi.api.workflowservice.v1.IStartNexusOperationExecutionRequest,
): PayloadSlot[] {
  return [...field(request, "input"), ...userMetadataSlots(request.userMetadata)];
}

/** An activity's outcome: its result or its failure. */
export function activityOutcomeSlots(
  outcome: TemporalApi.api.activity.v1.IActivityExecutionOutcome | null | undefined,
): PayloadSlot[] {
  if (!outcome) return [];
  return [...payloadsSlots(outcome.result), ...failureSlots(outcome.failure)];
}

/** DescribeActivityExecution: the outcome, the last failure, heartbeat details and the input. */
export function describeActivitySlots(
  response: TemporalApi.api.workflowservice.v1.IDescribeActivityExecutionResponse,
): PayloadSlot[] {
  return [
    ...activityOutcomeSlots(response.outcome),
    ...failureSlots(response.info?.lastFailure),
    ...payloadsSlots(response.info?.heartbeatDetails),
    ...payloadsSlots(response.input),
  ];
}

/** A Nexus operation's result or failure (Poll and Describe answers carry them alike). */
export function nexusOutcomeSlots(response: { result?: Payload | null; failure?: Failure | null }): PayloadSlot[] {
  return [...field(response, "result"), ...failureSlots(response.failure)];
}

/** DescribeNexusOperationExecution: the outcome and the attempts' and cancel delivery's last failures. */
export function describeNexusSlots(
  response: TemporalApi.api.workflowservice.v1.IDescribeNexusOperationExecutionResponse,
): PayloadSlot[] {
  return [
    ...nexusOutcomeSlots(response),
    ...failureSlots(response.info?.lastAttemptFailure),
    ...failureSlots(response.info?.cancellationInfo?.lastAttemptFailure),
  ];
}
