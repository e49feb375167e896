/**
 * The run as a Markdown page, for `$GITHUB_STEP_SUMMARY` and `nxrun run --summary FILE`: the run
 * (ID, pipeline, result, duration), a table of steps (status, duration, attempts, executions, a link
 * to each execution when a Web UI address is known), failures with their cause chains, the outputs.
 * The record arrives with its secrets masked (redactEvents in src/report/index.ts); every text from
 * outside nxrun goes through markdown-text.ts.
 */
import {
  type ExecutionRef,
  type ItemRecord,
  type RunRecord,
  STOPPED_TEXT,
  type StepError,
  type StepRecord,
  type StepStatus,
} from "../engine/events.js";
import { formatDuration } from "../pipeline/duration.js";
import { causeChain, describeError, elapsedMs, isFailure } from "./format.js";
import { markdownCode, markdownCodeBlock, markdownLink, markdownText } from "./markdown-text.js";

export interface SummaryOptions {
  /** The Web UI page of an execution, when a UI address is known. */
  executionUrl?: (execution: ExecutionRef) => string | undefined;
  /** Reference time for steps still running (default now). */
  now?: number;
}

/** Failed items listed per forEach step before "and N more". */
const ITEMS_SHOWN = 10;

const STATUS: Readonly<Record<StepStatus, string>> = {
  pending: "⏳ pending",
  running: "⏳ running",
  completed: "✅ completed",
  failed: "❌ failed",
  timedOut: "⏱️ timed out",
  canceled: "🚫 canceled",
  terminated: "⛔ terminated",
  skipped: "⏭️ skipped",
  abandoned: "⚠️ abandoned",
  compensated: "↩️ compensated",
  compensationFailed: "❌ compensation failed",
  interrupted: "⏸️ interrupted",
  compensating: "↩️ compensating",
};

const RESULT: Readonly<Record<RunRecord["status"], string>> = {
  running: "⏳ did not finish",
  completed: "✅ completed",
  failed: "❌ failed",
  canceled: "🚫 canceled",
  timedOut: "⏱️ timed out",
  stopped: `⏹️ ${STOPPED_TEXT}`,
};

/** The Markdown summary of a run. */
export function markdownSummary(record: RunRecord, options: SummaryOptions = {}): string {
  const now = options.now ?? Date.now();
  const duration = elapsedMs(record.startedAt, record.closedAt, now);
  const out: string[] = [];
  out.push(`## nxrun: ${markdownText(record.pipeline)} ${RESULT[record.status]}`, "");
  out.push("| | |", "| --- | --- |");
  out.push(`| Run ID | ${markdownCode(record.runId)} |`);
  out.push(`| Pipeline | ${markdownText(record.pipeline)} (${markdownCode(record.file)}) |`);
  out.push(`| Result | ${RESULT[record.status]} |`);
  out.push(`| Duration | ${duration === undefined ? "" : formatDuration(duration)} |`);
  out.push(`| Namespace | ${markdownCode(record.namespace)} at ${markdownCode(record.address)} |`);
  out.push("");

  out.push("### Steps", "");
  out.push("| Step | Status | Duration | Attempts | Executions | Link |", "| --- | --- | --- | --- | --- | --- |");
  for (const step of record.steps) out.push(stepRow(step, now, options));
  out.push("");

  const failures = failureBlocks(record);
  if (failures.length > 0) out.push("### Failures", "", ...failures, "");

  if (record.outputs !== undefined && Object.keys(record.outputs).length > 0) {
    out.push("### Outputs", "", markdownCodeBlock(JSON.stringify(record.outputs, null, 2), "json"), "");
  }
  return `${out.join("\n")}\n`;
}

function stepRow(step: StepRecord, now: number, options: SummaryOptions): string {
  const name = step.section === "steps" ? markdownCode(step.id) : `${markdownCode(step.id)} (${step.section})`;
  const duration = elapsedMs(step.startedAt, step.closedAt, now);
  const cells = [
    step.reused ? `${name} (reused)` : name,
    STATUS[step.status],
    duration === undefined ? "" : formatDuration(duration),
    step.attempt === undefined ? "" : String(step.attempt),
    executions(step),
    link(step, options),
  ];
  return `| ${cells.join(" | ")} |`;
}

/** `1`, or for forEach `3 (2 completed, 1 failed)`; empty for a step that started nothing. */
function executions(step: StepRecord): string {
  if (step.items && step.items.length > 0) {
    const counts = new Map<StepStatus, number>();
    for (const item of step.items) counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
    const parts = [...counts].map(([status, n]) => `${n} ${STATUS[status].replace(/^\S+ /, "")}`);
    return `${step.items.length} (${parts.join(", ")})`;
  }
  return step.execution ? "1" : "";
}

function link(step: StepRecord, options: SummaryOptions): string {
  const execution = step.execution ?? step.items?.find((item) => item.execution)?.execution;
  if (!execution) return "";
  const url = options.executionUrl?.(execution);
  if (url === undefined) return markdownCode(execution.executionId);
  return markdownLink(step.execution ? "Web UI" : "first item in the Web UI", url);
}

function failureBlocks(record: RunRecord): string[] {
  const blocks: string[] = [];
  for (const step of record.steps) {
    const failedItems = (step.items ?? []).filter((item) => isFailure(item.status) && item.error);
    if (!(isFailure(step.status) || failedItems.length > 0) || (!step.error && failedItems.length === 0)) continue;
    const name = step.section === "steps" ? markdownCode(step.id) : `${markdownCode(step.id)} (${step.section})`;
    const execution = step.execution ? ` in ${markdownCode(step.execution.executionId)}` : "";
    blocks.push(`**${name}** ${STATUS[step.status]}${execution}`, "");
    if (step.error) blocks.push(...chain(step.error, ""));
    for (const item of failedItems.slice(0, ITEMS_SHOWN)) blocks.push(...itemBlock(item));
    if (failedItems.length > ITEMS_SHOWN) blocks.push(`- and ${failedItems.length - ITEMS_SHOWN} more failed items`);
    blocks.push("");
  }
  // The run's own error usually repeats a failed step's; it gets its own entry only when no step explains it.
  if (record.error && record.status !== "completed" && blocks.length === 0) {
    blocks.push("**the run**", "", ...chain(record.error, ""), "");
  }
  return blocks;
}

function itemBlock(item: ItemRecord): string[] {
  const id = item.execution ? ` ${markdownCode(item.execution.executionId)}` : "";
  return [`- item ${item.index}${id}:`, ...chain(item.error as StepError, "  ")];
}

/** The error, then each cause indented under the one it caused. */
function chain(error: StepError, indent: string): string[] {
  return causeChain(error).map((e, depth) => {
    const pad = `${indent}${"  ".repeat(depth)}`;
    return `${pad}- ${depth === 0 ? "" : "caused by: "}${markdownText(describeError(e))}`;
  });
}
