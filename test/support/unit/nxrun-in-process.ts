/**
 * `nxrun ARGS` run in this process (src/cli/main.ts) on memory streams, its stdout, stderr and exit
 * code kept: for CLI unit tests, and for end-to-end tests of the commands against the test server.
 */
import { main } from "../../../src/cli/main.js";
import { memoryStream, terminalOver } from "./terminal.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `columns`: the width of a terminal both streams are on; without it, no terminal (a pipe).
 * `env`: all the environment the command sees (the terminal's); no colour by default.
 */
export async function nxrunInProcess(
  args: string[],
  { columns, env = { NO_COLOR: "1" } }: { columns?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const stdout = memoryStream(columns === undefined ? {} : { columns });
  const stderr = memoryStream(columns === undefined ? {} : { columns });
  const code = await main(args, terminalOver(stdout.stream, env, stderr.stream));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
