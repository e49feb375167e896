/**
 * Errors the user can fix (bad pipeline, bad input, server unreachable, feature disabled...). The CLI
 * prints the message and hint with no stack trace and exits with the code of the error's kind
 * (src/base/exit-codes.ts); any other thrown error is a bug and is printed with its stack.
 */
import { USER_ERROR_EXIT, type UserErrorKind } from "./exit-codes.js";

export interface UserErrorOptions {
  hint?: string;
  cause?: unknown;
}

/** A usage mistake: flags, the pipeline, inputs, secrets, connection settings (exit 2). */
export class UserError extends Error {
  override readonly name: string = "UserError";
  readonly kind: UserErrorKind = "usage";
  readonly hint?: string;
  constructor(message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.hint !== undefined) this.hint = options.hint;
  }
  /** The process exit code for this error, from its kind. */
  get exitCode(): number {
    return USER_ERROR_EXIT[this.kind];
  }
}

/** The server cannot be reached or used (exit 3); src/temporal/grpc-errors.ts's errors are these. */
export class ServerError extends UserError {
  override readonly name: string = "ServerError";
  override readonly kind: UserErrorKind = "server";
}

/** An output the user asked for (a report file) could not be written (exit 4). */
export class OutputError extends UserError {
  override readonly name: string = "OutputError";
  override readonly kind: UserErrorKind = "output";
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
