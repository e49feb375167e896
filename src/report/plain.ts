/**
 * `--output plain`: one line per state change, each with a UTC time stamp, for CI logs and pipes.
 * Colour only when stdout is a TTY and NO_COLOR is not set (https://no-color.org). Events arrive
 * with secrets masked (redactEvents in src/report/index.ts); every line passes the terminal
 * sanitizer, so worker and server text cannot carry escape sequences to the terminal or CI log.
 */
import { styleText } from "node:util";
import { sanitizeTerminalText } from "../base/terminal-text.js";
import type {
  CancelEvent,
  ConfirmRequest,
  ConnectionEvent,
  ExecutionRef,
  ItemEvent,
  ProgressEvent,
  RepeatProgress,
  Reporter,
  RunRecord,
  RunStartEvent,
  StepError,
  StepRecord,
  StepStatus,
  StepUpdate,
} from "../engine/events.js";
import { STOPPED_TEXT } from "../engine/events.js";
import { formatDuration } from "../pipeline/duration.js";
import { cutText } from "./cut-text.js";
import {
  cancelReason,
  describeErrorChain,
  describeRepeat,
  elapsedMs,
  shortExecutionId,
  terminateHint,
} from "./format.js";
import { connectionText, progressLabel, progressLine } from "./progress-text.js";
import { executionUiUrl, type UiLinks } from "./ui-links.js";

export interface PlainReporterOptions {
  stream: { write(chunk: string): unknown };
  color: boolean;
  /** The Web UI: each execution's page is printed once its run ID is known, and with a failed item. */
  links?: UiLinks | undefined;
  /** Clock, for tests. */
  now?: () => number;
}

type Style = Parameters<typeof styleText>[0];

/** Heartbeat-only changes print at most this often per execution. */
const HEARTBEAT_LINE_MS = 5_000;

/** Creates the line reporter. */
export function createPlainReporter(options: PlainReporterOptions): Reporter {
  const now = options.now ?? Date.now;
  let runId = "";
  // The last status and attempt printed per step, so an update that changes nothing prints nothing.
  const lastSeen = new Map<string, { status: StepStatus; attempt: number | undefined }>();
  // The last repeat check printed per step or item, so each check prints one line.
  const lastCheck = new Map<string, number>();
  const checkLine = (key: string, name: string, progress: RepeatProgress | undefined): boolean => {
    if (progress?.nextAt === undefined || lastCheck.get(key) === progress.attempt) return false;
    lastCheck.set(key, progress.attempt);
    write("check", "cyan", `${name} ${describeRepeat(progress, now())}`);
    return true;
  };
  // Steps whose page was printed: once per step (a resumed or retried step keeps its execution).
  const linked = new Set<string>();
  // The last progress line printed per execution (bounded by what is in flight: dropped when it ends).
  const lastProgress = new Map<string, { text: string; withoutHeartbeat: string; at: number }>();

  const paint = (style: Style, text: string): string =>
    // The colour decision is ours (TTY, NO_COLOR, --color), so styleText must not second-guess it.
    options.color ? styleText(style, text, { validateStream: false }) : text;
  const write = (label: string, style: Style, text: string): void => {
    const stamp = new Date(now()).toISOString().slice(11);
    const line = `${paint("dim", stamp)} ${paint(style, label.padEnd(9))} ${sanitizeTerminalText(text)}\n`;
    options.stream.write(line);
  };
  // Long failure texts already printed in full-length form, so a repeat says "as above" (bounded).
  const printedLong: string[] = [];
  /** `: <failure>`, cut to a few lines; a long failure printed before is not printed again. */
  const failure = (error: StepError | undefined): string => {
    if (error === undefined) return "";
    const text = describeErrorChain(error);
    const cut = cutText(text);
    if (cut === text) return `: ${text}`;
    if (printedLong.includes(text)) return ": the failure printed above (full text in --report)";
    printedLong.push(text);
    if (printedLong.length > 20) printedLong.shift();
    return `: ${cut}`;
  };
  const stepName = (record: StepRecord): string =>
    record.section === "steps" ? record.id : `${record.id} (${record.section})`;
  const execution = (ref: ExecutionRef | undefined): string =>
    ref === undefined ? "" : ` ${shortExecutionId(ref.executionId, runId)}`;

  const stepLine = (record: StepRecord): void => {
    const elapsed = elapsedMs(record.startedAt, record.closedAt, now());
    const took = elapsed === undefined ? "" : ` in ${formatDuration(elapsed)}`;
    const attempt = record.attempt !== undefined && record.attempt > 1 ? ` attempt ${record.attempt}` : "";
    const items = record.items === undefined ? "" : ` ${itemCounts(record)}`;
    const reused = record.reused ? " (reused from an earlier attempt of this run)" : "";
    const checks = record.repeat === undefined ? "" : ` after ${record.repeat.attempt} check(s)`;
    const name = stepName(record);
    switch (record.status) {
      case "pending":
        write("pending", "dim", name);
        return;
      case "running":
        write("running", "cyan", `${name}${execution(record.execution)}${attempt}${items}${summaryOf(record)}`);
        return;
      case "completed":
        write("ok", "green", `${name}${took}${attempt}${items}${checks}${reused}`);
        return;
      case "failed":
      case "timedOut":
      case "terminated":
        write(
          record.status === "failed" ? "FAILED" : record.status === "timedOut" ? "TIMED OUT" : "TERMINATED",
          "red",
          `${name}${took}${attempt}${items}${checks}${failure(record.error)}`,
        );
        return;
      case "canceled":
        write("canceled", "yellow", `${name}${took}`);
        return;
      case "abandoned":
        write("abandoned", "yellow", `${name} (its execution keeps running on Temporal)`);
        return;
      case "skipped":
        // A reason when there is one: a step --from did not run says so (src/engine/read-back.ts).
        write("skipped", "dim", record.error ? `${name}: ${record.error.message}` : name);
        return;
      case "compensated":
        write("undone", "magenta", `${name} compensated: the run's rollback undid it${undoneItems(record)}`);
        return;
      case "interrupted":
        write("interrupted", "yellow", `${name}${execution(record.execution)}: running when the run's nxrun stopped`);
        return;
      case "compensating":
        write(
          "undoing",
          "magenta",
          `${name}${items}: compensation still running on the server, the run's nxrun stopped`,
        );
        return;
      case "compensationFailed":
        write(
          "NOT UNDONE",
          "red",
          `${name} compensation failed: the run's rollback could not undo it${undoneItems(record)}`,
        );
        return;
      default: {
        const unknown: never = record.status;
        throw new Error(`unknown step status ${String(unknown)}`);
      }
    }
  };

  // Items that ended without running (skipped, canceled, abandoned), counted per step and printed as
  // one line when the step ends: cancelling a 100,000-item forEach is one line, not 100,000.
  const quietItems = new Map<string, Map<StepStatus, number>>();
  const flushQuietItems = (stepId: string): void => {
    const counts = quietItems.get(stepId);
    if (counts === undefined) return;
    quietItems.delete(stepId);
    for (const [status, count] of counts) {
      write(
        status.slice(0, 9),
        "yellow",
        `${stepId}: ${status} ${count.toLocaleString("en-US")} item${count === 1 ? "" : "s"}`,
      );
    }
  };

  const onStepChange = (event: StepUpdate): void => {
    if (event.record.status !== "running") {
      lastProgress.delete(event.stepId);
      flushQuietItems(event.stepId);
    }
    const record = event.record;
    const key = `${record.section}:${record.id}`;
    const url = executionUiUrl(options.links, record.execution);
    if (url !== undefined && !linked.has(key)) {
      linked.add(key);
      write("web ui", "dim", `${stepName(record)} ${url}`);
    }
    const previous = lastSeen.get(key);
    if (record.status === "running" && checkLine(key, stepName(record), record.repeat)) return;
    if (previous && previous.status === record.status && previous.attempt === record.attempt) return;
    lastSeen.set(key, { status: record.status, attempt: record.attempt });
    if (previous?.status === "running" && record.status === "running") {
      // Still running with a new attempt: Temporal is retrying after a failure; say why when known.
      const why = failure(record.error);
      write("retrying", "yellow", `${stepName(record)} attempt ${record.attempt ?? "?"}${why}`);
      return;
    }
    stepLine(record);
  };

  return {
    onRunStart(event: RunStartEvent) {
      runId = event.runId;
      const resumed = event.resumed ? " (resumed)" : "";
      write(
        "run",
        "bold",
        `${event.pipeline} ${event.runId}${resumed} from ${event.file} on ${event.address} namespace ${event.namespace}`,
      );
    },
    onStepStart: onStepChange,
    onStepUpdate: onStepChange,
    onStepEnd: onStepChange,
    onProgress(event: ProgressEvent) {
      const name = event.index === undefined ? event.stepId : `${event.stepId}[${event.index}]`;
      // An item is worth a line only while in trouble (or when it leaves trouble after one was printed).
      if (event.index !== undefined && !event.progress.trouble && !lastProgress.has(name)) return;
      const line = progressLine(event.progress, { now: now(), stable: true });
      if (!line) return;
      const withoutHeartbeat =
        progressLine({ ...event.progress, heartbeat: undefined } as typeof event.progress, { now: now(), stable: true })
          ?.text ?? "";
      const previous = lastProgress.get(name);
      if (previous?.text === line.text) return;
      // Heartbeat details change with every beat: at most one such line per HEARTBEAT_LINE_MS.
      if (previous?.withoutHeartbeat === withoutHeartbeat && now() - previous.at < HEARTBEAT_LINE_MS) return;
      lastProgress.set(name, { text: line.text, withoutHeartbeat, at: now() });
      write(
        progressLabel(event.progress),
        line.tone === "info" ? "cyan" : line.tone === "warn" ? "yellow" : "red",
        `${name}: ${line.text}`,
      );
    },
    onConnection(event: ConnectionEvent) {
      const text = connectionText(event, now());
      if (event.state === "reconnected") write("online", "green", text);
      else write("offline", "red", `${text}${event.message ? ` (${sanitizeTerminalText(event.message)})` : ""}`);
    },
    // Item starts are not printed: a forEach of 10,000 items would print 10,000 lines that say nothing.
    // A repeated item's checks are: each says where its polling is.
    onItemStart(event: ItemEvent) {
      if (event.item.repeat === undefined) return;
      const { stepId, item } = event;
      checkLine(`item:${stepId}:${item.index}`, `${stepId}[${item.index}]`, item.repeat);
    },
    onItemEnd(event: ItemEvent) {
      lastProgress.delete(`${event.stepId}[${event.item.index}]`);
      const { stepId, item } = event;
      const elapsed = elapsedMs(item.startedAt, item.closedAt, now());
      const took = elapsed === undefined ? "" : ` in ${formatDuration(elapsed)}`;
      const name = `${stepId}[${item.index}]`;
      if (item.status === "completed") write("item ok", "green", `${name}${took}`);
      else if (item.status === "failed" || item.status === "timedOut" || item.status === "terminated") {
        write("item FAIL", "red", `${name}${took}${failure(item.error)}`);
        const url = executionUiUrl(options.links, item.execution);
        if (url !== undefined) write("web ui", "dim", `${name} ${url}`);
      } else {
        const counts = quietItems.get(stepId) ?? new Map<StepStatus, number>();
        counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
        quietItems.set(stepId, counts);
      }
    },
    onCancelling(event: CancelEvent) {
      write("cancel", "yellow", `cancelling the run (${cancelReason(event.reason)}); ${terminateHint(event.reason)}`);
      for (const step of event.steps) write("cancel", "yellow", `${step.stepId} ${step.cancellation}: ${step.action}`);
    },
    onTerminating({ executions }) {
      write("terminate", "red", `terminating ${executions.length} execution(s)`);
    },
    onConfirm(request: ConfirmRequest) {
      write("confirm", "yellow", `${request.stepId}: ${request.prompt}`);
      // Plain output never reads the keyboard; the engine fails the step and says to pass --yes.
      return false;
    },
    onRunEnd(record: RunRecord) {
      for (const stepId of [...quietItems.keys()]) flushQuietItems(stepId);
      const elapsed = elapsedMs(record.startedAt, record.closedAt, now());
      const took = elapsed === undefined ? "" : ` in ${formatDuration(elapsed)}`;
      const style: Style = record.status === "completed" ? "green" : record.status === "running" ? "cyan" : "red";
      const error = failure(record.error);
      const said = record.status === "stopped" ? STOPPED_TEXT : record.status;
      write("run", style, `${said}${took} ${runTotals(record)}${error}`);
      for (const [name, value] of Object.entries(record.outputs ?? {})) {
        write("output", "bold", `${name} = ${cutText(JSON.stringify(value) ?? "null")}`);
      }
    },
  };
}

function summaryOf(record: StepRecord): string {
  return record.summary ? ` — ${record.summary}` : "";
}

/** `3/10 done, 1 failed` for a forEach step. */
export function itemCounts(record: StepRecord): string {
  const items = record.items ?? [];
  let done = 0;
  let failed = 0;
  let undone = 0;
  let notUndone = 0;
  for (const item of items) {
    if (item.status === "completed") done += 1;
    else if (item.status === "failed" || item.status === "timedOut" || item.status === "terminated") failed += 1;
    else if (item.status === "compensated") undone += 1;
    else if (item.status === "compensationFailed") notUndone += 1;
  }
  const rolledBack =
    (undone > 0 ? `, ${undone} compensated` : "") + (notUndone > 0 ? `, ${notUndone} compensation failed` : "");
  return `(${done}/${items.length} done${failed > 0 ? `, ${failed} failed` : ""}${rolledBack})`;
}

/** ` (3 of 3 items compensated)` for a forEach step the rollback undid; "" for others. */
function undoneItems(record: StepRecord): string {
  const items = record.items;
  if (items === undefined) return "";
  const undone = items.filter((item) => item.status === "compensated").length;
  const notUndone = items.filter((item) => item.status === "compensationFailed").length;
  return ` (${undone} of ${items.length} items compensated${notUndone > 0 ? `, ${notUndone} compensation failed` : ""})`;
}

/** `(5 completed, 1 failed, 2 skipped)`. */
export function runTotals(record: RunRecord): string {
  const counts = new Map<StepStatus, number>();
  for (const step of record.steps) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
  // `not started` as `nxrun status` says it: only a run whose nxrun stopped part-way ends with one.
  const said: Partial<Record<StepStatus, string>> = {
    compensationFailed: "compensation failed",
    pending: "not started",
  };
  const parts = [...counts].map(([status, count]) => `${count} ${said[status] ?? status}`);
  return `(${parts.join(", ") || "no steps"})`;
}
