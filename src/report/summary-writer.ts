/**
 * `nxrun run --summary FILE` and `$GITHUB_STEP_SUMMARY`: the Markdown summary (markdown-summary.ts)
 * written when the run ends (also after a failure or an interrupt), and under GitHub Actions one
 * `::error` annotation per failed step, at that step's line in the pipeline file.
 */
import { appendFile } from "node:fs/promises";
import { annotation, annotationPath } from "../base/github-workflow-commands.js";
import type { SourcePosition } from "../base/source-position.js";
import { sanitizeTerminalText } from "../base/terminal-text.js";
import { OutputError } from "../base/user-error.js";
import type { ExecutionRef, Reporter, RunRecord } from "../engine/events.js";
import { describeErrorChain, isFailure, statusWord } from "./format.js";
import { markdownSummary } from "./markdown-summary.js";
import { createRunCollector } from "./run-collector.js";
import { writeReportFile } from "./write-file.js";

export interface SummaryWriterOptions {
  /** `--summary FILE`: written whole. */
  file?: string;
  /** `$GITHUB_STEP_SUMMARY`: appended to, as GitHub asks (other steps' summaries may be in it). */
  stepSummary?: string;
  /** Annotations for failed steps, printed under GitHub Actions: where each step is in the file. */
  annotations?: {
    stream: NodeJS.WritableStream;
    /** By `section:id` (compensations under `compensate:id`). */
    positions: ReadonlyMap<string, SourcePosition>;
    env: Readonly<Record<string, string | undefined>>;
  };
  executionUrl?: (execution: ExecutionRef) => string | undefined;
}

export function createSummaryWriter(options: SummaryWriterOptions): Reporter {
  const collector = createRunCollector();
  return {
    ...collector.reporter,
    async close() {
      const record = collector.record();
      if (!record) return;
      if (options.annotations) {
        for (const line of failureAnnotations(record, options.annotations))
          options.annotations.stream.write(`${line}\n`);
      }
      const text = markdownSummary(record, options.executionUrl ? { executionUrl: options.executionUrl } : {});
      if (options.file !== undefined)
        await writeReportFile(options.file, text, { what: "run summary", flag: "--summary" });
      if (options.stepSummary !== undefined) await appendSummary(options.stepSummary, text);
    },
  };
}

/**
 * One `::error` per failed step (or the run's own error when no step failed). The record's secrets
 * are already masked (redactEvents in src/report/index.ts).
 */
export function failureAnnotations(
  record: RunRecord,
  where: NonNullable<SummaryWriterOptions["annotations"]>,
): string[] {
  const file = annotationPath(record.file, where.env);
  const lines: string[] = [];
  for (const step of record.steps) {
    const failedItems = (step.items ?? []).filter((item) => isFailure(item.status));
    if (!isFailure(step.status) && failedItems.length === 0) continue;
    const error = step.error ?? failedItems.find((item) => item.error)?.error;
    const position = where.positions.get(`${step.section}:${step.id}`);
    const items = failedItems.length > 0 ? ` (${failedItems.length} of ${step.items?.length} items)` : "";
    const message = sanitizeTerminalText(
      `step ${step.id} ${statusWord(step.status)}${items}${error ? `: ${describeErrorChain(error)}` : ""}`,
    );
    lines.push(
      annotation("error", message, {
        file,
        line: position?.line,
        col: position?.column,
        title: `nxrun: ${step.section === "steps" ? "" : `${step.section} `}step ${step.id} failed`,
      }),
    );
  }
  if (lines.length === 0 && record.status !== "completed" && record.error) {
    lines.push(
      annotation("error", sanitizeTerminalText(`run ${record.status}: ${describeErrorChain(record.error)}`), {
        file,
        title: "nxrun",
      }),
    );
  }
  return lines;
}

async function appendSummary(path: string, text: string): Promise<void> {
  try {
    await appendFile(path, text, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutputError(`cannot write the step summary to ${path} (GITHUB_STEP_SUMMARY): ${reason}`, {
      hint: "GitHub Actions sets GITHUB_STEP_SUMMARY to a writable file; unset it outside a workflow",
      cause: error,
    });
  }
}
