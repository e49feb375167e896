import { describe, expect, it } from "vitest";
import { checkInputSize, inputBytes, payloadBytes, payloadsBytes } from "../../../src/temporal/payload-size.js";
import { encodePayload, encodePayloads } from "../../../src/temporal/payloads.js";
import { temporal } from "../../../src/temporal/proto.js";
import { DEFAULT_SERVER_LIMITS, formatBytes, PayloadTooLargeError } from "../../../src/temporal/server-limits.js";

const common = temporal.api.common.v1;

describe("payload sizes", () => {
  // Lengths around the varint steps (127/128, 16383/16384) and a large one.
  const values: unknown[] = [
    undefined,
    null,
    "",
    "a",
    "x".repeat(120),
    "x".repeat(125),
    "x".repeat(16_380),
    "é".repeat(9_000),
    { deep: { list: [1, 2, 3], text: "y".repeat(300_000) } },
    new Uint8Array(200),
  ];

  it("counts a Payload and a Payloads message as protobuf encodes them", () => {
    for (const value of values) {
      const payload = encodePayload(value);
      expect(payloadBytes(payload), String(value).slice(0, 20)).toBe(common.Payload.encode(payload).finish().length);
    }
    const all = encodePayloads(values);
    expect(payloadsBytes(all.payloads ?? [])).toBe(common.Payloads.encode(all).finish().length);
    // A codec's payload: other metadata keys, other data.
    const encrypted = {
      metadata: { encoding: new Uint8Array(17), "encryption-key-id": new Uint8Array(300) },
      data: new Uint8Array(70_000),
    };
    expect(payloadBytes(encrypted)).toBe(common.Payload.encode(encrypted).finish().length);
  });

  it("measures an activity's input as all its arguments and a Nexus operation's as its one payload", () => {
    const one = encodePayload({ a: 1 });
    expect(inputBytes("activity", [one, one])).toBe(common.Payloads.encode({ payloads: [one, one] }).finish().length);
    expect(inputBytes("nexus", [one])).toBe(common.Payload.encode(one).finish().length);
    expect(inputBytes("activity", [])).toBe(0);
  });

  it("refuses an input over the limit, naming the execution, its size and the limit", () => {
    const limits = { ...DEFAULT_SERVER_LIMITS, payloadBytes: 1000, payloadFrom: "server" as const };
    const small = [encodePayload("x".repeat(900))];
    expect(checkInputSize("activity", small, "activity r.a", limits)).toBe(inputBytes("activity", small));
    const big = [encodePayload("x".repeat(1000))];
    const size = inputBytes("activity", big);
    expect(() => checkInputSize("activity", big, "activity r.a", limits)).toThrow(PayloadTooLargeError);
    expect(() => checkInputSize("activity", big, "activity r.a", limits)).toThrow(
      `the input of activity r.a is ${formatBytes(size)} encoded, over the server's limit of 1,000 bytes`,
    );
    expect(() => checkInputSize("nexus", big, "Nexus operation r.n", DEFAULT_SERVER_LIMITS)).not.toThrow();
  });

  it("writes sizes exactly and rounded", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(1000)).toBe("1,000 bytes");
    expect(formatBytes(3_000_012)).toBe("3,000,012 bytes (2.9 MiB)");
    expect(formatBytes(2 * 1024 * 1024)).toBe("2,097,152 bytes (2 MiB)");
    expect(formatBytes(1536)).toBe("1,536 bytes (1.5 KiB)");
  });
});
