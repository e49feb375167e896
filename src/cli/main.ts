/**
 * Argument parsing and wiring only. Each command lives in its own file and is imported when it runs,
 * so `nxrun check` does not pay for loading gRPC or Ink.
 */
import { Command, CommanderError } from "commander";
import { printError } from "./print-error.js";

const VERSION = "0.1.0";
const SUBCOMMANDS = new Set(["run", "check", "graph", "eval", "status", "cancel", "list", "count", "help"]);

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // `nxrun pipeline.yaml ...` is `nxrun run pipeline.yaml ...`.
  const first = argv[0];
  if (first !== undefined && !first.startsWith("-") && !SUBCOMMANDS.has(first)) argv = ["run", ...argv];

  let exitCode = 0;
  const program = new Command("nxrun")
    .description("Run YAML pipelines of standalone Temporal activities and Nexus operations")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .showSuggestionAfterError(true);

  const commands: Array<(program: Command, setExit: (code: number) => void) => void> = (
    await Promise.all([import("./commands.js")])
  ).map((m) => m.registerCommands);
  for (const register of commands) register(program, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; usage mistakes with 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    return printError(error);
  }
  return exitCode;
}
