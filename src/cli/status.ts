/**
 * `nxrun status RUN_ID`: the whole run from its manifest (each step in plan order with its state,
 * attempts, duration, failure and forEach items; the run's state and, when it stopped part-way, the
 * command that resumes it), then the run's executions (both kinds) from visibility with each one's
 * step, status, times and failure message. Text or `--output json` (specs/status.schema.json).
 * Exit 0, 2 for an unknown run, 3 when the server cannot be used.
 */
import { ExitCode } from "../base/exit-codes.js";
import { plural } from "../base/plural.js";
import type { Terminal } from "../base/terminal.js";
import { sanitizeTerminalText, terminalSafeJson } from "../base/terminal-text.js";
import { STOPPED_TEXT } from "../engine/events.js";
import { formatDuration } from "../pipeline/duration.js";
import { cutText } from "../report/cut-text.js";
import { connectShowingText } from "../runs/connect-for-runs.js";
import { declaredSecrets } from "../runs/declared-secrets.js";
import { roleLabel } from "../runs/execution-id.js";
import { parseJournal, recordedRun } from "../runs/journal-events.js";
import { readJournal } from "../runs/manifest/journal.js";
import { readItemCounts } from "../runs/manifest/records.js";
import { readManifest } from "../runs/manifest/store.js";
import {
  addFailureMessages,
  checkRunIdSearchable,
  findRunExecutions,
  type RunExecution,
} from "../runs/run-executions.js";
import { type RunView, runView } from "../runs/run-state.js";
import { renderTable, statusCell, timeCell } from "../runs/table.js";
import { unknownRunError } from "../runs/unknown-run.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";

export interface StatusFlags extends ConnectionOverrides {
  output?: "text" | "json";
  /** Show each completed step's output (always in JSON). */
  outputs?: boolean;
}

/** Prints the run's executions; returns the exit code. */
export async function statusCommand(runId: string, flags: StatusFlags, terminal: Terminal): Promise<number> {
  const stdout = terminal.stdout.stream;
  checkRunIdSearchable(runId);
  const { client, connectionSecrets } = await connectShowingText(flags);
  try {
    const [read, executions] = await Promise.all([readManifest(client, runId), findRunExecutions(client, runId)]);
    if (executions.length === 0 && !read.found) throw unknownRunError(client, runId);
    // Worker text the server keeps as the worker sent it: masked here as the run masked it.
    const secrets = declaredSecrets(read.found ? read.manifest : undefined, terminal.env);
    if (secrets.warning) terminal.stderr.stream.write(`note: ${secrets.warning}\n`);
    const masked = [...secrets.values, ...connectionSecrets];
    const undescribed = await addFailureMessages(client, executions, masked);
    const counts = countByStatus(executions);
    const connection = { address: flags.address, namespace: flags.namespace };
    const manifest = read.found ? read.manifest : undefined;
    // What the run's latest session recorded of its steps, when it kept a journal that got a line.
    const journal =
      read.found && manifest?.session.journal ? await readJournal(client, runId, read.sessionRunId) : undefined;
    const recorded = journal && journal.lines.length > 0 ? recordedRun(parseJournal(journal.lines)) : undefined;
    const view =
      read.found && manifest
        ? runView(
            { ...read, manifest },
            executions,
            connection,
            await readItemCounts(
              client,
              runId,
              manifest.steps.filter((s) => s.forEach),
            ),
            recorded,
          )
        : undefined;
    const { redact } = await import("../report/redact.js");
    const { run, shown } = redact({ run: view, shown: executions }, masked);
    if (flags.output === "json") {
      const json = {
        runId,
        address: client.address,
        namespace: client.namespace,
        run: run ?? null,
        counts,
        executions: shown.map(executionJson),
      };
      stdout.write(`${terminalSafeJson(JSON.stringify(json, null, 2))}\n`);
      return ExitCode.ok;
    }
    const summary = Object.entries(counts)
      .map(([status, n]) => `${n} ${status}`)
      .join(", ");
    if (run) {
      stdout.write(`${runText(run)}\n\n`);
      if (flags.outputs) stdout.write(`${outputsText(run)}\n\n`);
    } else
      stdout.write(
        `run ${runId} has no manifest (started with manifest: false, by an nxrun that kept none, or it was deleted): its steps that never started are not known; its executions below, each compensation too (\`step[index] (compensate)\`), are as the server has them\n\n`,
      );
    stdout.write(
      `run ${runId} (namespace ${client.namespace} on ${client.address}): ${plural(executions.length, "execution")}: ${summary}\n\n`,
    );
    const rows = shown.map((e) => [
      roleLabel(e.role),
      e.kind,
      statusCell(e.status),
      timeCell(e.startTime),
      timeCell(e.closeTime),
      e.id,
      cutText(e.failureMessage ?? ""),
    ]);
    stdout.write(`${renderTable(["STEP", "KIND", "STATUS", "STARTED", "CLOSED", "EXECUTION ID", "FAILURE"], rows)}\n`);
    if (undescribed > 0) {
      stdout.write(`\n(failure messages left out for ${plural(undescribed, "more execution")})\n`);
    }
    return ExitCode.ok;
  } finally {
    client.close();
  }
}

/** `3/6 done: 2 completed, 1 failed, 1 running` (without the count when the run recorded none). */
function itemsCell(step: RunView["steps"][number]): string {
  const byStatus = Object.entries(step.items ?? {});
  const breakdown = byStatus.map(([status, n]) => `${n} ${status}`).join(", ");
  if (step.itemCount === undefined) return breakdown;
  const done = byStatus
    .filter(([status]) => status !== "running" && status !== "paused" && status !== "compensating")
    .reduce((t, [, n]) => t + n, 0);
  return `${done}/${step.itemCount} done${breakdown === "" ? "" : `: ${breakdown}`}`;
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

/** What a run's state reads as. */
const STATE_TEXT: Record<RunView["state"], string> = {
  completed: "completed",
  failed: "failed",
  canceled: "canceled",
  "in progress": "in progress",
  stopped: STOPPED_TEXT,
};

/** A step state that reads otherwise in the table than in JSON. */
const STEP_STATE_TEXT: Readonly<Record<string, string>> = { compensationFailed: "compensation failed" };

/** The run's lines and its steps table. */
function runText(run: RunView): string {
  // The run's name, who started it and its session come from the manifest stored on the server.
  const lines: string[] = [];
  const took = run.durationMs === undefined ? "" : `, took ${formatDuration(run.durationMs)}`;
  const exit = run.exitCode === undefined ? "" : ` (exit ${run.exitCode})`;
  lines.push(`run ${run.runId} of pipeline ${run.pipeline}: ${STATE_TEXT[run.state]}${exit}`);
  lines.push(`started ${timeCell(new Date(run.startedAt))} by ${run.startedBy}${took}`);
  if (run.session) lines.push(`being run by ${run.session.by} (pid ${run.session.pid}) since ${run.session.at}`);
  if (run.resume) lines.push(`resume it with: ${run.resume}`);
  for (let i = 0; i < lines.length; i++) lines[i] = sanitizeTerminalText(lines[i] ?? "");
  const rows = run.steps.map((step) => [
    stepLabel(step),
    STEP_STATE_TEXT[step.state] ?? step.state,
    String(step.attempts),
    step.durationMs === undefined ? "-" : formatDuration(step.durationMs),
    itemsCell(step),
    sanitizeTerminalText(cutText(step.failure ?? "")),
  ]);
  lines.push("", renderTable(["STEP", "STATE", "ATTEMPTS", "DURATION", "ITEMS", "FAILURE"], rows));
  return lines.join("\n");
}

/** `deploy`, `deploy@2` (a --from rerun), `  db.migrate` (a step of a used pipeline, under its uses step). */
function stepLabel(step: RunView["steps"][number]): string {
  const id = step.attempt > 1 ? `${step.id}@${step.attempt}` : step.id;
  return step.parent === undefined ? id : `  ${id}`;
}

/** Each completed step's output as the run recorded it (masked there), one JSON line each. */
function outputsText(run: RunView): string {
  const withOutput = run.steps.filter((step) => step.output !== undefined);
  if (withOutput.length === 0)
    return run.steps.some((s) => s.state === "completed")
      ? "outputs: none recorded (the run kept no journal of its steps, or its steps return nothing)"
      : "outputs: no step completed";
  const lines = withOutput.map((step) => `  ${step.id} = ${sanitizeTerminalText(JSON.stringify(step.output))}`);
  return ["outputs of the completed steps:", ...lines].join("\n");
}
