/**
 * `nxrun cancel RUN_ID [--terminate] [--reason TEXT]`: finds the run's executions through visibility
 * and requests cancellation of (or terminates) each one still running. An `nxrun` process waiting on
 * them sees them end and follows its cancellation contract. Exit 0 when every request was accepted
 * (or nothing was running), 2 for an unknown run, 3 when the server refused a request or cannot be used.
 */

import { hostname, userInfo } from "node:os";
import { ExitCode } from "../base/exit-codes.js";
import { plural } from "../base/plural.js";
import type { Terminal } from "../base/terminal.js";
import { sanitizeTerminalText } from "../base/terminal-text.js";
import { isUserError } from "../base/user-error.js";
import { connectForOps } from "../runs/connect-for-runs.js";
import { roleLabel } from "../runs/execution-id.js";
import { checkRunIdSearchable, findRunExecutions } from "../runs/run-executions.js";
import { type StopAction, stopExecutions } from "../runs/stop-executions.js";
import { unknownRunError } from "../runs/unknown-run.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";

export interface CancelFlags extends ConnectionOverrides {
  terminate?: boolean;
  reason?: string;
}

/** Cancels or terminates the run's running executions; returns the exit code. */
export async function cancelCommand(runId: string, flags: CancelFlags, terminal: Terminal): Promise<number> {
  const stdout = terminal.stdout.stream;
  const stderr = terminal.stderr.stream;
  const action: StopAction = flags.terminate ? "terminate" : "cancel";
  const reason = flags.reason ?? `nxrun ${action} ${runId} by ${whoAmI()}`;
  checkRunIdSearchable(runId);
  const client = await connectForOps(flags);
  try {
    const executions = await findRunExecutions(client, runId);
    if (executions.length === 0) throw unknownRunError(client, runId);
    const running = executions.filter((e) => e.status === "running");
    const closed = executions.length - running.length;
    if (running.length === 0) {
      stdout.write(`nothing to ${action}: all ${plural(executions.length, "execution")} of run ${runId} have closed\n`);
      return ExitCode.ok;
    }
    const results = await stopExecutions(client, running, action, reason);
    const done = action === "cancel" ? "cancel requested" : "terminated";
    let errors = 0;
    for (const result of results) {
      // Execution IDs and errors come from the server: sanitized for the terminal.
      const label = sanitizeTerminalText(
        `${roleLabel(result.execution.role)} (${result.execution.kind} ${result.execution.id})`,
      );
      switch (result.outcome) {
        case "requested":
          stdout.write(`${done}: ${label}\n`);
          break;
        case "alreadyClosed":
          stdout.write(`already closed: ${label}\n`);
          break;
        case "error": {
          errors++;
          const message = sanitizeTerminalText(isUserError(result.error) ? result.error.message : String(result.error));
          stderr.write(`error: could not ${action} ${label}: ${message}\n`);
          break;
        }
        default: {
          const never: never = result;
          throw new Error(`unknown stop result ${JSON.stringify(never)}`);
        }
      }
    }
    const requested = results.filter((r) => r.outcome === "requested").length;
    const verb = action === "cancel" ? "requested cancellation of" : "terminated";
    stdout.write(
      `${verb} ${requested} of ${plural(running.length, "running execution")} of run ${runId}` +
        `${closed > 0 ? ` (${closed} had already closed)` : ""}\n`,
    );
    if (errors > 0) {
      stderr.write(`hint: run \`nxrun status ${runId}\` to see where each execution stands\n`);
      return ExitCode.server;
    }
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

/** `user@host` for the default reason, so the server records who stopped the run. */
function whoAmI(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}
