/**
 * Payload conversion: plain JSON-able values to `temporal.api.common.v1.Payload` and back.
 * Why not @temporalio/common's payload converter: it is a devDependency here (the CLI must not need
 * the SDK at run time) and the three encodings nxrun uses fit in a page.
 */
import { UserError } from "../base/user-error.js";
import type { TemporalApi } from "./proto.js";

type Payload = TemporalApi.api.common.v1.IPayload;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const ENCODING_JSON = "json/plain";
export const ENCODING_NULL = "binary/null";
export const ENCODING_BINARY = "binary/plain";

/** Encodes a value: undefined → binary/null, bytes → binary/plain, anything else → json/plain. */
export function encodePayload(value: unknown): Payload {
  if (value === undefined) return { metadata: { encoding: encoder.encode(ENCODING_NULL) } };
  if (value instanceof Uint8Array) {
    return { metadata: { encoding: encoder.encode(ENCODING_BINARY) }, data: value };
  }
  const text = JSON.stringify(value);
  // JSON.stringify returns undefined for functions and symbols: a bug in the caller, not user input.
  if (text === undefined) throw new TypeError(`cannot encode a ${typeof value} as a JSON payload`);
  return { metadata: { encoding: encoder.encode(ENCODING_JSON) }, data: encoder.encode(text) };
}

/** Encodes each value as one payload. */
export function encodePayloads(values: readonly unknown[]): TemporalApi.api.common.v1.IPayloads {
  return { payloads: values.map(encodePayload) };
}

/** The payload's `encoding` metadata, or undefined. */
export function payloadEncoding(payload: Payload): string | undefined {
  const raw = payload.metadata?.encoding;
  return raw ? decoder.decode(raw) : undefined;
}

/**
 * A payload nxrun cannot read: an encoding it does not know (most often `binary/encrypted`, written
 * by a payload codec it was not given) or JSON that does not parse. Never passed on as data: the
 * step that reads it fails with this, and the run ends with it (exit 2: the fix is a flag).
 */
export class UnreadablePayloadError extends UserError {
  override readonly name: string = "UnreadablePayloadError";
  readonly encoding: string | undefined;
  constructor(encoding: string | undefined, problem?: string) {
    const named = encoding === undefined ? "with no encoding" : `in encoding ${encoding}`;
    super(problem ? `a payload ${named} cannot be read: ${problem}` : `nxrun cannot read a payload ${named}`, {
      hint:
        problem === undefined
          ? "a payload codec in the worker encoded it: give nxrun the codec server with --codec-endpoint (or TEMPORAL_CODEC_ENDPOINT, or the profile's codec.endpoint)"
          : "check the worker's payload converter",
    });
    this.encoding = encoding;
  }
}

/**
 * Decodes a payload into plain data: json/plain (and json/protobuf) → parsed JSON; binary/null → null;
 * binary/plain → base64 text (so results stay JSON-able). Any other encoding (e.g. encrypted by a
 * codec nxrun was not given) and JSON that does not parse throw UnreadablePayloadError.
 */
export function decodePayload(payload: Payload | null | undefined): unknown {
  if (!payload) return null;
  const encoding = payloadEncoding(payload);
  const data = payload.data ?? new Uint8Array();
  switch (encoding) {
    case ENCODING_NULL:
      return null;
    case ENCODING_JSON:
    case "json/protobuf":
      if (data.length === 0) return null;
      try {
        return JSON.parse(decoder.decode(data));
      } catch {
        throw new UnreadablePayloadError(encoding, "its data is not JSON");
      }
    case ENCODING_BINARY:
      return Buffer.from(data).toString("base64");
    default:
      throw new UnreadablePayloadError(encoding);
  }
}

/** Decodes every payload of a Payloads message. */
export function decodePayloads(payloads: TemporalApi.api.common.v1.IPayloads | null | undefined): unknown[] {
  return (payloads?.payloads ?? []).map(decodePayload);
}

/**
 * An activity's result: activities return one value, carried as the first payload; no payload is
 * null (a function that returned nothing).
 */
export function decodeSingleResult(payloads: TemporalApi.api.common.v1.IPayloads | null | undefined): unknown {
  const first = payloads?.payloads?.[0];
  return first ? decodePayload(first) : null;
}
