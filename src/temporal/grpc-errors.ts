/**
 * gRPC failures of WorkflowService calls, mapped in this one place to the typed errors of
 * service-errors.ts: each is something about the server, the connection or the request the user can
 * act on. Messages never include metadata, so API keys and key material cannot leak through them.
 */
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { decodeByTypeName, google } from "./proto.js";
import { formatBytes, PayloadTooLargeError, SERVER_LIMITS } from "./server-limits.js";
import {
  AlreadyStartedError,
  AuthError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NamespaceNotFoundError,
  NotFoundError,
  ResourceExhaustedError,
  TemporalServiceError,
  UnavailableError,
  UnimplementedError,
} from "./service-errors.js";

/**
 * What a user does about a server without a standalone feature, with what they have: the `temporal` CLI's
 * dev server (1.9.1+ carries Server 1.32.0; standalone Nexus operations are on by default from 1.10.0),
 * or the dynamic config of their own server.
 */
export function standaloneFeatureHint(feature: { key: string }, namespace: string): string {
  const devServer = `temporal server start-dev --dynamic-config-value ${feature.key}=true`;
  return `locally, start the dev server of Temporal CLI 1.9.1 or newer as \`${devServer}\`; on your own server (1.32.0 or newer), set the dynamic config ${feature.key}=true for namespace "${namespace}"`;
}

/** What was being done when a call failed, for messages that say where and what. */
export interface CallContext {
  /** WorkflowService method, e.g. StartActivityExecution. */
  method: string;
  address: string;
  namespace: string;
}

/** Decoded entries of the `grpc-status-details-bin` trailer (google.rpc.Status.details). */
export function statusDetails(metadata: Metadata | undefined): Array<{ typeName: string; value: unknown }> {
  const raw = metadata?.get("grpc-status-details-bin")[0];
  if (!raw || typeof raw === "string") return [];
  try {
    const st = google.rpc.Status.decode(raw);
    return st.details.map((any) => {
      const typeName = (any.type_url ?? "").replace(/^.*\//, "");
      return { typeName, value: decodeByTypeName(typeName, any.value ?? new Uint8Array()) };
    });
  } catch {
    return [];
  }
}

function isActivityMethod(method: string) {
  return /Activit/.test(method);
}
function isNexusMethod(method: string) {
  return /NexusOperation/.test(method);
}

/** The failing call's one-line subject, e.g. "StartActivityExecution on 127.0.0.1:7233". */
function where(ctx: CallContext) {
  return `${ctx.method} on ${ctx.address}`;
}

/**
 * grpc-js's "No connection established. Last error: X. Resolution note: Y" as what went wrong: the
 * last error, the note only when there is one, OpenSSL's error codes and source file left out.
 */
export function connectionFailure(message: string): string {
  const match = /^No connection established\. Last error: ([\s\S]*?)(?:\. Resolution note: ([\s\S]*))?$/.exec(message);
  if (!match) return message;
  const note = match[2]?.trim();
  const last = (match[1] ?? "")
    .replace(/^Error: /, "")
    // "806C...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/...:350:"
    .replace(/[0-9A-F]+:error:[0-9A-F]+:([^:\n]+):[^:\n]*:([^:\n]+):[^\n]*/g, "$1: $2")
    .trim();
  const text = last === "" ? "no connection" : last;
  return note ? `${text}; ${note}` : text;
}

/** What to check when the connection could not be made, judged by grpc-js's message. */
function unavailableHint(serverMessage: string): string {
  if (/SSL|TLS|certificate|handshake|WRONG_VERSION/i.test(serverMessage)) {
    return "a TLS problem: check --tls, the CA (--tls-ca-path) and --tls-server-name; a plaintext server needs no --tls and no API key";
  }
  // A plaintext HTTP/2 preface sent to a TLS port: the server's TLS (or HTTP/1 "plain HTTP sent to
  // HTTPS port") answer is not HTTP/2, and Node's http2 reports a protocol error.
  if (/Protocol error/i.test(serverMessage)) {
    return "the server may require TLS: pass --tls / set TEMPORAL_TLS, or check the address (--address / TEMPORAL_ADDRESS)";
  }
  return "check --address / TEMPORAL_ADDRESS and that the server is running";
}

/**
 * HTTP statuses a TLS-terminating proxy sends when it refuses the client certificate: nginx's 495
 * (bad certificate) and 496 (none sent) reach the client as 400 (grpc-js: INTERNAL); other proxies
 * may pass 495/496 through (grpc-js: UNKNOWN). A gRPC server itself never answers HTTP 400.
 */
const CLIENT_CERTIFICATE_REFUSED = new Set(["400", "495", "496"]);

/** What to check when the server refused a request's arguments, judged by its message. */
function invalidArgumentHint(serverMessage: string): string {
  // "ExecutionStatus attribute can't be set in SearchAttributes": registered, so preflight passes it.
  if (/can't be set in SearchAttributes/i.test(serverMessage)) {
    return "check the step's searchAttributes: that one is Temporal's own, set by the server; tag the execution with a custom search attribute (temporal operator search-attribute create)";
  }
  // 'nexus_header contains a disallowed key: "request-timeout"': the server keeps some names for itself.
  if (/nexus_header|header contains/i.test(serverMessage)) {
    return "check the step's headers: the server keeps that name for itself; send the value under another name";
  }
  if (/search ?attribute/i.test(serverMessage)) {
    return "check the step's searchAttributes: `nxrun check --preflight` says which the namespace lacks or types otherwise";
  }
  return "check the step's options (IDs, timeouts, retry policy, task queue, endpoint)";
}

/** Maps a failed grpc-js call to a typed error; anything else (a bug) is returned unchanged. */
export function mapGrpcError(error: unknown, ctx: CallContext): unknown {
  if (!isServiceError(error)) return error;
  const details = statusDetails(error.metadata);
  const serverMessage = error.details || error.message;
  const method = ctx.method;
  const cause = error;
  // A plain HTTP answer (a web server, or a proxy refusing the call, e.g. nginx's 400 for a missing
  // client certificate): grpc-js reports it as "Received HTTP status code N" under various codes.
  const http = /Received HTTP status code (\d+)/i.exec(serverMessage);
  if (http && CLIENT_CERTIFICATE_REFUSED.has(http[1] as string)) {
    return new AuthError(
      `Temporal at ${ctx.address} did not accept the credentials: it (or a proxy in front of it) answered HTTP ${http[1]}, its answer to a missing or invalid client certificate`,
      error.code,
      method,
      {
        hint: "mTLS: give a client certificate and its key (--tls-cert-path and --tls-key-path, or TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH) issued by a CA the server trusts",
        cause,
      },
    );
  }
  if (http && error.code !== status.UNAUTHENTICATED && error.code !== status.PERMISSION_DENIED) {
    return new UnavailableError(
      `the server at ${ctx.address} answered HTTP ${http[1]} instead of gRPC: it is not a Temporal gRPC frontend, or a proxy in front of it refused the call`,
      error.code,
      method,
      {
        hint: "check --address / TEMPORAL_ADDRESS (the frontend's gRPC port, 7233 by default); a proxy that requires a client certificate needs --tls-cert-path and --tls-key-path",
        cause,
      },
    );
  }
  switch (error.code as status) {
    case status.NOT_FOUND: {
      const ns = details.find((d) => d.typeName.endsWith("NamespaceNotFoundFailure"));
      if (ns || /namespace .* (is )?not found/i.test(serverMessage)) {
        return new NamespaceNotFoundError(
          `namespace "${ctx.namespace}" was not found on ${ctx.address}`,
          error.code,
          method,
          {
            hint: "check --namespace / TEMPORAL_NAMESPACE (or the pipeline's temporal.namespace); `temporal operator namespace list` shows the server's namespaces",
            cause,
          },
        );
      }
      if (/nexus endpoint/i.test(serverMessage)) {
        return new NotFoundError(`Nexus endpoint not found on ${ctx.address}: ${serverMessage}`, error.code, method, {
          hint: "create it: temporal operator nexus endpoint create --name <endpoint> --target-namespace <ns> --target-task-queue <queue>",
          cause,
        });
      }
      return new NotFoundError(`not found (${where(ctx)}): ${serverMessage}`, error.code, method, {
        hint: "check the execution ID (and run ID); closed executions are removed after the namespace's retention period",
        cause,
      });
    }
    case status.ALREADY_EXISTS: {
      const found = details.find(
        (d) =>
          d.typeName === "temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure" ||
          d.typeName === "temporal.api.errordetails.v1.NexusOperationExecutionAlreadyStartedFailure",
      );
      const value = (found?.value ?? {}) as { runId?: string; startRequestId?: string };
      const kind = isNexusMethod(method) ? "Nexus operation" : "activity";
      return new AlreadyStartedError(
        `an ${kind} execution with this ID already exists${value.runId ? ` (run ${value.runId})` : ""}: ${serverMessage}`,
        error.code,
        method,
        value,
        {
          hint: "use another ID, or set the ID conflict policy to useExisting (running) / the reuse policy to allowDuplicate (closed)",
          cause,
        },
      );
    }
    case status.UNIMPLEMENTED: {
      const feature = isNexusMethod(method)
        ? { name: "standalone Nexus operations", key: "nexusoperation.enableStandalone" }
        : isActivityMethod(method)
          ? { name: "standalone activities", key: "activity.enableStandalone" }
          : undefined;
      if (!feature) {
        return new UnimplementedError(
          `the Temporal server at ${ctx.address} does not implement ${method}: ${serverMessage}`,
          error.code,
          method,
          { cause },
        );
      }
      return new UnimplementedError(
        `the Temporal server at ${ctx.address} lacks ${feature.name} (${method} is unimplemented: ${serverMessage})`,
        error.code,
        method,
        {
          hint: standaloneFeatureHint(feature, ctx.namespace),
          cause,
        },
      );
    }
    case status.UNAVAILABLE: {
      // OpenSSL's answer when the other side does not speak TLS: a plain-text port.
      if (/wrong version number|packet length too long|http request/i.test(serverMessage)) {
        return new UnavailableError(
          `cannot reach Temporal at ${ctx.address} over TLS: the port did not answer the TLS handshake with TLS (a plain-text port?)`,
          error.code,
          method,
          {
            hint: "for a plain-text server drop --tls (and TEMPORAL_TLS, a profile's [tls]; an API key turns TLS on unless TEMPORAL_TLS=false or the profile's tls disabled = true), or check --address for the server's TLS port",
            cause,
          },
        );
      }
      return new UnavailableError(
        `cannot reach Temporal at ${ctx.address} (${connectionFailure(serverMessage)})`,
        error.code,
        method,
        {
          hint: unavailableHint(serverMessage),
          cause,
        },
      );
    }
    case status.DEADLINE_EXCEEDED:
      return new DeadlineExceededError(
        `no answer from Temporal at ${ctx.address} in time (${method})`,
        error.code,
        method,
        {
          hint: "check --address / TEMPORAL_ADDRESS, that the server is running, and that nothing blocks the port",
          cause,
        },
      );
    case status.UNAUTHENTICATED:
      return new AuthError(
        `Temporal at ${ctx.address} did not accept the credentials: ${serverMessage}`,
        error.code,
        method,
        {
          hint: "check the API key (--api-key / TEMPORAL_API_KEY) or the mTLS client certificate and key (--tls-cert-path, --tls-key-path)",
          cause,
        },
      );
    case status.PERMISSION_DENIED:
      return new AuthError(
        `permission denied by Temporal at ${ctx.address} for ${method}: ${serverMessage}`,
        error.code,
        method,
        {
          hint: `check that the API key or client certificate is allowed to use namespace "${ctx.namespace}"`,
          cause,
        },
      );
    case status.INVALID_ARGUMENT: {
      const oversize = payloadRefusal(serverMessage, error);
      if (oversize) return oversize;
      return new InvalidArgumentError(`Temporal rejected ${method}: ${serverMessage}`, error.code, method, {
        hint: invalidArgumentHint(serverMessage),
        cause,
      });
    }
    case status.RESOURCE_EXHAUSTED:
      return (
        (method.startsWith("Start") ? requestRefusal(serverMessage, error) : undefined) ??
        new ResourceExhaustedError(
          `Temporal at ${ctx.address} is rate limiting ${method}: ${serverMessage}`,
          error.code,
          method,
          {
            hint: "lower --concurrency or ask the server's operator for a higher limit",
            cause,
          },
        )
      );
    case status.FAILED_PRECONDITION:
      return new FailedPreconditionError(`Temporal refused ${method}: ${serverMessage}`, error.code, method, {
        hint: "the execution is not in a state that allows this (e.g. it has already closed); describe it to see its state",
        cause,
      });
    default:
      return new TemporalServiceError(
        `${where(ctx)} failed (${status[error.code] ?? error.code}): ${serverMessage}`,
        error.code,
        method,
        { hint: "a problem on the server's side or between: try again, and check the server's logs", cause },
      );
  }
}

/**
 * The server's refusal of an input over its payload limit: "input exceeds length limit" (standalone
 * activities) or "input exceeds size limit. Length=N Limit=M" (standalone Nexus operations). The
 * caller names the execution and the size it measured (payload-size.ts, sizeRefusalOf).
 */
function payloadRefusal(serverMessage: string, cause: unknown): PayloadTooLargeError | undefined {
  if (!/\binput exceeds (length|size) limit/i.test(serverMessage)) return undefined;
  const length = /Length=(\d+)/.exec(serverMessage)?.[1];
  const limit = /Limit=(\d+)/.exec(serverMessage)?.[1];
  const bytes = limit === undefined ? SERVER_LIMITS.payload.bytes : Number(limit);
  const whose = limit === undefined ? "the server's limit (by default" : "the server's limit of";
  const text = limit === undefined ? `${whose} ${formatBytes(bytes)})` : `${whose} ${formatBytes(bytes)}`;
  return new PayloadTooLargeError(
    "the input",
    undefined,
    length === undefined ? undefined : Number(length),
    { bytes, text },
    cause,
  );
}

/**
 * gRPC's refusal of a start request over the frontend's message size: "received message larger than
 * max (N vs. M)". (The same words from grpc-js itself are about an answer over nxrun's own limit.)
 */
function requestRefusal(serverMessage: string, cause: unknown): PayloadTooLargeError | undefined {
  const sizes = /larger than max \((\d+) vs\. (\d+)\)/i.exec(serverMessage);
  if (!sizes) return undefined;
  const limit = Number(sizes[2]);
  return new PayloadTooLargeError(
    "the start request",
    undefined,
    Number(sizes[1]),
    { bytes: limit, text: `the server's gRPC message limit of ${formatBytes(limit)}` },
    cause,
  );
}

/** A grpc-js call error (has a numeric code and metadata). */
export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === "number" &&
    (error as Partial<ServiceError>).metadata instanceof Metadata
  );
}
