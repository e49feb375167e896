/** The exit code a run ends with, from its record: `nxrun run` and `nxrun test` (a case's exitCode) share it. */
import { ExitCode } from "../base/exit-codes.js";
import type { RunRecord } from "./events.js";

/**
 * 0 completed; 130 cancelled by a signal, or stopped by a second one (`terminated`: it ended the
 * cleanup of a run that had failed, so the user stopped it whatever its status); 1 otherwise
 * (failed, timed out, cancelled remotely).
 */
export function exitCodeOf(record: RunRecord, interrupted: boolean, terminated = false): number {
  if (terminated && record.status !== "completed") return ExitCode.interrupted;
  switch (record.status) {
    case "completed":
      return ExitCode.ok;
    case "canceled":
      return interrupted ? ExitCode.interrupted : ExitCode.runFailed;
    case "failed":
    case "timedOut":
    case "running":
    case "stopped":
      return ExitCode.runFailed;
    default: {
      const never: never = record.status;
      throw new Error(`unknown run status ${String(never)}`);
    }
  }
}
