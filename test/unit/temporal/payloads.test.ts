import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFailure } from "../../../src/temporal/failure.js";
import {
  decodePayload,
  decodePayloads,
  encodePayload,
  encodePayloads,
  payloadEncoding,
  UnreadablePayloadError,
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

  it("refuses unknown encodings and malformed JSON, naming the encoding and the codec flag", () => {
    const enc = new TextEncoder();
    const read = (encoding: string | undefined, data: string) => () =>
      decodePayload({
        metadata: encoding === undefined ? {} : { encoding: enc.encode(encoding) },
        data: enc.encode(data),
      });
    expect(read("binary/encrypted", "xyz")).toThrow(UnreadablePayloadError);
    expect(read("binary/encrypted", "xyz")).toThrow("nxrun cannot read a payload in encoding binary/encrypted");
    try {
      read("binary/encrypted", "xyz")();
    } catch (error) {
      expect((error as UnreadablePayloadError).hint).toContain("--codec-endpoint");
      expect((error as UnreadablePayloadError).exitCode).toBe(2);
    }
    expect(read(undefined, "xyz")).toThrow("nxrun cannot read a payload with no encoding");
    expect(read("json/plain", "{oops")).toThrow(
      "a payload in encoding json/plain cannot be read: its data is not JSON",
    );
    // A failure's encoded attributes are a payload like any other: unreadable, they fail too.
    expect(() =>
      decodeFailure({
        message: "Encoded failure",
        encodedAttributes: { metadata: { encoding: enc.encode("binary/encrypted") } },
      }),
    ).toThrow(UnreadablePayloadError);
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
