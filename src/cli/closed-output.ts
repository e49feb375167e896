/**
 * A reader that goes away closes nxrun's stdout: `nxrun check p.yaml | head -3`. Node then emits
 * EPIPE as an 'error' event on the stream, which, unhandled, ended nxrun with "Error: write EPIPE"
 * and its stack. What a closed stdout means depends on the command:
 *
 * - a command that only reads and prints (check, eval, status, graph, list, ...) has nothing left
 *   to do for anyone: it ends at once, quietly, with exit 0;
 * - `run` goes on: its executions are started on a server, and a reader that stopped reading is not
 *   a request to cancel them (Ctrl-C is). What it would have printed is dropped; the report,
 *   JUnit and summary files are written, and the exit code is the run's (docs/cli.md);
 * - `check` and `test` go on too: their exit code is their verdict, and `nxrun check bad.yaml | head`
 *   under `set -o pipefail` must not pass an invalid pipeline. Both end on their own.
 */
import { ExitCode } from "../base/exit-codes.js";

/** Commands that go on when their output is closed: their exit code says more than their output. */
const GOES_ON = new Set(["run", "check", "test"]);

/** Listens for a closed `stdout`/`stderr` for `command` (the subcommand's name). */
export function handleClosedOutput(command: string, streams: readonly NodeJS.WriteStream[]): void {
  for (const stream of streams) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
      if (GOES_ON.has(command) || stream !== streams[0]) return;
      process.exit(ExitCode.ok);
    });
  }
}
