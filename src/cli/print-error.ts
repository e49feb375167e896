import { ExitCode } from "../base/exit-codes.js";
import { isUserError } from "../base/user-error.js";

/** Prints an error for a person: a user error as message + hint, a bug with its stack. Returns the exit code. */
export function printError(error: unknown): number {
  if (isUserError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  process.stderr.write(`nxrun: internal error (a bug; please report it with this output)\n${stack}\n`);
  return ExitCode.bug;
}
