/** What main (src/cli/main.ts) hands every command: built once per process. */
import type { Terminal } from "../base/terminal.js";
import type { Interrupts } from "./interrupts.js";

export interface CliContext {
  /** TTY, width, colour and hyperlinks of stdout and stderr: the one decision (src/base/terminal.ts). */
  readonly terminal: Terminal;
  /**
   * The secret values read so far (a run adds its pipeline's once it has read them): main's
   * printError masks them in any error that reaches the terminal.
   */
  readonly secrets: string[];
  /**
   * Ctrl-C and SIGTERM from the command's start (src/cli/interrupts.ts): a command that waits on the
   * server says what it was doing and exits 130; a run hands them to its cancellation contract.
   */
  readonly interrupts: Interrupts;
}
