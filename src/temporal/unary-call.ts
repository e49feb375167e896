/**
 * One unary call made on a grpc-js channel directly (Channel.createCall, the interface grpc-js's own
 * Client builds on) instead of through Client.makeUnaryRequest.
 *
 * Why: makeUnaryRequest's layer (call properties, a ClientUnaryCallImpl event emitter, the
 * interceptor chain and an `Error` made before every call so that a failure can show the caller's
 * stack) was the largest part of the client layer's CPU over the work every gRPC client does, more
 * than the channel call it wraps (bench/findings.md, "Unary calls without the Client layer"). nxrun has no
 * interceptors and no call credentials (the API key travels as metadata: connect.ts), and every
 * failure becomes one of its own errors (grpc-errors.ts), so none of that layer is used.
 *
 * What stays as grpc-js does it: the order start, startRead, send, halfClose; a response that does
 * not decode cancels the call with INTERNAL; an OK status without a message is UNIMPLEMENTED; a failed
 * call is an Error with the status's code, details and metadata (a ServiceError).
 */
import {
  type ChannelInterface as Channel,
  Metadata,
  type ServiceError,
  type StatusObject,
  status,
} from "@grpc/grpc-js";

/** The call a channel makes (grpc-js does not export the type by name). */
type ChannelCall = ReturnType<Channel["createCall"]>;

/** A unary call in flight: cancel ends it with CANCELLED, as a Client call's cancel() does. */
export interface UnaryCall {
  cancel(): void;
}

/** The status of a failed call as grpc-js's Client reports it (its callErrorFromStatus, without the caller's stack). */
function serviceError(failed: StatusObject): ServiceError {
  const error = new Error(`${failed.code} ${status[failed.code]}: ${failed.details}`);
  return Object.assign(error, { code: failed.code, details: failed.details, metadata: failed.metadata });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends `request` (already encoded) to `path` on `channel` and calls `done` once with the decoded
 * response or a ServiceError.
 */
export function unaryCall<T>(
  channel: Channel,
  path: string,
  request: Buffer,
  decode: (bytes: Buffer) => T,
  metadata: Metadata,
  deadline: number,
  done: (error: ServiceError | null, response?: T) => void,
): UnaryCall {
  const call: ChannelCall = channel.createCall(path, deadline, undefined, null, undefined);
  let response: { value: T } | undefined;
  let decodeFailure: StatusObject | undefined;
  let ended = false;
  call.start(metadata, {
    onReceiveMetadata() {},
    onReceiveMessage(bytes: Buffer) {
      if (response !== undefined) {
        call.cancelWithStatus(status.UNIMPLEMENTED, "Too many responses received");
        return;
      }
      try {
        response = { value: decode(bytes) };
      } catch (error) {
        decodeFailure = {
          code: status.INTERNAL,
          details: `Response message parsing error: ${messageOf(error)}`,
          metadata: new Metadata(),
        };
        call.cancelWithStatus(decodeFailure.code, decodeFailure.details);
      }
    },
    onReceiveStatus(received: StatusObject) {
      if (ended) return;
      ended = true;
      const final = decodeFailure ?? received;
      if (final.code !== status.OK) done(serviceError(final));
      else if (response === undefined)
        done(serviceError({ code: status.UNIMPLEMENTED, details: "No message received", metadata: final.metadata }));
      else done(null, response.value);
    },
  });
  call.startRead();
  call.sendMessageWithContext({}, request);
  call.halfClose();
  return { cancel: () => call.cancelWithStatus(status.CANCELLED, "Cancelled on client") };
}
