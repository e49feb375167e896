/**
 * Argument parsing and wiring only. Each command lives in its own file and is imported when it runs,
 * so `nxrun check` does not pay for loading gRPC or Ink.
 */

import { Command, CommanderError } from "commander";
import { ExitCode } from "../base/exit-codes.js";
import { detectTerminal, type Terminal } from "../base/terminal.js";
import { NXRUN_VERSION } from "../base/version.js";
import { handleClosedOutput } from "./closed-output.js";
import type { CliContext } from "./context.js";
import { SIGNAL_COMMANDS } from "./early-interrupts.js";
import { catchInterrupts, NO_SIGNALS } from "./interrupts.js";
import { printError } from "./print-error.js";

/**
 * This process's streams and environment, read here and nowhere else: every command writes through
 * the terminal it is handed (src/cli/context.ts), so a test can hand it others.
 */
function processTerminal(): Terminal {
  return detectTerminal({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
}

/** Runs the CLI on `terminal` (this process's, by default); resolves to the process exit code. */
export async function main(argv: string[], terminal: Terminal = processTerminal()): Promise<number> {
  // `nxrun pipeline.yaml ...` is `nxrun run pipeline.yaml ...`.
  const first = argv[0];
  if (first !== undefined && !first.startsWith("-") && first !== "__complete") {
    if (!(await import("./commands.js")).commandNames().has(first)) argv = ["run", ...argv];
  }
  const interrupts = SIGNAL_COMMANDS.has(argv[0] ?? "")
    ? catchInterrupts(terminal.stderr.stream)
    : catchInterrupts(terminal.stderr.stream, NO_SIGNALS);
  try {
    return await runMain(argv, { terminal, secrets: [], interrupts });
  } finally {
    interrupts.close();
  }
}

async function runMain(argv: string[], cli: CliContext): Promise<number> {
  const { terminal } = cli;

  let exitCode: number = ExitCode.ok;
  const program = new Command("nxrun")
    .description("Run YAML pipelines of standalone Temporal activities and Nexus operations")
    .version(NXRUN_VERSION, "-V, --version")
    .exitOverride()
    .showSuggestionAfterError(true)
    // Commander's own lines (usage mistakes, --help, --version) go where every command's go.
    .configureOutput({
      writeOut: (text) => terminal.stdout.stream.write(text),
      writeErr: (text) => terminal.stderr.stream.write(text),
      getOutHelpWidth: () => terminal.stdout.width(),
      getErrHelpWidth: () => terminal.stderr.width(),
      getOutHasColors: () => terminal.stdout.color,
      getErrHasColors: () => terminal.stderr.color,
    });

  const commands: Array<(program: Command, setExit: (code: number) => void, cli: CliContext) => void> = (
    await Promise.all([import("./commands.js")])
  ).map((m) => m.registerCommands);
  for (const register of commands) register(program, (code) => (exitCode = code), cli);

  // `nxrun __complete <shell> <line>`: what the completion scripts call on TAB (completion/scripts.ts).
  // Not a commander command, so it stays out of help and out of its own completions.
  if (argv[0] === "__complete") {
    const { complete, completionLines } = await import("./completion/complete.js");
    const { withRunIds } = await import("./completion/run-ids.js");
    const [shell = "bash", line = ""] = argv.slice(1);
    const lines = completionLines(await withRunIds(complete(program, line), terminal.env), shell, line);
    terminal.stdout.stream.write(lines.length > 0 ? `${lines.join("\n")}\n` : "");
    return ExitCode.ok;
  }

  // Only this process's own streams: a test that hands in other streams keeps its own handling.
  if (terminal.stdout.stream === process.stdout) {
    handleClosedOutput(argv[0] ?? "", [terminal.stdout.stream, terminal.stderr.stream]);
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; usage mistakes with 2.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return printError(error, cli.secrets, terminal.stderr.stream);
  }
  return exitCode;
}
