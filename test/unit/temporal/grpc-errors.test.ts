import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ServerError, UserError } from "../../../src/base/user-error.js";
import { connectionFailure, mapGrpcError } from "../../../src/temporal/grpc-errors.js";
import { google, temporal } from "../../../src/temporal/proto.js";
import { PayloadTooLargeError } from "../../../src/temporal/server-limits.js";
import {
  AlreadyStartedError,
  AuthError,
  DeadlineExceededError,
  InvalidArgumentError,
  NamespaceNotFoundError,
  NotFoundError,
  ResourceExhaustedError,
  type TemporalServiceError,
  UnavailableError,
  UnimplementedError,
} from "../../../src/temporal/service-errors.js";

const errordetails = temporal.api.errordetails.v1;

const ctx = { method: "StartActivityExecution", address: "temporal.example:7233", namespace: "payments" };

/** A grpc-js call error as the library builds it, with Temporal's details in the status trailer. */
function serviceError(code: status, details: string, anyDetails: Array<{ type: string; value: Uint8Array }> = []) {
  const metadata = new Metadata();
  metadata.set("authorization", "Bearer SECRET-KEY");
  if (anyDetails.length > 0) {
    const st = google.rpc.Status.encode({
      code,
      message: details,
      details: anyDetails.map((d) => ({ type_url: `type.googleapis.com/${d.type}`, value: d.value })),
    }).finish();
    metadata.set("grpc-status-details-bin", Buffer.from(st));
  }
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata }) as ServiceError;
}

describe("mapGrpcError", () => {
  it("reads the existing run ID of an activity that already started", () => {
    const value = errordetails.ActivityExecutionAlreadyStartedFailure.encode({
      runId: "run-1",
      startRequestId: "req-1",
    }).finish();
    const error = mapGrpcError(
      serviceError(status.ALREADY_EXISTS, "activity execution already started", [
        { type: "temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure", value },
      ]),
      ctx,
    );
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect(error).toMatchObject({ runId: "run-1", startRequestId: "req-1", exitCode: 3 });
    expect((error as Error).message).toContain("run-1");
  });

  it("reads the existing run ID of a Nexus operation that already started", () => {
    const value = errordetails.NexusOperationExecutionAlreadyStartedFailure.encode({ runId: "run-n" }).finish();
    const error = mapGrpcError(
      serviceError(status.ALREADY_EXISTS, "already started", [
        { type: "temporal.api.errordetails.v1.NexusOperationExecutionAlreadyStartedFailure", value },
      ]),
      { ...ctx, method: "StartNexusOperationExecution" },
    );
    expect(error).toMatchObject({ name: "AlreadyStartedError", runId: "run-n" });
    expect((error as Error).message).toMatch(/Nexus operation/);
  });

  it("says which feature an UNIMPLEMENTED server lacks, and how to get it", () => {
    const activity = mapGrpcError(
      serviceError(status.UNIMPLEMENTED, "Standalone activity is disabled"),
      ctx,
    ) as UserError;
    expect(activity).toBeInstanceOf(UnimplementedError);
    expect(activity.message).toMatch(/lacks standalone activities/);
    expect(activity.hint).toMatch(/activity\.enableStandalone/);
    // The exact command a user has, never a file of this repository.
    expect(activity.hint).toContain(
      "`temporal server start-dev --dynamic-config-value activity.enableStandalone=true`",
    );
    expect(activity.hint).not.toMatch(/scripts\/|\.sh\b/);
    const nexus = mapGrpcError(serviceError(status.UNIMPLEMENTED, "unknown method"), {
      ...ctx,
      method: "PollNexusOperationExecution",
    }) as UserError;
    expect(nexus.message).toMatch(/lacks standalone Nexus operations/);
    expect(nexus.hint).toContain("--dynamic-config-value nexusoperation.enableStandalone=true");
  });

  it("tells a plain HTTP server from a Temporal frontend", () => {
    const error = mapGrpcError(serviceError(status.UNIMPLEMENTED, "Received HTTP status code 404"), ctx) as UserError;
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toMatch(/answered HTTP 404 instead of gRPC/);
    expect(error.hint).toMatch(/--address/);
  });

  it("reads a proxy's HTTP 400/495/496 as a refused client certificate", () => {
    // nginx answers a missing (496) or bad (495) client certificate with HTTP 400; grpc-js maps 400
    // to INTERNAL and 495/496 to UNKNOWN.
    for (const [code, http] of [
      [status.INTERNAL, 400],
      [status.UNKNOWN, 495],
      [status.UNKNOWN, 496],
    ] as const) {
      const refused = mapGrpcError(serviceError(code, `Received HTTP status code ${http}`), ctx) as UserError;
      expect(refused, String(http)).toBeInstanceOf(AuthError);
      expect(refused.exitCode).toBe(3);
      expect(refused.message).toContain("temporal.example:7233");
      expect(refused.message).toContain(`HTTP ${http}`);
      expect(refused.message).toMatch(/client certificate/);
      expect(refused.hint).toMatch(/mTLS: .*--tls-cert-path.*--tls-key-path/);
    }
    // Other HTTP answers are still "not a gRPC frontend".
    const bad = mapGrpcError(serviceError(status.UNKNOWN, "Received HTTP status code 502"), ctx);
    expect(bad).toBeInstanceOf(UnavailableError);
  });

  it("recognizes an unknown namespace by its details or its message", () => {
    const value = errordetails.NamespaceNotFoundFailure.encode({ namespace: "payments" }).finish();
    const byDetails = mapGrpcError(
      serviceError(status.NOT_FOUND, "Namespace payments is not found.", [
        { type: "temporal.api.errordetails.v1.NamespaceNotFoundFailure", value },
      ]),
      ctx,
    ) as UserError;
    expect(byDetails).toBeInstanceOf(NamespaceNotFoundError);
    expect(byDetails.message).toBe('namespace "payments" was not found on temporal.example:7233');
    expect(byDetails.hint).toMatch(/--namespace/);
    expect(mapGrpcError(serviceError(status.NOT_FOUND, "Namespace payments is not found."), ctx)).toBeInstanceOf(
      NamespaceNotFoundError,
    );
    expect(mapGrpcError(serviceError(status.NOT_FOUND, "activity not found for ID: a"), ctx)).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("maps the remaining codes to typed errors that name the address and carry a hint", () => {
    const cases: Array<[status, new (...args: never[]) => TemporalServiceError, RegExp]> = [
      [status.UNAVAILABLE, UnavailableError, /TEMPORAL_ADDRESS/],
      [status.DEADLINE_EXCEEDED, DeadlineExceededError, /TEMPORAL_ADDRESS/],
      [status.UNAUTHENTICATED, AuthError, /API key/],
      [status.PERMISSION_DENIED, AuthError, /allowed to use namespace "payments"/],
      [status.INVALID_ARGUMENT, InvalidArgumentError, /options/],
    ];
    for (const [code, type, hint] of cases) {
      const error = mapGrpcError(serviceError(code, "details"), ctx) as TemporalServiceError;
      expect(error, status[code]).toBeInstanceOf(type);
      expect(error).toBeInstanceOf(UserError);
      expect(error.exitCode).toBe(3);
      expect(error.code).toBe(code);
      expect(error.hint).toMatch(hint);
      if (code !== status.INVALID_ARGUMENT) expect(error.message).toContain("temporal.example:7233");
    }
  });

  // The dev server's answers (temporal CLI 1.9.1) to a start with a search attribute it refuses.
  it("points at the step's searchAttributes for every refusal of a search attribute", () => {
    for (const answer of [
      "Namespace default has no mapping defined for search attribute Undeclared",
      "invalid value for search attribute Team of type Keyword: 3",
      "search attribute Team value size 5002 exceeds size limit 2048",
      "ExecutionStatus attribute can't be set in SearchAttributes",
    ]) {
      const error = mapGrpcError(serviceError(status.INVALID_ARGUMENT, answer), ctx) as UserError;
      expect(error.hint, answer).toMatch(/^check the step's searchAttributes/);
    }
    // Registered (a system attribute), so preflight passes it: the hint must not send the user there.
    const own = mapGrpcError(
      serviceError(status.INVALID_ARGUMENT, "ExecutionStatus attribute can't be set in SearchAttributes"),
      ctx,
    ) as UserError;
    expect(own.hint).toMatch(/Temporal's own/);
    expect(own.hint).not.toMatch(/preflight/);
  });

  // The dev server's answer (temporal CLI 1.9.1) to a Nexus start with `headers: { request-timeout: ... }`.
  it("points at the step's headers when the server refuses a Nexus header's name", () => {
    const error = mapGrpcError(
      serviceError(status.INVALID_ARGUMENT, 'nexus_header contains a disallowed key: "request-timeout"'),
      { ...ctx, method: "StartNexusOperationExecution" },
    ) as UserError;
    expect(error.hint).toMatch(/^check the step's headers: the server keeps that name for itself/);
  });

  it("points at TLS settings when the transport failed in the handshake", () => {
    const error = mapGrpcError(
      serviceError(status.UNAVAILABLE, "SSL routines::wrong version number"),
      ctx,
    ) as UserError;
    expect(error.hint).toMatch(/--tls/);
  });

  it("says the server may require TLS when a plaintext connection meets a protocol error", () => {
    // What grpc-js reports when the plaintext HTTP/2 preface reaches a TLS port (nginx, seen on the e2e proxy).
    const error = mapGrpcError(
      serviceError(
        status.UNAVAILABLE,
        "No connection established. Last error: Protocol error (2026-01-01T00:00:00.000Z). Resolution note: ",
      ),
      ctx,
    ) as UserError;
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.hint).toBe(
      "the server may require TLS: pass --tls / set TEMPORAL_TLS, or check the address (--address / TEMPORAL_ADDRESS)",
    );
  });

  it("says what went wrong without grpc-js's empty resolution note or OpenSSL's codes", () => {
    expect(
      connectionFailure("No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: "),
    ).toBe("connect ECONNREFUSED 127.0.0.1:1");
    expect(
      connectionFailure(
        "No connection established. Last error: Error: unable to verify the first certificate. Resolution note: ",
      ),
    ).toBe("unable to verify the first certificate");
    expect(connectionFailure("No connection established. Last error: x. Resolution note: dns said no")).toBe(
      "x; dns said no",
    );
    expect(
      connectionFailure(
        "No connection established. Last error: Error: 806CCFA9DF7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n. Resolution note: ",
      ),
    ).toBe("SSL routines: wrong version number");
    expect(connectionFailure("14 UNAVAILABLE: something else")).toBe("14 UNAVAILABLE: something else");
    const tlsToPlain = mapGrpcError(
      serviceError(
        status.UNAVAILABLE,
        "No connection established. Last error: Error: 806C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:350:\n. Resolution note: ",
      ),
      ctx,
    ) as UserError;
    expect(tlsToPlain.message).toMatch(/over TLS: the port did not answer the TLS handshake with TLS/);
    expect(tlsToPlain.message).not.toMatch(/Resolution note|ssl3_get_record/);
  });

  it("never copies metadata (credentials) into the message or hint", () => {
    for (const code of [status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.UNAVAILABLE, status.INTERNAL]) {
      const error = mapGrpcError(serviceError(code, "denied"), ctx) as UserError;
      expect(`${error.message} ${error.hint ?? ""} ${String(error)}`).not.toContain("SECRET-KEY");
    }
  });

  // The dev server's answers (temporal CLI 1.9.1, Server 1.32) to a 3 MB and a 10 MB activity input,
  // and a standalone Nexus operation's, as test/e2e/run/payload-limits.test.ts sees them.
  it("names an input over the server's payload limit as such, never as rate limiting", () => {
    const activity = mapGrpcError(serviceError(status.INVALID_ARGUMENT, "input exceeds length limit"), ctx);
    expect(activity).toBeInstanceOf(PayloadTooLargeError);
    expect(activity).not.toBeInstanceOf(ServerError);
    expect((activity as PayloadTooLargeError).message).toBe(
      "the input is over the server's limit (by default 2,097,152 bytes (2 MiB))",
    );
    const nexus = mapGrpcError(
      serviceError(status.INVALID_ARGUMENT, "input exceeds size limit. Length=3000100 Limit=1048576"),
      { ...ctx, method: "StartNexusOperationExecution" },
    ) as PayloadTooLargeError;
    expect(nexus.message).toBe(
      "the input is 3,000,100 bytes (2.9 MiB) encoded, over the server's limit of 1,048,576 bytes (1 MiB)",
    );
    expect(nexus.about("Nexus operation r.s", 1).message).toMatch(
      /^the input of Nexus operation r\.s is 3,000,100 bytes/,
    );
    const whole = mapGrpcError(
      serviceError(status.RESOURCE_EXHAUSTED, "grpc: received message larger than max (10001031 vs. 4194304)"),
      ctx,
    ) as PayloadTooLargeError;
    expect(whole).toBeInstanceOf(PayloadTooLargeError);
    expect(whole.message).toBe(
      "the start request is 10,001,031 bytes (9.5 MiB) encoded, over the server's gRPC message limit of 4,194,304 bytes (4 MiB)",
    );
    expect(whole.message).not.toMatch(/rate limit|concurrency/);
    expect(whole.hint).toMatch(/by reference/);
    expect(whole.exitCode).toBe(2);
    // A busy server is still one.
    expect(mapGrpcError(serviceError(status.RESOURCE_EXHAUSTED, "namespace rate limit exceeded"), ctx)).toBeInstanceOf(
      ResourceExhaustedError,
    );
  });

  it("returns anything that is not a gRPC error unchanged (a bug keeps its stack)", () => {
    const bug = new TypeError("x is undefined");
    expect(mapGrpcError(bug, ctx)).toBe(bug);
  });
});
