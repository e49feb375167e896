/** One step of the tree: its line (mark, name, elapsed, execution, attempt, summary) and detail lines. */
import { Box, Text } from "ink";
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
import { osc8Link } from "../ui-links.js";
import { statusMark } from "./marks.js";
import type { ItemCounts, StepView } from "./store.js";
import type { TreeRow } from "./tree.js";

/** How many failing forEach items are listed before "+N more". */
export const FAILING_ITEMS_SHOWN = 3;
const BAR_WIDTH = 20;

export interface StepRowProps {
  row: TreeRow;
  runId: string;
  nameWidth: number;
  /** Width of the execution column, so attempts and summaries line up. */
  executionWidth: number;
  /** OSC 8 hyperlinks work here: the execution ID links to its Web UI page. */
  hyperlinks?: boolean;
  now: number;
  tick: number;
}

/** A step's line and the lines under it. */
export function StepRow({ row, runId, nameWidth, executionWidth, hyperlinks = false, now, tick }: StepRowProps) {
  const { step } = row;
  const { mark, colour } = statusMark(step.status, tick);
  const elapsed = elapsedMs(step.startedAt, step.closedAt, now);
  const name = `${row.prefix}${mark} ${step.id}`;
  const detail = `${row.continuation}  `;
  const failed = isFailure(step.status);
  const progress = progressDetail(step, now);
  const attempt = step.progress?.attempt ?? step.attempt;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color="gray">{row.prefix}</Text>
        <Text color={colour}>{mark}</Text> <Text bold={step.status === "running"}>{step.id}</Text>
        {" ".repeat(Math.max(1, nameWidth - name.length + 1))}
        <Text color="gray">{(elapsed === undefined ? "" : formatDuration(elapsed)).padStart(7)}</Text>
        {"  "}
        {step.items ? (
          <ItemProgress counts={step.items} />
        ) : (
          <Text color="gray">{linked(executionText(step, runId, now), step.uiUrl, hyperlinks)}</Text>
        )}
        {attempt !== undefined && !step.items ? (
          <Text color={attempt > 1 ? "yellow" : "gray"}>{`  attempt ${attempt}`}</Text>
        ) : null}
        {step.reused ? <Text color="gray"> (reused)</Text> : null}
        {step.summary ? <Text color="gray">{`  ${step.summary}`}</Text> : null}
        {row.alsoAfter.length > 0 ? <Text color="gray">{`  (after ${row.alsoAfter.join(", ")})`}</Text> : null}
      </Text>
      {step.repeat && step.repeat.attempt > 0 ? (
        <Text wrap="truncate-end">
          <Text color="gray">{detail}</Text>
          <Text color="cyan">{`↻ ${describeRepeat(step.repeat, now)}`}</Text>
        </Text>
      ) : null}
      {step.polling ? (
        <Text wrap="truncate-end">
          <Text color="gray">{detail}</Text>
          <Text color="cyan">{pollingText(step.polling, now)}</Text>
        </Text>
      ) : null}
      {progress ? (
        <Text wrap="truncate-end">
          <Text color="gray">{detail}</Text>
          <Text color={TONE_COLOUR[progress.tone]}>{progress.text}</Text>
        </Text>
      ) : null}
      {step.status === "running" && step.error && !progress ? (
        <Text wrap="truncate-end">
          <Text color="gray">{detail}</Text>
          <Text color="yellow">{`↻ retrying after ${describeError(step.error)}`}</Text>
        </Text>
      ) : null}
      {step.items && step.items.failed > 0 ? (
        <FailingItems step={step} detail={detail} hyperlinks={hyperlinks} />
      ) : null}
      {failed && step.error ? <ErrorChain error={step.error} detail={detail} /> : null}
      {step.status === "skipped" && step.error ? (
        <Text wrap="truncate-end">
          <Text color="gray">{`${detail}${step.error.message}`}</Text>
        </Text>
      ) : null}
    </Box>
  );
}

/**
 * `text` as an OSC 8 hyperlink to `url` when the terminal shows them; else the text alone (the
 * reporter then prints failed executions' pages below the last frame: src/report/tui/reporter.ts).
 */
function linked(text: string, url: string | undefined, hyperlinks: boolean): string {
  return hyperlinks && url !== undefined && text !== "" ? osc8Link(text, url) : text;
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

/** How many lines StepRow draws for a step (its line and detail lines), for fitting the view to the terminal. */
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
export function ItemProgress({ counts }: { counts: ItemCounts }) {
  // Items skipped or canceled did not run; counting them as done would draw a full bar for a cancelled step.
  const done = counts.completed + counts.failed;
  const filled = counts.total === 0 ? 0 : Math.round((done / counts.total) * BAR_WIDTH);
  return (
    <Text>
      <Text color={counts.failed > 0 ? "red" : "green"}>{"█".repeat(filled)}</Text>
      <Text color="gray">{"░".repeat(BAR_WIDTH - filled)}</Text>
      {` ${done}/${counts.total}`}
      {counts.running > 0 ? <Text color="cyan">{`  ▶ ${counts.running} running`}</Text> : null}
      <Text color="green">{`  ✔ ${counts.completed}`}</Text>
      {counts.failed > 0 ? <Text color="red">{`  ✖ ${counts.failed} failed`}</Text> : null}
      {counts.other > 0 ? <Text color="gray">{`  ↷ ${counts.other} not run`}</Text> : null}
    </Text>
  );
}

function FailingItems({ step, detail, hyperlinks }: { step: StepView; detail: string; hyperlinks: boolean }) {
  const shown = step.failingItems.slice(0, FAILING_ITEMS_SHOWN);
  const more = (step.items?.failed ?? 0) - shown.length;
  return (
    <Box flexDirection="column">
      {shown.map((item) => (
        <Text key={item.index} wrap="truncate-end">
          <Text color="gray">{detail}</Text>
          <Text color="red">{linked(`✖ [${item.index}]`, item.uiUrl, hyperlinks)} </Text>
          {item.error ? describeError(item.error) : "failed"}
        </Text>
      ))}
      {more > 0 ? <Text color="gray">{`${detail}+${more} more failed`}</Text> : null}
    </Box>
  );
}

/** The error (type, retryable or not, message) and each cause on its own line. */
export function ErrorChain({ error, detail }: { error: StepError; detail: string }) {
  return (
    <Box flexDirection="column">
      {causeChain(error).map((link, depth) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the chain's order is its identity
        <Text key={depth} wrap="truncate-end">
          <Text color="gray">{detail}</Text>
          <Text color="red">{depth === 0 ? "✖ " : `${"  ".repeat(depth - 1)}↳ caused by `}</Text>
          <Text color="red" bold={depth === 0}>
            {link.type ?? (link.nonRetryable === undefined ? "" : "Error")}
          </Text>
          <Text color="gray">
            {link.nonRetryable === true ? " (non-retryable)" : link.nonRetryable === false ? " (retryable)" : ""}
          </Text>
          {link.message === ""
            ? ""
            : `${link.type === undefined && link.nonRetryable === undefined ? "" : ": "}${link.message}`}
        </Text>
      ))}
    </Box>
  );
}
