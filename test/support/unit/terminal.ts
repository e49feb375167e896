/** The one terminal object (src/base/terminal.ts) over a test's own stdout, for reporter unit tests. */
import { EventEmitter } from "node:events";
import { detectTerminal, type Terminal } from "../../../src/base/terminal.js";

/**
 * The terminal a reporter sees when it writes to `stdout` and stdin is no TTY (no one can answer a
 * prompt). No colour unless `env` says otherwise, so a frame reads as plain text.
 */
export function terminalOver(stdout: object, env: Record<string, string> = { NO_COLOR: "1" }): Terminal {
  return detectTerminal({
    stdout: stdout as NodeJS.WriteStream,
    stdin: Object.assign(new EventEmitter(), { isTTY: false }) as unknown as NodeJS.ReadStream,
    env,
  });
}
