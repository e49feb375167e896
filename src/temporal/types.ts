/**
 * The contract of the client layer over Temporal's standalone-execution RPCs. The engine talks to
 * Temporal only through these types; `src/temporal/*.ts` implements them over @grpc/grpc-js +
 * @temporalio/proto. Durations are milliseconds. Values in and out are plain JSON-able data:
 * payload encoding and decoding happen inside this layer.
 */

import type { ServerTrouble } from "./retry-rule.js";
import type { TypedSearchAttribute } from "./search-attributes.js";
import type { ServerLimits } from "./server-limits.js";

export type ExecutionKind = "activity" | "nexus";

export type ExecutionStatus = "running" | "completed" | "failed" | "canceled" | "terminated" | "timedOut" | "paused";

export type IdReusePolicy = "allowDuplicate" | "allowDuplicateFailedOnly" | "rejectDuplicate";
export type IdConflictPolicy = "fail" | "useExisting";

export interface RetryPolicyOptions {
  initialInterval?: number;
  backoffCoefficient?: number;
  maximumInterval?: number;
  maximumAttempts?: number;
  nonRetryableErrorTypes?: readonly string[];
}

interface CommonStartOptions {
  /** Required by the server: the execution ID (activity ID / operation ID). */
  id: string;
  /** Idempotency key of this start request; generated when absent. */
  requestId?: string;
  scheduleToClose?: number;
  scheduleToStart?: number;
  startToClose?: number;
  idReusePolicy?: IdReusePolicy;
  idConflictPolicy?: IdConflictPolicy;
  /** Sent as user metadata (shown in Temporal's UI). */
  summary?: string;
  /** Sent as user metadata details (Markdown; the UI shows it under the summary). */
  details?: string;
  /** Indexed by the server (typed payloads, never through a codec); visibility queries find the execution by them. */
  searchAttributes?: Readonly<Record<string, TypedSearchAttribute>>;
}

export interface StartActivityOptions extends CommonStartOptions {
  activityType: string;
  taskQueue: string;
  /** Positional arguments, each encoded as one payload. */
  args: readonly unknown[];
  heartbeat?: number;
  retry?: RetryPolicyOptions;
  priority?: { priorityKey?: number; fairnessKey?: string; fairnessWeight?: number };
  /** Temporal headers (encoded as JSON payloads). */
  headers?: Readonly<Record<string, unknown>>;
}

export interface StartNexusOperationOptions extends CommonStartOptions {
  endpoint: string;
  service: string;
  operation: string;
  /** The single input, encoded as one payload; undefined means binary/null. */
  input?: unknown;
  /** Nexus headers (strings). */
  headers?: Readonly<Record<string, string>>;
}

export interface Started {
  runId: string;
  /** False when an existing execution was used (conflict policy useExisting). */
  started: boolean;
}

/** Which `failure_info` a Failure carried. */
export type FailureKind =
  | "application"
  | "timeout"
  | "canceled"
  | "terminated"
  | "server"
  | "activity"
  | "childWorkflow"
  | "resetWorkflow"
  | "nexusOperation"
  | "nexusHandler"
  | "unknown";

/** A decoded `temporal.api.failure.v1.Failure`, cause chain included. */
export interface FailureInfo {
  message: string;
  /** Which kind of failure this is (added to the contract: lets callers branch without parsing `type`). */
  kind?: FailureKind;
  /** Application error type, Nexus handler error type, or the failure's kind (e.g. "TimeoutFailure"). */
  type?: string;
  nonRetryable?: boolean;
  /** For timeouts: SCHEDULE_TO_CLOSE, START_TO_CLOSE, ... */
  timeoutType?: string;
  /** Details payloads, decoded. */
  details?: unknown[];
  stackTrace?: string;
  cause?: FailureInfo;
}

export type Outcome =
  | { status: "completed"; result: unknown }
  | { status: "failed" | "canceled" | "terminated" | "timedOut"; failure: FailureInfo };

export interface AwaitOptions {
  /** Aborting stops waiting (it does not cancel the execution). */
  signal?: AbortSignal;
  /** Nexus only: called once when the operation is known to have started (async operations). */
  onStarted?: (operationToken: string | undefined) => void;
  /** Told when the server refuses the polls for now (busy, unreachable) and, with undefined, when it answers again. */
  onTrouble?: (trouble: ServerTrouble | undefined) => void;
}

/** An execution as a list shows it; a description (below) tells all of that and more. */
export interface ExecutionListEntry {
  kind: ExecutionKind;
  id: string;
  runId: string;
  status: ExecutionStatus;
  /** activity type, or `endpoint/service/operation`. */
  type: string;
  taskQueue?: string;
  startTime?: Date;
  closeTime?: Date;
}

export interface ExecutionDescription extends ExecutionListEntry {
  attempt?: number;
  lastFailure?: FailureInfo;
  /** Nexus: the cancellation state, e.g. "scheduled" | "backingOff" | "succeeded" | "failed" | "timedOut" | "blocked". */
  cancellationState?: string;
  /** Activity: a cancel request has been recorded. */
  cancelRequested?: boolean;
  outcome?: Outcome;
  /** The execution's input payloads, decoded; only when asked for (`describe(..., { includeInput: true })`). */
  input?: unknown[];
  /** What the execution is doing while it runs (attempts, retry timer, heartbeat, worker...). */
  details?: ExecutionDetails;
  /** Pass back in `DescribeOptions.longPollToken` to wait for the next change. */
  longPollToken?: Uint8Array;
}

/**
 * The state of a running execution, as Describe tells it. `state` is the server's pending state:
 * activity `scheduled | started | cancelRequested | paused | pauseRequested`, Nexus
 * `scheduled | backingOff | started | blocked`.
 */
export interface ExecutionDetails {
  state?: string;
  attempt?: number;
  /** The retry policy's bound; absent when unbounded (0). */
  maximumAttempts?: number;
  /** When the next attempt is scheduled (set while backing off). */
  nextAttemptTime?: Date;
  lastAttemptCompleteTime?: Date;
  lastStartedTime?: Date;
  /** Activity: the worker that last picked it up. */
  lastWorkerIdentity?: string;
  heartbeatTimeout?: number;
  lastHeartbeatTime?: Date;
  /** The last heartbeat's details (its first payload), decoded; absent when none were recorded. */
  heartbeat?: HeartbeatDetails;
  /** Nexus: why the operation is blocked (e.g. a circuit breaker). */
  blockedReason?: string;
  /** Nexus: the token of an operation that started asynchronously. */
  operationToken?: string;
  /** Nexus: the cancel request's delivery, while cancelling. */
  cancellation?: {
    state?: string;
    attempt?: number;
    lastFailure?: FailureInfo;
    nextAttemptTime?: Date;
    blockedReason?: string;
  };
}

/** Heartbeat details: a decoded JSON value, or the size of a payload that is not JSON. */
export type HeartbeatDetails = { value: unknown } | { undecodableBytes: number };

export interface DescribeOptions {
  /** Also return the input the execution was started with (activities). */
  includeInput?: boolean;
  /** From a previous description: long-poll until the execution changes (needs its run ID). */
  longPollToken?: Uint8Array;
  /** Ask for heartbeat details (activities). */
  heartbeatDetails?: boolean;
  signal?: AbortSignal;
}

export interface CountResult {
  count: number;
  groups: Array<{ values: unknown[]; count: number }>;
}

/** One kind of standalone execution; the same shape for activities and Nexus operations. */
export interface ExecutionClient<StartOptions> {
  readonly kind: ExecutionKind;
  start(options: StartOptions): Promise<Started>;
  /** Long-polls until the execution closes; a poll that returns with no outcome is repeated. */
  awaitOutcome(id: string, runId: string | undefined, options?: AwaitOptions): Promise<Outcome>;
  /** The execution's state now, or (with `longPollToken`) at its next change; a long poll that times out returns the state unchanged. */
  describe(id: string, runId?: string, options?: DescribeOptions): Promise<ExecutionDescription>;
  requestCancel(id: string, runId: string | undefined, reason: string): Promise<void>;
  terminate(id: string, runId: string | undefined, reason: string): Promise<void>;
  /** `signal` stops the listing, the call under way included. */
  list(query?: string, options?: { pageSize?: number; signal?: AbortSignal }): AsyncIterable<ExecutionListEntry>;
  count(query?: string): Promise<CountResult>;
}

export type ActivityExecutions = ExecutionClient<StartActivityOptions>;
export type NexusOperations = ExecutionClient<StartNexusOperationOptions>;

/** What the engine needs of Temporal. */
export interface TemporalClient {
  readonly address: string;
  readonly namespace: string;
  readonly activities: ActivityExecutions;
  readonly nexus: NexusOperations;
  /** How many workers poll `queue` for this kind of task (DescribeTaskQueue). */
  pollerCount(queue: string, type: ExecutionKind): Promise<number>;
  /** The limits the namespace holds starts to (server-limits.ts), asked once. */
  serverLimits(): Promise<ServerLimits>;
  /** Payloads pass a codec: their size is known only once encoded, at the start (payload-size.ts). */
  readonly encodesPayloads: boolean;
  /** Tells `listener` when the server stops answering (ConnectionChange) and when it answers again; returns an unsubscribe. */
  onConnectionChange(listener: (change: ConnectionChange) => void): () => void;
  close(): void;
}

/** The connection to the server was lost (calls refused with UNAVAILABLE, or left unanswered) or is back. */
export interface ConnectionChange {
  state: "lost" | "reconnected";
  address: string;
  /** When the outage began: its first sign since the last answer (connection-health.ts). */
  since: Date;
  /** lost: the error the first refused call got, or `server not answering`. */
  message?: string;
}

/** TLS settings of a connection; PEM data as text or bytes. */
export interface TlsSettings {
  /** CA certificate(s) to verify the server with; the system roots when absent. */
  serverRootCaCertificate?: string | Uint8Array;
  /** Name to verify the server's certificate against (and send as SNI). */
  serverName?: string;
  /** Client certificate and key for mTLS. */
  clientCertPair?: { crt: string | Uint8Array; key: string | Uint8Array };
  /** Skip checking the certificate's host name (the chain is still verified). */
  disableHostVerification?: boolean;
}

/** Where and how to connect; `resolveConnection` builds it from flags, env, pipeline and profile. */
export interface ConnectionOptions {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** TLS settings; absent or false means plaintext (an API key turns TLS on). */
  tls?: TlsSettings | false;
  /** Sent as `authorization: Bearer <key>`. Never printed. */
  apiKey?: string;
  /** Extra gRPC metadata sent with every call. */
  metadata?: Readonly<Record<string, string>>;
  /** Client identity recorded on the server; default `nxrun@<host>`. */
  identity?: string;
  /** Bound on reaching the server (ms): the first call fails after it. Default 10000. */
  connectTimeout?: number;
  /** A remote codec server every payload passes (remote-codec.ts); absent: payloads as nxrun writes them. */
  codec?: CodecSettings;
}

/** A remote codec server, as `--codec-endpoint`, `--codec-auth` and `--codec-header` give it. */
export interface CodecSettings {
  /** Base URL; `/encode` and `/decode` are added, `{namespace}` is replaced by the namespace. */
  endpoint: string;
  /** Sent as the `Authorization` header, as given. Never printed. */
  auth?: string;
  /** Extra HTTP headers. Their values are never printed. */
  headers?: Readonly<Record<string, string>>;
}
