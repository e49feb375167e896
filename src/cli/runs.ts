/**
 * `nxrun runs`: the recent runs of the namespace (optionally of one pipeline), newest first, each with
 * its state, start time, who started it and its duration. Text table or `-o json`.
 */
import { ExitCode } from "../base/exit-codes.js";
import type { Terminal } from "../base/terminal.js";
import { sanitizeTerminalText, terminalSafeJson } from "../base/terminal-text.js";
import { formatDuration } from "../pipeline/duration.js";
import { connectForOps } from "../runs/connect-for-runs.js";
import { recentRuns } from "../runs/recent-runs.js";
import { renderTable, timeCell } from "../runs/table.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";

export interface RunsFlags extends ConnectionOverrides {
  pipeline?: string;
  limit?: number;
  output?: "text" | "json";
}

const DEFAULT_LIMIT = 20;

export async function runsCommand(flags: RunsFlags, terminal: Terminal): Promise<number> {
  const stdout = terminal.stdout.stream;
  const client = await connectForOps(flags);
  try {
    const runs = await recentRuns(client, {
      limit: flags.limit ?? DEFAULT_LIMIT,
      pipeline: flags.pipeline,
    });
    if (flags.output === "json") {
      stdout.write(
        `${terminalSafeJson(JSON.stringify({ namespace: client.namespace, address: client.address, runs }, null, 2))}\n`,
      );
      return ExitCode.ok;
    }
    if (runs.length === 0) {
      const of = flags.pipeline === undefined ? "" : ` of pipeline ${flags.pipeline}`;
      stdout.write(`no runs${of} in namespace ${client.namespace} on ${client.address}\n`);
      return ExitCode.ok;
    }
    const rows = runs.map((r) => [
      sanitizeTerminalText(r.runId),
      sanitizeTerminalText(r.pipeline),
      r.exitCode === undefined || r.state === "completed" ? r.state : `${r.state} (exit ${r.exitCode})`,
      timeCell(new Date(r.startedAt)),
      sanitizeTerminalText(r.startedBy),
      r.durationMs === undefined ? "-" : formatDuration(r.durationMs),
    ]);
    stdout.write(`${renderTable(["RUN ID", "PIPELINE", "STATE", "STARTED", "BY", "DURATION"], rows)}\n`);
    return ExitCode.ok;
  } finally {
    client.close();
  }
}
