/** Conversions between protobuf well-known values (Duration, Timestamp, int64) and plain JS values. */
import type { GoogleApi } from "./proto.js";

type Int64 = number | { toNumber(): number } | null | undefined;

/** An int64 field (protobufjs gives a Long) as a number; 0 when absent. */
export function int64ToNumber(value: Int64): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "number" ? value : value.toNumber();
}

/**
 * Milliseconds to a google.protobuf.Duration; undefined stays undefined (field unset). protobufjs
 * encodes a plain number into an int64 field; its typings only admit Long, hence the cast.
 */
export function msToDuration(ms: number | undefined): GoogleApi.protobuf.IDuration | undefined {
  if (ms === undefined) return undefined;
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1_000_000) } as unknown as GoogleApi.protobuf.IDuration;
}

/** A google.protobuf.Timestamp to a Date, or undefined when unset. */
export function timestampToDate(ts: GoogleApi.protobuf.ITimestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(int64ToNumber(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

/** A google.protobuf.Duration to milliseconds, or undefined when unset. */
export function durationToMs(
  duration: { seconds?: Int64; nanos?: number | null } | null | undefined,
): number | undefined {
  if (!duration) return undefined;
  return int64ToNumber(duration.seconds) * 1000 + Math.round((duration.nanos ?? 0) / 1_000_000);
}
