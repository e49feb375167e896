import { ExitCode } from "../base/exit-codes.js";
import { maskSecrets } from "../base/mask-secrets.js";
import { sanitizeTerminalLines } from "../base/terminal-text.js";
import { isUserError } from "../base/user-error.js";
import { mappedStack } from "./bundle-stack.js";

/**
 * Prints an error for a person: a user error as message + hint, a bug with its stack. Returns the
 * exit code. This is where every error reaches the terminal, so it masks the run's secrets
 * (`secrets`: those read so far) and sanitizes the text (server and worker text in messages).
 */
export function printError(
  error: unknown,
  secrets: readonly string[],
  stderr: { write(text: string): unknown },
): number {
  const safe = (text: string) => sanitizeTerminalLines(maskSecrets(text, secrets));
  if (isUserError(error)) {
    stderr.write(`error: ${safe(error.message)}\n`);
    if (error.hint) stderr.write(`hint: ${safe(error.hint)}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? mappedStack(error.stack ?? String(error)) : String(error);
  stderr.write(`nxrun: internal error (a bug; please report it with this output)\n${safe(stack)}\n`);
  return ExitCode.bug;
}
