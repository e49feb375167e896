/** The one terminal object (src/base/terminal.ts) over a test's own streams, for reporter and command tests. */
import { EventEmitter } from "node:events";
import { detectTerminal, type Terminal } from "../../../src/base/terminal.js";

/** A stdin that is no TTY: no one can answer a prompt. */
export function noInput(): NodeJS.ReadStream {
  return Object.assign(new EventEmitter(), { isTTY: false }) as unknown as NodeJS.ReadStream;
}

/** A writable that keeps what is written to it, in memory; `fields` add isTTY, columns or rows. */
export function memoryStream(fields: { isTTY?: boolean; columns?: number; rows?: number } = {}): {
  stream: NodeJS.WriteStream;
  text: () => string;
} {
  let text = "";
  const write = (chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  };
  const stream = { write, ...fields };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

/**
 * The terminal a reporter sees when it writes to `stdout` and stdin is no TTY (no one can answer a
 * prompt). No colour unless `env` says otherwise, so a frame reads as plain text. What goes to
 * stderr is kept in `stderr` (a memory stream unless one is given).
 */
export function terminalOver(
  stdout: object,
  env: Record<string, string> = { NO_COLOR: "1" },
  stderr: NodeJS.WriteStream = memoryStream().stream,
): Terminal {
  return detectTerminal({ stdout: stdout as NodeJS.WriteStream, stderr, stdin: noInput(), env });
}
