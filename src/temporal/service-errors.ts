/**
 * The typed errors of WorkflowService calls (src/temporal/grpc-errors.ts maps gRPC failures to them).
 * Every class is a ServerError (exit code 3, printed as message + hint with no stack). Kept apart from
 * the mapping, which needs grpc-js and the protobuf definitions: the engine and \`nxrun test\`'s
 * in-memory double throw and catch these without loading either.
 */
import { ServerError } from "../base/user-error.js";

/** Any failed call to the Temporal frontend. */
export class TemporalServiceError extends ServerError {
  override readonly name: string = "TemporalServiceError";
  /** The gRPC status code (`@grpc/grpc-js` `status`). */
  readonly code: number;
  readonly method: string;
  constructor(message: string, code: number, method: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
    this.method = method;
  }
}

/** The execution (or run) does not exist. */
export class NotFoundError extends TemporalServiceError {
  override readonly name = "NotFoundError";
}

/** The namespace does not exist on the server. */
export class NamespaceNotFoundError extends TemporalServiceError {
  override readonly name = "NamespaceNotFoundError";
}

/** Start was refused: an execution with this ID is running (conflict policy fail) or the reuse policy forbids a new one. */
export class AlreadyStartedError extends TemporalServiceError {
  override readonly name = "AlreadyStartedError";
  /** Run ID of the execution that holds the ID, from the error details. */
  readonly runId?: string;
  /** Request ID of the start that created it: equal to ours means our own earlier attempt. */
  readonly startRequestId?: string;
  constructor(
    message: string,
    code: number,
    method: string,
    details: { runId?: string; startRequestId?: string },
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, code, method, options);
    if (details.runId) this.runId = details.runId;
    if (details.startRequestId) this.startRequestId = details.startRequestId;
  }
}

/** The server lacks standalone activities or standalone Nexus operations (or this RPC entirely). */
export class UnimplementedError extends TemporalServiceError {
  override readonly name = "UnimplementedError";
}

/** The server could not be reached or answered UNAVAILABLE (after retries where retrying is safe). */
export class UnavailableError extends TemporalServiceError {
  override readonly name = "UnavailableError";
}

/** No answer within the call's deadline. */
export class DeadlineExceededError extends TemporalServiceError {
  override readonly name = "DeadlineExceededError";
}

/** Bad or missing credentials (UNAUTHENTICATED) or not allowed (PERMISSION_DENIED). */
export class AuthError extends TemporalServiceError {
  override readonly name = "AuthError";
}

/** The server rejected the request's content. */
export class InvalidArgumentError extends TemporalServiceError {
  override readonly name = "InvalidArgumentError";
}

/** Rate limited or out of some quota. */
export class ResourceExhaustedError extends TemporalServiceError {
  override readonly name = "ResourceExhaustedError";
}

/** The server refused in the execution's current state (e.g. terminate of a closed execution). */
export class FailedPreconditionError extends TemporalServiceError {
  override readonly name = "FailedPreconditionError";
}
