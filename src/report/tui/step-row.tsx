/** One step of the tree: its line (mark, name, elapsed, execution, attempt, summary) and detail lines. */
import { Box } from "ink";
import type { StepError } from "../../engine/events.js";
import { formatDuration } from "../../pipeline/duration.js";
import {
  causeChain,
  countdown,
  describeError,
  describeRepeat,
  elapsedMs,
  isFailure,
  shortExecutionId,
} from "../format.js";
import { type ProgressLine, progressLine } from "../progress-text.js";
import { columns, cutParts, type Span } from "./columns.js";
import { Line, WrappedLines } from "./line.js";
import { statusMark } from "./marks.js";
import type { ItemCounts, StepView } from "./store.js";
import type { TreeRow } from "./tree.js";

/** How many failing forEach items are listed before "+N more". */
export const FAILING_ITEMS_SHOWN = 3;
const BAR_WIDTH = 20;

export interface StepRowProps {
  row: TreeRow;
  runId: string;
  /** Columns of the name column (tree lines, mark and step ID), so the elapsed times line up. */
  nameWidth: number;
  /** Columns the lines may take. */
  width: number;
  /** OSC 8 hyperlinks work here: the execution ID links to its Web UI page. */
  hyperlinks?: boolean;
  /** The final record: failures shown whole, wrapped, not cut to one line. */
  whole?: boolean;
  now: number;
  tick: number;
}

/** The name column's width for these rows: the widest tree prefix, mark and ID, between 8 and 40. */
export function nameColumnWidth(rows: readonly TreeRow[]): number {
  return Math.min(40, Math.max(8, ...rows.map((row) => columns(row.prefix) + 2 + columns(row.step.id))));
}

/** The spans of a step's own line. */
export function stepLineSpans(
  row: TreeRow,
  { runId, nameWidth, hyperlinks = false, now, tick }: Omit<StepRowProps, "row" | "width">,
): Span[] {
  const { step } = row;
  const { mark, colour } = statusMark(step.status, tick);
  const elapsed = elapsedMs(step.startedAt, step.closedAt, now);
  const name = `${row.prefix}${mark} ${step.id}`;
  const attempt = step.progress?.attempt ?? step.attempt;
  const spans: Span[] = [
    { text: row.prefix, color: "gray" },
    { text: mark, color: colour },
    { text: " " },
    { text: step.id, bold: step.status === "running" },
    { text: " ".repeat(Math.max(1, nameWidth - columns(name) + 1)) },
    { text: (elapsed === undefined ? "" : formatDuration(elapsed)).padStart(7), color: "gray" },
    { text: "  " },
  ];
  if (step.items) spans.push(...itemProgressSpans(step.items));
  else {
    const text = executionText(step, runId, now);
    spans.push({
      text,
      color: "gray",
      link: hyperlinks && step.uiUrl !== undefined && text !== "" ? step.uiUrl : undefined,
    });
  }
  if (attempt !== undefined && !step.items)
    spans.push({ text: `  attempt ${attempt}`, color: attempt > 1 ? "yellow" : "gray" });
  if (step.reused) spans.push({ text: " (reused)", color: "gray" });
  if (step.summary) spans.push({ text: `  ${step.summary}`, color: "gray" });
  if (row.alsoAfter.length > 0) spans.push({ text: `  (after ${row.alsoAfter.join(", ")})`, color: "gray" });
  return spans;
}

/** A step's line and the lines under it. */
export function StepRow(props: StepRowProps) {
  const { row, width, hyperlinks = false, whole = false, now } = props;
  const { step } = row;
  const detail = `${row.continuation}  `;
  const failed = isFailure(step.status);
  const progress = progressDetail(step, now);
  // A detail line keeps its short parts whole (the countdown, the attempt) and cuts the long one.
  const detailLine = (text: string, color: string) => (
    <Line
      spans={[
        { text: detail, color: "gray" },
        { text: cutParts(text, width - columns(detail)), color },
      ]}
      width={width}
    />
  );
  return (
    <Box flexDirection="column">
      <Line spans={stepLineSpans(row, props)} width={width} />
      {step.repeat && step.repeat.attempt > 0 ? detailLine(`↻ ${describeRepeat(step.repeat, now)}`, "cyan") : null}
      {step.polling ? detailLine(pollingText(step.polling, now), "cyan") : null}
      {progress ? detailLine(progress.text, TONE_COLOUR[progress.tone]) : null}
      {step.status === "running" && step.error && !progress
        ? detailLine(`↻ retrying after ${describeError(step.error)}`, "yellow")
        : null}
      {step.items && step.items.failed > 0 ? (
        <FailingItems step={step} detail={detail} hyperlinks={hyperlinks} width={width} whole={whole} />
      ) : null}
      {failed && step.error ? <ErrorChain error={step.error} detail={detail} width={width} whole={whole} /> : null}
      {step.status === "skipped" && step.error ? (
        whole ? (
          <WrappedLines lead={[{ text: detail }]} text={[{ text: step.error.message, color: "gray" }]} width={width} />
        ) : (
          <Line spans={[{ text: `${detail}${step.error.message}`, color: "gray" }]} width={width} />
        )
      ) : null}
    </Box>
  );
}

const TONE_COLOUR: Record<ProgressLine["tone"], string> = { info: "gray", warn: "yellow", bad: "red" };
const TONE_MARK: Record<ProgressLine["tone"], string> = { info: "· ", warn: "⚠ ", bad: "⚠ " };

/**
 * The detail line of a running step from following it: its execution's progress, or for a forEach
 * how many items are in trouble and the worst one. Undefined when there is nothing to say.
 */
export function progressDetail(step: StepView, now: number): ProgressLine | undefined {
  if (step.status !== "running") return undefined;
  if (step.trouble && step.trouble.count > 0) {
    const count = `${step.trouble.count} item${step.trouble.count === 1 ? "" : "s"} in trouble`;
    const worst = step.trouble.worst;
    const line = worst ? progressLine(worst.progress, { now }) : undefined;
    return {
      text: `${TONE_MARK.warn}${count}${worst && line ? ` · worst [${worst.index}]: ${line.text}` : ""}`,
      tone: line?.tone === "bad" ? "bad" : "warn",
    };
  }
  if (!step.progress) return undefined;
  const line = progressLine(step.progress, { now });
  if (!line) return undefined;
  const mark = step.progress.nextAttemptAt !== undefined ? "↻ " : TONE_MARK[line.tone];
  return { text: `${mark}${line.text}`, tone: line.tone };
}

/** `↻ 2 items polling · [1]: check 3/20, next in 25 s, last output {...}`: the item furthest into its checks. */
export function pollingText(polling: NonNullable<StepView["polling"]>, now: number): string {
  const count = `${polling.count} item${polling.count === 1 ? "" : "s"} polling`;
  return `↻ ${count} · [${polling.furthest.index}]: ${describeRepeat(polling.furthest.repeat, now)}`;
}

/** How many lines StepRow draws for a step while the run goes on (its line and detail lines), for fitting the view. */
export function stepRowLines(step: StepView, now = Date.now()): number {
  let lines = 1;
  if (step.repeat && step.repeat.attempt > 0) lines += 1;
  if (step.polling) lines += 1;
  const progress = progressDetail(step, now) !== undefined;
  if (progress) lines += 1;
  if (step.status === "running" && step.error && !progress) lines += 1;
  if (step.items && step.items.failed > 0) {
    const shown = Math.min(FAILING_ITEMS_SHOWN, step.failingItems.length);
    lines += shown + (step.items.failed > shown ? 1 : 0);
  }
  if (isFailure(step.status) && step.error) lines += causeChain(step.error).length;
  if (step.status === "skipped" && step.error) lines += 1;
  return lines;
}

/** The execution column of a step line: its short execution ID, `confirm`, or a wait's countdown. */
export function executionText(step: StepView, runId: string, now: number = Date.now()): string {
  if (step.kind === "confirm") return "confirm";
  if (step.kind === "wait") {
    if (step.status !== "running" || step.waitUntil === undefined) return "wait";
    return `wait, ${countdown(step.waitUntil, now)} left`;
  }
  return step.execution ? shortExecutionId(step.execution.executionId, runId) : "";
}

/** `████████░░░░ 60/100  ▶ 5 running  ✔ 55  ✖ 5 failed`: the bar and the count are items that ran to an end. */
function itemProgressSpans(counts: ItemCounts): Span[] {
  // Items skipped or canceled did not run; counting them as done would draw a full bar for a cancelled step.
  const done = counts.completed + counts.failed + counts.compensated + counts.compensationFailed;
  const filled = counts.total === 0 ? 0 : Math.round((done / counts.total) * BAR_WIDTH);
  const spans: Span[] = [
    { text: "█".repeat(filled), color: counts.failed > 0 ? "red" : "green" },
    { text: "░".repeat(BAR_WIDTH - filled), color: "gray" },
    { text: ` ${done}/${counts.total}` },
  ];
  if (counts.running > 0) spans.push({ text: `  ▶ ${counts.running} running`, color: "cyan" });
  spans.push({ text: `  ✔ ${counts.completed}`, color: "green" });
  if (counts.failed > 0) spans.push({ text: `  ✖ ${counts.failed} failed`, color: "red" });
  if (counts.other > 0) spans.push({ text: `  ↷ ${counts.other} not run`, color: "gray" });
  if (counts.compensated > 0) spans.push({ text: `  ↶ ${counts.compensated} compensated`, color: "magenta" });
  if (counts.compensationFailed > 0)
    spans.push({ text: `  ↶ ${counts.compensationFailed} compensation failed`, color: "red" });
  return spans;
}

function FailingItems({
  step,
  detail,
  hyperlinks,
  width,
  whole,
}: {
  step: StepView;
  detail: string;
  hyperlinks: boolean;
  width: number;
  whole: boolean;
}) {
  const shown = step.failingItems.slice(0, FAILING_ITEMS_SHOWN);
  const more = (step.items?.failed ?? 0) - shown.length;
  return (
    <Box flexDirection="column">
      {shown.map((item) => {
        const lead: Span[] = [
          { text: detail, color: "gray" },
          { text: `✖ [${item.index}]`, color: "red", link: hyperlinks ? item.uiUrl : undefined },
          { text: " " },
        ];
        const text = item.error ? describeError(item.error) : "failed";
        return whole ? (
          <WrappedLines key={item.index} lead={lead} text={[{ text }]} width={width} />
        ) : (
          <Line key={item.index} spans={[...lead, { text }]} width={width} />
        );
      })}
      {more > 0 ? <Line spans={[{ text: `${detail}+${more} more failed`, color: "gray" }]} width={width} /> : null}
    </Box>
  );
}

/** One link of a failure chain: `✖ Type (non-retryable): message` or `  ↳ caused by Type: message`. */
function chainLinkSpans(link: StepError, depth: number): { lead: Span[]; text: Span[] } {
  return {
    lead: [{ text: depth === 0 ? "✖ " : `${"  ".repeat(depth - 1)}↳ caused by `, color: "red" }],
    // As describeError (src/engine/error-chain.ts) says it: nxrun's own errors have no type.
    text: [
      { text: link.type ?? (link.nonRetryable === undefined ? "" : "Error"), color: "red", bold: depth === 0 },
      {
        text: link.nonRetryable === true ? " (non-retryable)" : link.nonRetryable === false ? " (retryable)" : "",
        color: "gray",
      },
      {
        text:
          link.message === ""
            ? ""
            : `${link.type === undefined && link.nonRetryable === undefined ? "" : ": "}${link.message}`,
      },
    ],
  };
}

/**
 * The error (type, retryable or not, message) and each cause on its own line: cut to one line each
 * while the run goes on (the type comes first, so it stays), whole and wrapped in the final record.
 */
export function ErrorChain({
  error,
  detail,
  width,
  whole = false,
}: {
  error: StepError;
  detail: string;
  width: number;
  whole?: boolean;
}) {
  return (
    <Box flexDirection="column">
      {causeChain(error).map((link, depth) => {
        const { lead, text } = chainLinkSpans(link, depth);
        const fullLead = [{ text: detail, color: "gray" }, ...lead];
        return whole ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the chain's order is its identity
          <WrappedLines key={depth} lead={fullLead} text={text} width={width} />
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the chain's order is its identity
          <Line key={depth} spans={[...fullLead, ...text]} width={width} />
        );
      })}
    </Box>
  );
}
