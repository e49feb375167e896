/**
 * The size the server measures a start's input by (server-limits.ts holds the limit): the protobuf
 * encoding of the activity's `Payloads` message (all its arguments) or of the Nexus operation's one
 * `Payload`, after the codec. Counted from the fields, without the protobuf library, so `check` and
 * the check before a run can measure a value without loading gRPC.
 */
import { PayloadTooLargeError, payloadLimit, type ServerLimits } from "./server-limits.js";
import type { ExecutionKind } from "./types.js";

/** A payload as the wire carries it (payloads.ts encodes values to these; a codec may re-encode them). */
export interface SizedPayload {
  readonly metadata?: Readonly<Record<string, Uint8Array>> | null;
  readonly data?: Uint8Array | null;
}

const encoder = new TextEncoder();

/** Bytes of a varint. */
function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 128; rest = Math.floor(rest / 128)) bytes++;
  return bytes;
}

/** A length-delimited field of `length` bytes: tag, length, content. */
function fieldBytes(length: number): number {
  return 1 + varintBytes(length) + length;
}

/** The encoded size of one Payload message: its metadata map entries and its data. */
export function payloadBytes(payload: SizedPayload): number {
  let size = 0;
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    size += fieldBytes(fieldBytes(encoder.encode(key).length) + fieldBytes(value.length));
  }
  const data = payload.data?.length ?? 0;
  if (data > 0) size += fieldBytes(data);
  return size;
}

/** The encoded size of a Payloads message holding `payloads`. */
export function payloadsBytes(payloads: readonly SizedPayload[]): number {
  return payloads.reduce((sum, payload) => sum + fieldBytes(payloadBytes(payload)), 0);
}

/** The size the server measures a start's input by: all of an activity's arguments, a Nexus operation's one input. */
export function inputBytes(kind: ExecutionKind, payloads: readonly SizedPayload[]): number {
  if (kind === "activity") return payloadsBytes(payloads);
  return payloads[0] === undefined ? 0 : payloadBytes(payloads[0]);
}

/**
 * Throws PayloadTooLargeError when a start's encoded input is over the payload limit: checked after
 * the codec and before the request is sent, so nothing is started and the server is not asked.
 */
export function checkInputSize(
  kind: ExecutionKind,
  payloads: readonly SizedPayload[],
  of: string,
  limits: ServerLimits,
): number {
  const bytes = inputBytes(kind, payloads);
  if (bytes > limits.payloadBytes) throw new PayloadTooLargeError("the input", of, bytes, payloadLimit(limits));
  return bytes;
}

/** A start's refusal for size said of the execution it was for (grpc-errors.ts cannot name it). */
export function sizeRefusalOf(error: unknown, of: string, measured: number): unknown {
  return error instanceof PayloadTooLargeError ? error.about(of, measured) : error;
}
