/**
 * `nxrun list` and `nxrun count`: standalone activities (`--kind activity`, the default) or Nexus
 * operations (`--kind nexus`) matching a Temporal visibility query, passed through as written.
 * `count --group-by ExecutionStatus` appends `GROUP BY ExecutionStatus`. Text or `--output json`.
 */

import { ExitCode } from "../base/exit-codes.js";
import { plural } from "../base/plural.js";
import type { Terminal } from "../base/terminal.js";
import { terminalSafeJson } from "../base/terminal-text.js";
import { UserError } from "../base/user-error.js";
import { connectForOps } from "../runs/connect-for-runs.js";
import { renderTable, statusCell, timeCell } from "../runs/table.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";
import { executionsOf } from "../temporal/executions-of.js";
import { InvalidArgumentError } from "../temporal/service-errors.js";
import type { ExecutionKind, ExecutionListEntry } from "../temporal/types.js";

export interface ListCountFlags extends ConnectionOverrides {
  kind?: ExecutionKind;
  query?: string;
  output?: "text" | "json";
  limit?: number;
  groupBy?: string;
}

/** The largest page the server accepts for list calls. */
const MAX_PAGE_SIZE = 1000;
/** What `nxrun list` shows when no --limit is given (a namespace can hold millions). */
export const DEFAULT_LIST_LIMIT = 100;

/** Lists executions; returns the exit code. */
export async function listCommand(flags: ListCountFlags, terminal: Terminal): Promise<number> {
  const stdout = terminal.stdout.stream;
  const limit = flags.limit ?? DEFAULT_LIST_LIMIT;
  const client = await connectForOps(flags);
  try {
    const executions = executionsOf(client, flags.kind ?? "activity");
    const entries: ExecutionListEntry[] = [];
    let more = false;
    try {
      for await (const entry of executions.list(flags.query, { pageSize: Math.min(limit + 1, MAX_PAGE_SIZE) })) {
        if (entries.length === limit) {
          more = true;
          break;
        }
        entries.push(entry);
      }
    } catch (error) {
      throw queryError(error, executions.kind);
    }
    if (flags.output === "json") {
      stdout.write(`${terminalSafeJson(JSON.stringify(entries.map(entryJson), null, 2))}\n`);
      return ExitCode.ok;
    }
    if (entries.length === 0) {
      stdout.write(`no ${kindWord(executions.kind)}s match${flags.query ? ` ${flags.query}` : ""}\n`);
      return ExitCode.ok;
    }
    const nexus = executions.kind === "nexus";
    const rows = entries.map((e) => [
      e.id,
      e.type,
      ...(nexus ? [] : [e.taskQueue ?? ""]),
      statusCell(e.status),
      timeCell(e.startTime),
      timeCell(e.closeTime),
    ]);
    const header = [
      nexus ? "OPERATION ID" : "ACTIVITY ID",
      nexus ? "ENDPOINT/SERVICE/OPERATION" : "TYPE",
      ...(nexus ? [] : ["TASK QUEUE"]),
      "STATUS",
      "STARTED",
      "CLOSED",
    ];
    stdout.write(`${renderTable(header, rows)}\n`);
    if (more) stdout.write(`\n(first ${plural(limit, kindWord(executions.kind))}; --limit shows more)\n`);
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

/** Counts executions (optionally grouped); returns the exit code. */
export async function countCommand(flags: ListCountFlags, terminal: Terminal): Promise<number> {
  const stdout = terminal.stdout.stream;
  const groupBy = flags.groupBy?.trim();
  if (groupBy !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(groupBy)) {
    throw new UserError(`--group-by takes one search attribute name, not "${groupBy}"`, {
      hint: "e.g. --group-by ExecutionStatus",
    });
  }
  const query = [flags.query?.trim(), groupBy ? `GROUP BY ${groupBy}` : undefined].filter(Boolean).join(" ");
  const client = await connectForOps(flags);
  try {
    const executions = executionsOf(client, flags.kind ?? "activity");
    const result = await executions.count(query).catch((error: unknown) => {
      throw queryError(error, executions.kind);
    });
    if (flags.output === "json") {
      stdout.write(`${terminalSafeJson(JSON.stringify(result, null, 2))}\n`);
      return ExitCode.ok;
    }
    stdout.write(`${result.count}\n`);
    if (groupBy) {
      const rows = result.groups.map((g) => [g.values.map((v) => String(v)).join(", "), String(g.count)]);
      stdout.write(`${renderTable([groupBy, "COUNT"], rows)}\n`);
    }
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

function kindWord(kind: ExecutionKind): string {
  return kind === "activity" ? "activity execution" : "Nexus operation";
}

function entryJson(e: ExecutionListEntry) {
  return {
    kind: e.kind,
    id: e.id,
    runId: e.runId,
    type: e.type,
    ...(e.taskQueue ? { taskQueue: e.taskQueue } : {}),
    status: e.status,
    startTime: e.startTime?.toISOString() ?? null,
    closeTime: e.closeTime?.toISOString() ?? null,
  };
}

/** A query the server rejects is the user's to fix (exit 2), with the attributes that exist. */
function queryError(error: unknown, kind: ExecutionKind): unknown {
  if (!(error instanceof InvalidArgumentError)) return error;
  const attributes =
    kind === "activity"
      ? "ActivityId, ActivityType, TaskQueue, ExecutionStatus, StartTime, CloseTime"
      : "OperationId, Endpoint, Service, Operation, ExecutionStatus, StartTime, CloseTime";
  return new UserError(error.message.replace(/^Temporal rejected \w+: /, "the server rejected the query: "), {
    hint: `a Temporal visibility query, e.g. ExecutionStatus = "Running" AND StartTime > "2025-01-01T00:00:00Z"; ${kind === "activity" ? "activities" : "Nexus operations"} have ${attributes}`,
    cause: error,
  });
}
