/**
 * The limits a Temporal server puts on what nxrun sends, in one table (docs/language.md, "Server
 * limits", says the same to users), and the error for a payload over them. The server's own values
 * win where it says them: DescribeNamespace reports the blob size limit (namespace-limits.ts); no
 * API reports the ID length limit, so its documented default is what nxrun checks against.
 */
import { UserError } from "../base/user-error.js";

/** One limit: its value, the server's dynamic config key that sets it, and what it bounds. */
export interface ServerLimit {
  readonly bytes: number;
  readonly setting: string;
  readonly bounds: string;
}

/** The server defaults (Temporal Server 1.32; the `temporal` CLI dev server 1.9.1 reports the same). */
export const SERVER_LIMITS = {
  /** Reported by DescribeNamespace as `namespaceInfo.limits.blobSizeLimitError`. */
  payload: {
    bytes: 2 * 1024 * 1024,
    setting: "limit.blobSize.error",
    bounds: "the encoded input of an activity (all its arguments) or of a Nexus operation",
  },
  /** Not reported by any API; counted in bytes of UTF-8, as the server counts. */
  id: {
    bytes: 1000,
    setting: "limit.maxIDLength",
    bounds: "an activity or Nexus operation ID, a task queue name, an activity type",
  },
  /** gRPC's own bound on one request the frontend receives, whatever the payload limit says. */
  request: {
    bytes: 4 * 1024 * 1024,
    setting: "the frontend's gRPC max receive message size",
    bounds: "one whole request (input, summary, details, headers together)",
  },
} as const satisfies Record<string, ServerLimit>;

/** The limits a run is held to: the server's where it said them, else the table's defaults. */
export interface ServerLimits {
  /** Most bytes of one execution's encoded input. */
  readonly payloadBytes: number;
  /** Where payloadBytes comes from. */
  readonly payloadFrom: "server" | "default";
  /** Most bytes of an execution ID. */
  readonly idBytes: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  payloadBytes: SERVER_LIMITS.payload.bytes,
  payloadFrom: "default",
  idBytes: SERVER_LIMITS.id.bytes,
};

/** `3,000,012 bytes (2.9 MiB)`: exact for comparing, rounded for reading. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString("en-US")} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 1024) return exact;
  const [unit, size] = bytes < 1024 * 1024 ? ["KiB", bytes / 1024] : ["MiB", bytes / 1024 / 1024];
  return `${exact} (${Number(size.toFixed(1))} ${unit})`;
}

/** A limit in bytes with its words: `the server's limit of 2,097,152 bytes (2 MiB)`. */
export interface PayloadLimit {
  readonly bytes: number;
  readonly text: string;
}

/** The payload limit of `limits` with its words. */
export function payloadLimit(limits: ServerLimits): PayloadLimit {
  const whose = limits.payloadFrom === "server" ? "the server's limit" : "the default limit of Temporal servers";
  return { bytes: limits.payloadBytes, text: `${whose} of ${formatBytes(limits.payloadBytes)}` };
}

/** What to do about a payload that is too large, with what a pipeline author has. */
export const PAYLOAD_HINT =
  "pass large data by reference (a URL, a path or a key the worker reads) instead of in the input; the limit is the server's (limit.blobSize.error)";

/**
 * An execution's input is over what the server accepts. Not a ServerError: the server is fine, the
 * step's input is not, so the step fails (src/engine/step-runner.ts) as for any other mistake of its
 * own, with the size and the limit, rather than the run ending as if the server were in trouble.
 */
export class PayloadTooLargeError extends UserError {
  override readonly name: string = "PayloadTooLargeError";
  /** What is too large: `the input`, `the request`. */
  readonly subject: string;
  /** The encoded size, when known (the server's refusal does not always say it). */
  readonly bytes: number | undefined;
  readonly limit: PayloadLimit;
  /** `subject` of `of` (`the input` of `activity run-1.fetch`) is `bytes` encoded, over `limit`. */
  constructor(
    subject: string,
    of: string | undefined,
    bytes: number | undefined,
    limit: PayloadLimit,
    cause?: unknown,
  ) {
    const what = of === undefined ? subject : `${subject} of ${of}`;
    const size = bytes === undefined ? "over" : `${formatBytes(bytes)} encoded, over`;
    super(`${what} is ${size} ${limit.text}`, { hint: PAYLOAD_HINT, ...(cause === undefined ? {} : { cause }) });
    this.subject = subject;
    this.bytes = bytes;
    this.limit = limit;
  }

  /** The same refusal said of `of` (the execution it was for), with the size measured where the server did not say it. */
  about(of: string, measured: number): PayloadTooLargeError {
    return new PayloadTooLargeError(this.subject, of, this.bytes ?? measured, this.limit, this.cause);
  }
}
