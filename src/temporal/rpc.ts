/**
 * Unary calls to one Temporal gRPC service (WorkflowService, or OperatorService for preflight) over
 * one grpc-js channel, with protobufjs encoding from @temporalio/proto. Adds the connection's metadata, a deadline, abort
 * support and bounded, jittered retries of UNAVAILABLE and RESOURCE_EXHAUSTED for calls that are safe
 * to repeat; every failure leaves through `mapGrpcError`.
 */
import { type Client, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { UserError } from "../base/user-error.js";
import { ConnectionHealth } from "./connection-health.js";
import { mapGrpcError } from "./grpc-errors.js";
import { PollChannels } from "./poll-channels.js";
import type { MessageCodec } from "./proto.js";
import { notNowReason, RPC_BACKOFF } from "./retry-rule.js";
import { unaryCall } from "./unary-call.js";

export interface RpcCallOptions {
  /** Deadline of one attempt, ms; default the channel's call timeout. */
  timeout?: number;
  signal?: AbortSignal;
  /** A long poll: sent on a poll channel (see poll-channels.ts) when the RPC has them. */
  longPoll?: boolean;
  /** Safe to repeat (idempotent, or carries a request ID): UNAVAILABLE and RESOURCE_EXHAUSTED are retried with backoff. */
  idempotent?: boolean;
}

/**
 * Backoff for UNAVAILABLE and RESOURCE_EXHAUSTED within one call: bounded so an unreachable server
 * fails in seconds, not minutes (awaits and starts are patient around it: retry-rule.ts), and jittered so many calls refused at once
 * (a rate limit, a busy execution) do not come back at once.
 */
export interface RetryBackoff {
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: RetryBackoff = RPC_BACKOFF;

/** The aborted signal's reason, or a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** Resolves after `ms`, or rejects with the abort reason when the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The request's bytes. protobufjs's writer already gives a Buffer under Node, which grpc-js sends as
 * it is; a plain Uint8Array is wrapped without copying.
 */
function encoded<I>(type: MessageCodec<I, unknown>, request: I): Buffer {
  const bytes = type.encode(request).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The connection's metadata as grpc-js checks it. An entry gRPC refuses is the user's to fix (it
 * comes from --grpc-meta, TEMPORAL_GRPC_META or a profile), so it is a UserError, which names neither
 * key nor value: either may hold a token pasted in the wrong place.
 */
function connectionMetadata(entries: Readonly<Record<string, string>>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) {
    try {
      metadata.set(key, value);
    } catch {
      throw new UserError("a gRPC metadata entry has a key or value that gRPC does not allow", {
        hint: `metadata keys are lowercase letters, digits, "-", "_" and "."; values are printable ASCII on one line; check --grpc-meta, TEMPORAL_GRPC_META_<KEY> and the profile's [grpc_meta]`,
      });
    }
  }
  return metadata;
}

/** "Not now" answers worth repeating within a call (the rule: retry-rule.ts). */
function isRetryable(error: unknown): boolean {
  const reason = notNowReason(error);
  return reason === "unavailable" || reason === "busy";
}

/** How a ServiceRpc reaches its service. */
export interface ServiceRpcOptions {
  /** The channel for every call but long polls. */
  client: Client;
  /** Opens a channel (its own connection) for long polls; without it, long polls use `client`. */
  openPollChannel?: () => Client;
  /** Full gRPC service name, the first part of each method path. */
  service: string;
  address: string;
  namespace: string;
  metadata: Readonly<Record<string, string>>;
  /** Default per-attempt deadline, ms. */
  callTimeout: number;
  backoff?: RetryBackoff;
}

/** Calls to the service named `service` (e.g. temporal.api.workflowservice.v1.WorkflowService). */
export class ServiceRpc {
  readonly service: string;
  readonly address: string;
  readonly namespace: string;
  private readonly client: Client;
  private readonly pollChannels: PollChannels | undefined;
  /** The connection's metadata, checked and built once (each call sends a copy). */
  private readonly metadata: Metadata;
  private readonly callTimeout: number;
  private readonly backoff: RetryBackoff;
  /** Lost / regained, as every call's answer tells it. */
  readonly health: ConnectionHealth;

  constructor(options: ServiceRpcOptions) {
    this.client = options.client;
    this.pollChannels = options.openPollChannel ? new PollChannels(options.openPollChannel) : undefined;
    this.service = options.service;
    this.address = options.address;
    this.namespace = options.namespace;
    this.metadata = connectionMetadata(options.metadata);
    this.callTimeout = options.callTimeout;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.health = new ConnectionHealth(options.address);
  }

  /** Calls `method` once, or with retries on UNAVAILABLE / brief RESOURCE_EXHAUSTED when `idempotent`. */
  async call<I, T>(
    method: string,
    requestType: MessageCodec<I, unknown>,
    responseType: MessageCodec<unknown, T>,
    request: I,
    options: RpcCallOptions = {},
  ): Promise<T> {
    const attempts = options.idempotent ? this.backoff.maxAttempts : 1;
    let delay = this.backoff.initialMs;
    for (let attempt = 1; ; attempt++) {
      const epoch = this.health.epoch;
      try {
        const response = await this.once(method, requestType, responseType, request, options);
        this.health.answered();
        return response;
      } catch (error) {
        if (options.signal?.aborted) throw abortReason(options.signal);
        const { code, details } = error as Partial<ServiceError>;
        if (code === status.UNAVAILABLE) this.health.failed(details || "unavailable", epoch);
        const retry = attempt < attempts && isRetryable(error);
        if (!retry) throw mapGrpcError(error, { method, address: this.address, namespace: this.namespace });
      }
      await sleep(delay * (0.8 + Math.random() * 0.4), options.signal);
      delay = Math.min(delay * 2, this.backoff.maxMs);
    }
  }

  private once<I, T>(
    method: string,
    requestType: MessageCodec<I, unknown>,
    responseType: MessageCodec<unknown, T>,
    request: I,
    options: RpcCallOptions,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(abortReason(signal));
      const bytes = encoded(requestType, request);
      const lent = options.longPoll ? this.pollChannels?.acquire() : undefined;
      const onAbort = () => call.cancel();
      const sent = this.health.sent(options.longPoll !== true);
      const call = unaryCall(
        (lent?.client ?? this.client).getChannel(),
        `/${this.service}/${method}`,
        bytes,
        (response: Buffer) => responseType.decode(response),
        // A copy per call: grpc-js's filters add to the metadata they are given.
        this.metadata.clone(),
        Date.now() + (options.timeout ?? this.callTimeout),
        (error, response) => {
          this.health.ended(sent, error?.code === status.DEADLINE_EXCEEDED);
          lent?.release();
          signal?.removeEventListener("abort", onAbort);
          if (error) reject(error);
          else resolve(response as T);
        },
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    this.client.close();
    this.pollChannels?.close();
  }
}

/** A ServiceRpc opened for temporal.api.workflowservice.v1.WorkflowService. */
export type WorkflowServiceRpc = ServiceRpc;
