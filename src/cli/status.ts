/**
 * `nxrun status RUN_ID`: the run's executions (both kinds) from visibility, with each one's step,
 * status, times and failure message. Text table or `--output json`. Exit 0, 2 for an unknown run,
 * 3 when the server cannot be used.
 */
import { ExitCode } from "../base/exit-codes.js";
import { connectForOps } from "../runs/connect-for-runs.js";
import { roleLabel } from "../runs/execution-id.js";
import {
  addFailureMessages,
  checkRunIdSearchable,
  findRunExecutions,
  type RunExecution,
} from "../runs/run-executions.js";
import { plural, renderTable, statusCell, timeCell } from "../runs/table.js";
import { unknownRunError } from "../runs/unknown-run.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";

export interface StatusFlags extends ConnectionOverrides {
  output?: "text" | "json";
}

/** Prints the run's executions; returns the exit code. */
export async function statusCommand(runId: string, flags: StatusFlags = {}): Promise<number> {
  checkRunIdSearchable(runId);
  const client = await connectForOps(flags);
  try {
    const executions = await findRunExecutions(client, runId);
    if (executions.length === 0) throw unknownRunError(client, runId);
    const undescribed = await addFailureMessages(client, executions);
    const counts = countByStatus(executions);
    if (flags.output === "json") {
      const json = {
        runId,
        address: client.address,
        namespace: client.namespace,
        counts,
        executions: executions.map(executionJson),
      };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return ExitCode.ok;
    }
    const summary = Object.entries(counts)
      .map(([status, n]) => `${n} ${status}`)
      .join(", ");
    process.stdout.write(
      `run ${runId} (namespace ${client.namespace} on ${client.address}): ${plural(executions.length, "execution")}: ${summary}\n\n`,
    );
    const rows = executions.map((e) => [
      roleLabel(e.role),
      e.kind,
      statusCell(e.status),
      timeCell(e.startTime),
      timeCell(e.closeTime),
      e.id,
      e.failureMessage ?? "",
    ]);
    process.stdout.write(
      `${renderTable(["STEP", "KIND", "STATUS", "STARTED", "CLOSED", "EXECUTION ID", "FAILURE"], rows)}\n`,
    );
    if (undescribed > 0) {
      process.stdout.write(`\n(failure messages left out for ${plural(undescribed, "more execution")})\n`);
    }
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

function executionJson(e: RunExecution) {
  return {
    step: e.role.stepId,
    role: e.role.role,
    ...(e.role.role === "item" ? { index: e.role.index } : {}),
    kind: e.kind,
    executionId: e.id,
    temporalRunId: e.runId,
    type: e.type,
    ...(e.taskQueue ? { taskQueue: e.taskQueue } : {}),
    status: e.status,
    startTime: e.startTime?.toISOString() ?? null,
    closeTime: e.closeTime?.toISOString() ?? null,
    failure: e.failureMessage ?? null,
  };
}

function countByStatus(executions: readonly RunExecution[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of executions) counts[e.status] = (counts[e.status] ?? 0) + 1;
  return counts;
}
