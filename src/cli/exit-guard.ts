/**
 * The last line of defence of bin/nxrun.js: a command whose promise never settles, because nothing
 * kept Node's event loop alive while it waited (a timer that does not hold the process, a question
 * nobody is waiting on), would end the process with exit 0 and no result: a run that looks like a
 * success. Node says so with `beforeExit`; this turns it into what it is, a bug (exit 70).
 */
import { ExitCode } from "../base/exit-codes.js";
import { mappedStack } from "./bundle-stack.js";

/** Sets the process exit code from `command`; 70 with a message if it rejects or the process empties first. */
export function exitWhenSettled(command: Promise<number>, stderr: NodeJS.WritableStream): void {
  let settled = false;
  const guard = () => {
    if (settled) return;
    settled = true;
    stderr.write(
      "nxrun: internal error: the command stopped before it finished (nothing was left for it to wait on).\n" +
        "This is a bug in nxrun; the run's state on the server is unchanged: check it with nxrun status RUN_ID.\n",
    );
    process.exitCode = ExitCode.bug;
  };
  process.once("beforeExit", guard);
  const settle = () => {
    settled = true;
    process.off("beforeExit", guard);
  };
  command.then(
    (code) => {
      settle();
      process.exitCode = code;
    },
    (error: unknown) => {
      // main() prints every error it expects; one that escapes it is a bug, shown with its stack.
      settle();
      stderr.write(
        `nxrun: internal error\n${error instanceof Error ? mappedStack(error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = ExitCode.bug;
    },
  );
}
