/**
 * How a confirm step nobody can answer is said, by who runs the pipeline: the CLI names its `--yes`
 * flag and its terminal view, a program (the library) the `yes: true` option and a reporter's
 * `onConfirm`. Used before the run (before-run-check.ts) and by the engine's gate (src/engine/confirm.ts).
 */

/** Who is told how to approve: `nxrun run` or a program calling `runPipeline`. */
export type ConfirmCaller = "cli" | "library";

/** Why nobody can answer, as the end of a sentence. */
export function nobodyToAnswer(caller: ConfirmCaller): string {
  return caller === "cli"
    ? "there is no terminal to ask on and no --yes"
    : "no reporter answers onConfirm and the run's options have no yes: true";
}

/** What approves confirm steps, said to `caller`. */
export function approveConfirmHint(caller: ConfirmCaller): string {
  return caller === "cli"
    ? "pass --yes to approve confirm steps, or run it in a terminal (not -o plain or -o json) to be asked"
    : "set yes: true in the run's options to approve confirm steps, or answer them in a reporter's onConfirm";
}
