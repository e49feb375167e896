/**
 * The command table. Each command's action imports its implementation lazily.
 * Add a command here with its options; put its behaviour in `src/cli/<command>.ts`.
 */
import type { Command } from "commander";

export function registerCommands(program: Command, setExit: (code: number) => void): void {
  void program;
  void setExit;
}
