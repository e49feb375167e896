import { describe, expect, it } from "vitest";
import { startActivityRequest } from "../../../src/temporal/activity-executions.js";
import { startNexusRequest } from "../../../src/temporal/nexus-operations.js";
import {
  decodeIncoming,
  describeActivitySlots,
  describeNexusSlots,
  encodeOutgoing,
  startActivitySlots,
  startNexusSlots,
} from "../../../src/temporal/payload-boundary.js";
import type { Payload, PayloadCodec } from "../../../src/temporal/payload-codec.js";
import { decodePayload, encodePayload, payloadEncoding } from "../../../src/temporal/payloads.js";
import type { TemporalApi } from "../../../src/temporal/proto.js";

const encoder = new TextEncoder();

/** A codec that wraps each payload's bytes (reversibly) and records each batch it was given. */
function wrappingCodec(): PayloadCodec & { batches: Array<{ op: string; size: number; what: string }> } {
  const batches: Array<{ op: string; size: number; what: string }> = [];
  const wrap = (p: Payload): Payload => ({
    metadata: { encoding: encoder.encode("test/wrapped") },
    data: encoder.encode(
      JSON.stringify({ encoding: payloadEncoding(p), data: Buffer.from(p.data ?? []).toString("base64") }),
    ),
  });
  const unwrap = (p: Payload): Payload => {
    if (payloadEncoding(p) !== "test/wrapped") return p;
    const inner = JSON.parse(new TextDecoder().decode(p.data ?? undefined)) as { encoding: string; data: string };
    return { metadata: { encoding: encoder.encode(inner.encoding) }, data: Buffer.from(inner.data, "base64") };
  };
  return {
    batches,
    async encode(payloads, what) {
      batches.push({ op: "encode", size: payloads.length, what });
      return payloads.map(wrap);
    },
    async decode(payloads, what) {
      batches.push({ op: "decode", size: payloads.length, what });
      return payloads.map(unwrap);
    },
  };
}

describe("the payload boundary", () => {
  it("encodes an activity start's arguments, summary and details in one batch, never its header", async () => {
    const request = startActivityRequest(
      "ns",
      "me",
      {
        id: "a",
        activityType: "t",
        taskQueue: "q",
        args: [{ amount: 5 }, "EUR"],
        summary: "charge",
        details: "the card",
        headers: { "_tracer-data": { traceparent: "00-abc" } },
      },
      "r",
    );
    const codec = wrappingCodec();
    await encodeOutgoing(codec, startActivitySlots(request), "the input of activity a");
    expect(codec.batches).toEqual([{ op: "encode", size: 4, what: "the input of activity a" }]);
    for (const p of request.input?.payloads ?? []) expect(payloadEncoding(p)).toBe("test/wrapped");
    expect(payloadEncoding(request.userMetadata?.summary as Payload)).toBe("test/wrapped");
    expect(payloadEncoding(request.userMetadata?.details as Payload)).toBe("test/wrapped");
    expect(decodePayload(request.header?.fields?.["_tracer-data"])).toEqual({ traceparent: "00-abc" });
  });

  it("encodes a Nexus start's input and summary, never its Nexus headers", async () => {
    const request = startNexusRequest(
      "ns",
      "me",
      { id: "n", endpoint: "e", service: "s", operation: "o", input: { x: 1 }, summary: "s", headers: { h: "v" } },
      "r",
    );
    const codec = wrappingCodec();
    await encodeOutgoing(codec, startNexusSlots(request), "the input of Nexus operation n");
    expect(codec.batches.map((b) => b.size)).toEqual([2]);
    expect(payloadEncoding(request.input as Payload)).toBe("test/wrapped");
    expect(request.nexusHeader).toEqual({ h: "v" });
  });

  it("decodes a description's result, failures (causes included), heartbeat and input in one batch", async () => {
    const codec = wrappingCodec();
    const enc = async (value: unknown) => (await codec.encode([encodePayload(value)], ""))[0] as Payload;
    const failure: TemporalApi.api.failure.v1.IFailure = {
      message: "Encoded failure",
      encodedAttributes: await enc({ message: "card declined", stack_trace: "at charge" }),
      applicationFailureInfo: { type: "Declined", details: { payloads: [await enc({ code: 51 })] } },
      cause: { message: "Encoded failure", encodedAttributes: await enc({ message: "inner" }) },
    };
    const response: TemporalApi.api.workflowservice.v1.IDescribeActivityExecutionResponse = {
      outcome: { failure },
      info: {
        lastFailure: { message: "m", applicationFailureInfo: {} },
        heartbeatDetails: { payloads: [await enc(7)] },
      },
      input: { payloads: [await enc("in")] },
    };
    codec.batches.length = 0;
    await decodeIncoming(codec, describeActivitySlots(response), "the description of activity a");
    expect(codec.batches).toEqual([{ op: "decode", size: 5, what: "the description of activity a" }]);
    expect(decodePayload(failure.encodedAttributes)).toEqual({ message: "card declined", stack_trace: "at charge" });
    expect(decodePayload(failure.applicationFailureInfo?.details?.payloads?.[0])).toEqual({ code: 51 });
    expect(decodePayload(failure.cause?.encodedAttributes)).toEqual({ message: "inner" });
    expect(decodePayload(response.info?.heartbeatDetails?.payloads?.[0])).toBe(7);
    expect(decodePayload(response.input?.payloads?.[0])).toBe("in");
  });

  it("decodes a Nexus description's result", async () => {
    const codec = wrappingCodec();
    const response: TemporalApi.api.workflowservice.v1.IDescribeNexusOperationExecutionResponse = {
      result: (await codec.encode([encodePayload({ ok: true })], ""))[0] as Payload,
    };
    await decodeIncoming(codec, describeNexusSlots(response), "x");
    expect(decodePayload(response.result)).toEqual({ ok: true });
  });

  it("makes no codec call for a message without payloads, nor without a codec", async () => {
    const codec = wrappingCodec();
    await decodeIncoming(codec, describeActivitySlots({}), "x");
    expect(codec.batches).toEqual([]);
    const request = startActivityRequest("ns", "me", { id: "a", activityType: "t", taskQueue: "q", args: [1] }, "r");
    await encodeOutgoing(undefined, startActivitySlots(request), "x");
    expect(decodePayload(request.input?.payloads?.[0])).toBe(1);
  });
});
