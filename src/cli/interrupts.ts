/**
 * Ctrl-C and SIGTERM from the moment a command starts. Node's default ends the process by the signal
 * itself (exit 143 for SIGTERM), silently: no message, no runEnd event, no --report. Until a run's own
 * handling takes over (runWithSignals in src/cli/run.ts: the cancellation contract), a signal ends the
 * command here: it says what the command was doing, lets it write what it owes (a run's runEnd event
 * and report), and exits 130. A second signal while that is written exits at once.
 */
import { ExitCode } from "../base/exit-codes.js";
import { removeEarlyInterrupts } from "./early-interrupts.js";

/** Where the signals come from and how the process ends: this process's, unless a test hands in its own. */
export interface InterruptHost {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  exit(code: number): void;
}

export interface Interrupts {
  /** What the command is doing now, for the message: "connecting to 127.0.0.1:7233". */
  doing(what: string, after?: string): void;
  /** What to write before exiting (a run's runEnd event and report); undefined: nothing. */
  onInterrupt(write: ((message: string) => Promise<void>) | undefined): void;
  /**
   * Hands the signals to `handler` (the run's cancellation contract) until the returned function is
   * called. Never resolves once a signal came: the process is on its way out, so nothing may start.
   */
  takeOver(handler: () => void): Promise<() => void>;
  /** Stops listening: the command has ended. */
  close(): void;
}

/** Longest the owed writes may take before the process exits anyway: a report never holds Ctrl-C up. */
export const WRITE_GRACE_MS = 3_000;

/** Listens for SIGINT and SIGTERM on `host`, printing to `stderr`, from now until close(). */
export function catchInterrupts(
  stderr: { write(text: string): unknown },
  host: InterruptHost = processHost(),
): Interrupts {
  let what = "starting";
  let after = "";
  let write: ((message: string) => Promise<void>) | undefined;
  let handler: (() => void) | undefined;
  let interrupted = false;

  const onSignal = () => {
    if (handler) return handler();
    if (interrupted) return host.exit(ExitCode.interrupted);
    interrupted = true;
    const message = `interrupted while ${what}`;
    stderr.write(`nxrun: ${message}${after === "" ? "" : `; ${after}`}\n`);
    const grace = setTimeout(() => host.exit(ExitCode.interrupted), WRITE_GRACE_MS);
    void (write?.(message) ?? Promise.resolve())
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(grace);
        host.exit(ExitCode.interrupted);
      });
  };
  host.on("SIGINT", onSignal);
  host.on("SIGTERM", onSignal);

  return {
    doing(now, then = "") {
      what = now;
      after = then;
    },
    onInterrupt(next) {
      write = next;
    },
    async takeOver(next) {
      if (interrupted) await new Promise<never>(() => undefined);
      // From here the run's own reporters end its output and write its report.
      write = undefined;
      handler = next;
      return () => {
        if (handler === next) handler = undefined;
      };
    },
    close() {
      host.off("SIGINT", onSignal);
      host.off("SIGTERM", onSignal);
    },
  };
}

/** A host that sends no signal: for the commands Node's default ending serves (src/cli/main.ts). */
export const NO_SIGNALS: InterruptHost = { on: () => undefined, off: () => undefined, exit: () => undefined };

function processHost(): InterruptHost {
  return {
    on: (signal, listener) => {
      // Added before the early one goes: with no listener at all Node drops a signal already pending.
      process.on(signal, listener);
      removeEarlyInterrupts(signal);
    },
    off: (signal, listener) => process.off(signal, listener),
    exit: (code) => process.exit(code),
  };
}
