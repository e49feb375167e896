/**
 * Ctrl-C and SIGTERM while Node loads nxrun's code (up to seconds on a loaded machine), before
 * catchInterrupts (src/cli/interrupts.ts) listens: for the commands that handle signals, a line
 * saying so and exit 130, not Node's silent death by the signal. bin/nxrun.js sets it once;
 * catchInterrupts removes it when it takes over. Marked by a registered symbol, as the bundle
 * carries its own copy of this module.
 */
import { ExitCode } from "../base/exit-codes.js";

/**
 * Commands that wait on the server: a Ctrl-C ends them with a message and exit 130. The others only
 * read files and compute; Node's own ending by the signal is all they need.
 */
export const SIGNAL_COMMANDS: ReadonlySet<string> = new Set([
  "run",
  "status",
  "watch",
  "list",
  "count",
  "runs",
  "cancel",
]);

const EARLY = Symbol.for("nxrun.earlyInterrupt");

type Signal = "SIGINT" | "SIGTERM";

interface SignalHost {
  on(signal: Signal, listener: () => void): unknown;
  off(signal: Signal, listener: () => void): unknown;
  listeners(signal: Signal): Array<(...args: never[]) => unknown>;
  exit(code: number): void;
}

/** Listens until removeEarlyInterrupts; for `command` as bin/nxrun.js names it. */
export function catchEarlyInterrupts(
  command: string,
  stderr: { write(text: string): unknown },
  host: SignalHost = process,
): void {
  if (!SIGNAL_COMMANDS.has(command)) return;
  const onSignal = Object.assign(
    () => {
      stderr.write("nxrun: interrupted while starting; nothing was started\n");
      host.exit(ExitCode.interrupted);
    },
    { [EARLY]: true },
  );
  host.on("SIGINT", onSignal);
  host.on("SIGTERM", onSignal);
}

/** Removes what catchEarlyInterrupts set for `signal`, when the command's own handler for it is on. */
export function removeEarlyInterrupts(signal: Signal, host: Pick<SignalHost, "off" | "listeners"> = process): void {
  for (const listener of host.listeners(signal)) if (EARLY in listener) host.off(signal, listener as () => void);
}
