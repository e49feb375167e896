import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodePayload,
  decodePayloads,
  encodePayload,
  encodePayloads,
  payloadEncoding,
} from "../../../src/temporal/payloads.js";
import { temporal } from "../../../src/temporal/proto.js";

const common = temporal.api.common.v1;

/** Through the wire format, as the server would hand it back. */
function viaWire(payload: ReturnType<typeof encodePayload>) {
  return common.Payload.decode(common.Payload.encode(payload).finish());
}

describe("payloads", () => {
  it("round-trips any JSON value through json/plain", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const payload = viaWire(encodePayload(value));
        expect(payloadEncoding(payload)).toBe("json/plain");
        // -0 becomes 0 in JSON text; compare as JSON would.
        expect(decodePayload(payload)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it("encodes undefined as binary/null and decodes it to null", () => {
    const payload = viaWire(encodePayload(undefined));
    expect(payloadEncoding(payload)).toBe("binary/null");
    expect(decodePayload(payload)).toBeNull();
  });

  it("encodes bytes as binary/plain and decodes them to base64", () => {
    const payload = viaWire(encodePayload(new Uint8Array([0, 1, 2, 255])));
    expect(payloadEncoding(payload)).toBe("binary/plain");
    expect(decodePayload(payload)).toBe("AAEC/w==");
  });

  it("keeps unknown encodings and malformed JSON as {encoding, data} instead of throwing", () => {
    const enc = new TextEncoder();
    expect(decodePayload({ metadata: { encoding: enc.encode("binary/encrypted") }, data: enc.encode("xyz") })).toEqual({
      encoding: "binary/encrypted",
      data: "eHl6",
    });
    expect(decodePayload({ metadata: { encoding: enc.encode("json/plain") }, data: enc.encode("{oops") })).toEqual({
      encoding: "json/plain",
      data: Buffer.from("{oops").toString("base64"),
    });
  });

  it("encodes positional arguments one payload each", () => {
    const payloads = encodePayloads([1, "two", { three: 3 }]);
    expect(payloads.payloads).toHaveLength(3);
    expect(decodePayloads(payloads)).toEqual([1, "two", { three: 3 }]);
  });

  it("refuses values JSON cannot carry (a bug in the caller)", () => {
    expect(() => encodePayload(() => 1)).toThrow(TypeError);
  });
});
