/**
 * An error the user can fix (bad pipeline, bad input, server unreachable, feature disabled...).
 * The CLI prints its message and hint with no stack trace and exits with its code; any other
 * thrown error is a bug and is printed with its stack.
 */
export class UserError extends Error {
  override readonly name: string = "UserError";
  /** Process exit code: 2 usage/pipeline/inputs, 3 server, 1 run failed. */
  readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 2;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
