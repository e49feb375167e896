/** `nxrun ARGS` run in this process (src/cli/main.ts) with its stdout and stderr kept, for CLI unit tests. */
import { EventEmitter } from "node:events";
import { detectTerminal } from "../../../src/base/terminal.js";
import { main } from "../../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `columns`: the width of a terminal both streams are on; without it, no terminal (a pipe). */
export async function nxrunInProcess(args: string[], { columns }: { columns?: number } = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) => ({
    write: (chunk: string | Uint8Array) => (append(String(chunk)), true),
    ...(columns === undefined ? {} : { columns }),
  });
  const terminal = detectTerminal({
    stdout: sink((t) => (stdout += t)) as unknown as NodeJS.WriteStream,
    stderr: sink((t) => (stderr += t)) as unknown as NodeJS.WriteStream,
    stdin: Object.assign(new EventEmitter(), { isTTY: false }) as unknown as NodeJS.ReadStream,
    env: { NO_COLOR: "1" },
  });
  const code = await main(args, terminal);
  return { code, stdout, stderr };
}
