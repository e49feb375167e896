import { describe, expect, it } from "vitest";
import { decodeFailure, failureStatus } from "../../../src/temporal/failure.js";
import { encodePayloads } from "../../../src/temporal/payloads.js";
import { enums, type TemporalApi, temporal } from "../../../src/temporal/proto.js";
import type { FailureInfo } from "../../../src/temporal/types.js";

const failureApi = temporal.api.failure.v1;

/** Encodes and decodes, so the test sees what protobufjs gives for bytes from the server. */
function wire(failure: TemporalApi.api.failure.v1.IFailure) {
  return failureApi.Failure.decode(failureApi.Failure.encode(failure).finish());
}

/** The decoded chain, outermost first, one `Type: message` per link. */
function links(failure: FailureInfo): string[] {
  const lines: string[] = [];
  for (let f: FailureInfo | undefined = failure; f; f = f.cause)
    lines.push(f.type ? `${f.type}: ${f.message}` : f.message);
  return lines;
}

describe("decodeFailure", () => {
  it("decodes an application failure with details and its cause chain", () => {
    const info = decodeFailure(
      wire({
        message: "charge failed",
        stackTrace: "at charge()",
        applicationFailureInfo: {
          type: "PaymentDeclined",
          nonRetryable: true,
          details: encodePayloads([{ code: 51 }]),
        },
        cause: {
          message: "card expired",
          applicationFailureInfo: { type: "CardError" },
          cause: {
            message: "upstream timed out",
            timeoutFailureInfo: { timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE },
          },
        },
      }),
    );
    expect(info).toEqual({
      message: "charge failed",
      kind: "application",
      type: "PaymentDeclined",
      nonRetryable: true,
      details: [{ code: 51 }],
      stackTrace: "at charge()",
      cause: {
        message: "card expired",
        kind: "application",
        type: "CardError",
        nonRetryable: false,
        cause: {
          message: "upstream timed out",
          kind: "timeout",
          type: "TimeoutFailure",
          timeoutType: "START_TO_CLOSE",
        },
      },
    });
    expect(links(info)).toEqual([
      "PaymentDeclined: charge failed",
      "CardError: card expired",
      "TimeoutFailure: upstream timed out",
    ]);
  });

  it("names Nexus handler error types and their retryability", () => {
    const retry = enums.NexusHandlerErrorRetryBehavior;
    const cases: Array<[string, number, boolean]> = [
      ["BAD_REQUEST", retry.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_UNSPECIFIED, true],
      ["INTERNAL", retry.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_UNSPECIFIED, false],
      ["INTERNAL", retry.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE, true],
      ["NOT_FOUND", retry.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE, false],
      ["UPSTREAM_TIMEOUT", retry.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_UNSPECIFIED, false],
    ];
    for (const [type, retryBehavior, nonRetryable] of cases) {
      const info = decodeFailure(wire({ message: "h", nexusHandlerFailureInfo: { type, retryBehavior } }));
      expect(info, `${type}/${retryBehavior}`).toMatchObject({ kind: "nexusHandler", type, nonRetryable });
    }
  });

  it("maps canceled, terminated and timed-out failures to their closed status", () => {
    const canceled = decodeFailure(wire({ message: "c", canceledFailureInfo: { details: encodePayloads(["why"]) } }));
    expect(canceled).toMatchObject({ kind: "canceled", type: "CanceledFailure", details: ["why"] });
    expect(failureStatus(canceled)).toBe("canceled");
    expect(failureStatus(decodeFailure(wire({ message: "t", terminatedFailureInfo: {} })))).toBe("terminated");
    const timeout = decodeFailure(
      wire({ message: "to", timeoutFailureInfo: { timeoutType: enums.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE } }),
    );
    expect(timeout.timeoutType).toBe("SCHEDULE_TO_CLOSE");
    expect(failureStatus(timeout)).toBe("timedOut");
    expect(failureStatus(decodeFailure(wire({ message: "x", applicationFailureInfo: {} })))).toBe("failed");
    expect(failureStatus(decodeFailure(wire({ message: "x" })))).toBe("failed");
  });

  it("reads message and stack from encoded attributes when a failure codec moved them", () => {
    const [attrs] = encodePayloads([{ message: "real message", stack_trace: "real stack" }]).payloads ?? [];
    const info = decodeFailure(
      wire({ message: "Encoded failure", encodedAttributes: attrs ?? null, serverFailureInfo: {} }),
    );
    expect(info).toMatchObject({
      message: "real message",
      stackTrace: "real stack",
      kind: "server",
      type: "ServerFailure",
    });
  });

  it("bounds a pathological cause chain", () => {
    let f: TemporalApi.api.failure.v1.IFailure = { message: "leaf" };
    for (let i = 0; i < 100; i++) f = { message: `level ${i}`, cause: f };
    expect(links(decodeFailure(f)).length).toBeLessThanOrEqual(33);
  });
});
