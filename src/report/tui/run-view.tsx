/**
 * The whole Ink view of a run, drawn from a ViewState snapshot: what was printed above the live
 * region (fit.ts), then the live region: header, the steps as a tree (or, when they do not fit,
 * trouble first), what cancellation is doing, the confirm prompt, and the footer (totals and the
 * Ctrl-C hint) or, once the run ended, the final record: failures whole, outputs, the summary last.
 * Pure: the same state, printed entries, time and tick draw the same frame.
 */
import { Box, Static, Text } from "ink";
import { sanitizeTerminalText } from "../../base/terminal-text.js";
import { type RunRecord, STOPPED_TEXT, type StepStatus } from "../../engine/events.js";
import { formatDuration } from "../../pipeline/duration.js";
import { cancelReason, elapsedMs, isFailure, oneLineJson, seconds, statusWord, terminateHint } from "../format.js";
import { connectionText } from "../progress-text.js";
import { columns, cutColumns, padColumns, type Span, wrapColumns } from "./columns.js";
import { ConfirmPrompt, confirmSpans } from "./confirm-prompt.js";
import { type Fitted, fitSteps, type LeftOut, type LiveSteps, type Printed } from "./fit.js";
import { Line } from "./line.js";
import { statusMark } from "./marks.js";
import { ErrorChain, nameColumnWidth, StepRow, stepRowLines } from "./step-row.js";
import type { StepView, ViewState } from "./store.js";
import { layoutSteps, type TreeSection } from "./tree.js";

/** Cancellation actions listed in the panel before "+N more". */
const CANCEL_LINES = 8;
/** Output values are cut to one line of this many characters. */
const OUTPUT_WIDTH = 160;
/** Lines the header takes in the live region: two, and the gap under it. */
const HEADER_LINES = 3;

export interface RunViewProps {
  state: ViewState;
  now: number;
  tick: number;
  width: number;
  /** What is printed above the live region so far (fitView); none by default. */
  printed?: readonly Printed[];
  /** What the live region shows (fitView); by default every step not printed, as a tree. */
  live?: LiveSteps;
  onAnswer?(approved: boolean): void;
  /** A key other than y, n or Esc at the confirm prompt. */
  onOtherKey?(): void;
  onInterrupt?(): void;
}

/**
 * What the next frame prints above the live region and what its live region shows, so that the live
 * region is shorter than the terminal's `height` (Ink can redraw it in place only then). The final
 * record is drawn once, whole, however tall.
 */
export function fitView(
  state: ViewState,
  printed: readonly Printed[],
  now: number,
  width: number,
  height: number,
): Fitted {
  const sections = layoutSteps(state.steps);
  const keys = new Set(printed.flatMap((entry) => (entry.kind === "step" ? [entry.key] : [])));
  if (state.end || !state.run) {
    return {
      print: [],
      live: { sections: sections.map((s) => ({ ...s, rows: s.rows.filter((r) => !keys.has(r.step.key)) })) },
    };
  }
  // One line is left for the cursor, which Ink leaves under the frame.
  const room = height - 1 - chromeLines(state, now, width);
  return fitSteps({
    sections,
    printed: keys,
    headerPrinted: printed.some((entry) => entry.kind === "header"),
    headerLines: HEADER_LINES,
    room,
    linesOf: (row) => stepRowLines(row.step, now),
  });
}

/** The run's frame: what was printed above (drawn once, by Ink's Static), then the live region. */
export function RunView(props: RunViewProps) {
  const { state, printed = [] } = props;
  const rowProps = rowPropsOf(props);
  return (
    <Box flexDirection="column" width={props.width}>
      <Static items={[...printed]}>
        {(entry) => (
          <PrintedEntry
            key={entry.kind === "header" ? "header" : entry.key}
            entry={entry}
            state={state}
            rowProps={rowProps}
          />
        )}
      </Static>
      <LiveRegion {...props} />
    </Box>
  );
}

type RowProps = Omit<Parameters<typeof StepRow>[0], "row">;

function rowPropsOf({ state, now, tick, width }: RunViewProps): RowProps {
  const nameWidth = nameColumnWidth(layoutSteps(state.steps).flatMap((section) => section.rows));
  return { runId: state.run?.runId ?? "", nameWidth, width, hyperlinks: state.hyperlinks === true, now, tick };
}

/** One entry printed above the live region: the header (and a gap) or a finished step's lines. */
export function PrintedEntry({ entry, state, rowProps }: { entry: Printed; state: ViewState; rowProps: RowProps }) {
  return entry.kind === "header" ? (
    <Box flexDirection="column" marginBottom={1}>
      <Header state={state} width={rowProps.width} />
    </Box>
  ) : (
    <StepRow row={entry.row} {...rowProps} />
  );
}

/** The part of the frame Ink redraws in place: shorter than the terminal while the run goes on (fitView). */
export function LiveRegion(props: RunViewProps) {
  const { state, now, width, printed = [], onAnswer, onOtherKey, onInterrupt } = props;
  const live = props.live ?? fitView(state, printed, now, width, Number.POSITIVE_INFINITY).live;
  const headerPrinted = printed.some((entry) => entry.kind === "header");
  const shownKeys = new Set(live.sections.flatMap((section) => section.rows.map((row) => row.step.key)));
  const printedFailed = state.end
    ? printed.flatMap((entry) =>
        entry.kind === "step" && !shownKeys.has(entry.key) && hasFailure(entry.row.step) ? [entry.row.step] : [],
      )
    : [];
  return (
    <Box flexDirection="column" width={width}>
      {headerPrinted ? null : <Header state={state} width={width} />}
      <Sections
        sections={live.sections}
        gap={!headerPrinted}
        rowProps={rowPropsOf(props)}
        whole={state.end !== undefined}
      />
      {live.leftOut ? <LeftOutLine leftOut={live.leftOut} width={width} /> : null}
      <Box marginTop={1} flexDirection="column">
        {state.end ? null : <ConnectionLine state={state} now={now} width={width} />}
        {state.end ? null : <CancelPanel state={state} width={width} />}
        {state.confirm && onAnswer && onInterrupt ? (
          <ConfirmPrompt
            stepId={state.confirm.stepId}
            prompt={state.confirm.prompt}
            nudged={state.confirm.nudged === true}
            width={width}
            onAnswer={onAnswer}
            onOtherKey={onOtherKey ?? (() => {})}
            onInterrupt={onInterrupt}
          />
        ) : null}
        {state.end ? (
          <Summary record={state.end} steps={state.steps} printedFailed={printedFailed} width={width} />
        ) : (
          <Footer state={state} now={now} width={width} />
        )}
      </Box>
    </Box>
  );
}

function hasFailure(step: StepView): boolean {
  return (isFailure(step.status) && step.error !== undefined) || (step.items?.failed ?? 0) > 0;
}

function Sections({
  sections,
  gap,
  rowProps,
  whole,
}: {
  sections: readonly TreeSection[];
  gap: boolean;
  rowProps: RowProps;
  whole: boolean;
}) {
  return (
    <>
      {sections
        .filter((section) => section.rows.length > 0)
        .map((section) => (
          <Box key={section.title ?? "steps"} flexDirection="column" marginTop={section.title || !gap ? 0 : 1}>
            {section.title ? <Text color="gray">{section.title}</Text> : null}
            {section.rows.map((row) => (
              <StepRow key={row.step.key} row={row} {...rowProps} whole={whole} />
            ))}
          </Box>
        ))}
    </>
  );
}

/**
 * `⚠ 1 more in trouble · ▶ 3 more running · ◌ 10 pending · ✔ 26 done`: the steps a compact region
 * leaves out; marks and numbers only (`⚠ +1 · ▶ +3 · ◌ 10 · ✔ 26`) when the words do not fit.
 */
function LeftOutLine({ leftOut, width }: { leftOut: LeftOut; width: number }) {
  const spans = (short: boolean) => {
    const out: Span[] = [];
    const add = (count: number, long: string, brief: string, color: string) => {
      if (count <= 0) return;
      if (out.length > 0) out.push({ text: " · ", color: "gray" });
      out.push({ text: short ? brief : long, color });
    };
    add(leftOut.trouble, `⚠ ${leftOut.trouble} more in trouble`, `⚠ +${leftOut.trouble}`, "yellow");
    add(leftOut.running, `▶ ${leftOut.running} more running`, `▶ +${leftOut.running}`, "cyan");
    add(leftOut.pending, `◌ ${leftOut.pending} pending`, `◌ ${leftOut.pending}`, "gray");
    add(leftOut.done, `✔ ${leftOut.done} done`, `✔ ${leftOut.done}`, "green");
    return out;
  };
  const long = spans(false);
  if (long.length === 0) return null;
  return <Line spans={spansWidth(long) <= width ? long : spans(true)} width={width} />;
}

/** Lines the live region draws besides the header and the steps: the gap, panels, prompt and footer. */
function chromeLines(state: ViewState, now: number, width: number): number {
  const cancel = state.terminating ? 1 : state.cancel ? cancelPanel(state).length : 0;
  const connection = connectionShown(state, now) ? 1 : 0;
  const confirm = state.confirm ? confirmLines(state.confirm, width) : 0;
  return 1 + connection + cancel + confirm + footerLines(state, now, width).length;
}

function confirmLines(confirm: NonNullable<ViewState["confirm"]>, width: number): number {
  const text = confirmSpans(confirm.stepId, confirm.prompt, confirm.nudged === true)
    .map((span) => span.text)
    .join("");
  return wrapColumns(text, width).length;
}

/** "Reconnected" stays this long (ms); "lost" until it is no longer true. */
const RECONNECTED_SHOWN_MS = 10_000;

function connectionShown(state: ViewState, now: number): boolean {
  const connection = state.connection;
  if (!connection || state.end) return false;
  return connection.state === "lost" || now - connection.receivedAt < RECONNECTED_SHOWN_MS;
}

/** `⚠ lost connection to H:P, retrying since 12:00:03 (5 s)` or `✔ reconnected to H:P after 4.2s`. */
function ConnectionLine({ state, now, width }: { state: ViewState; now: number; width: number }) {
  const connection = state.connection;
  if (!connection || !connectionShown(state, now)) return null;
  if (connection.state === "lost") {
    const text = `⚠ ${connectionText(connection, now)} (${seconds(now - Date.parse(connection.since))})`;
    return <Line spans={[{ text, color: "red" }]} width={width} />;
  }
  return (
    <Line spans={[{ text: `✔ ${connectionText(connection, connection.receivedAt)}`, color: "green" }]} width={width} />
  );
}

function Header({ state, width }: { state: ViewState; width: number }) {
  const run = state.run;
  if (!run) {
    const where = state.connecting;
    const text = where ? `nxrun: connecting to ${where.address} · namespace ${where.namespace}…` : "nxrun: starting…";
    return <Line spans={[{ text, color: "gray" }]} width={width} />;
  }
  return (
    <Box flexDirection="column">
      <Line
        spans={[
          { text: run.pipeline, bold: true },
          { text: "  run ", color: "gray" },
          { text: run.runId },
          ...(run.resumed ? [{ text: " (resumed)", color: "yellow" }] : []),
        ]}
        width={width}
      />
      <Line
        spans={[{ text: `${run.address} · namespace ${run.namespace} · ${run.file}`, color: "gray" }]}
        width={width}
      />
    </Box>
  );
}

/**
 * The cancellation panel's lines, following the steps: a step leaves it when it has closed, so the
 * panel lists only what is still being waited for.
 */
function cancelPanel(state: ViewState): Span[][] {
  const cancel = state.cancel;
  if (!cancel) return [];
  const open = new Set(
    state.steps
      .filter((step) => step.section === "steps" && (step.status === "running" || step.status === "pending"))
      .map((step) => step.id),
  );
  const waiting = cancel.steps.filter((step) => open.has(step.stepId));
  const shown = waiting.slice(0, CANCEL_LINES);
  const idWidth = Math.max(0, ...shown.map((step) => columns(step.stepId)));
  const title = `Cancelling: ${cancelReason(cancel.reason)}.`;
  const lines: Span[][] = [
    [
      {
        text:
          waiting.length > 0
            ? `${title} Steps in flight follow their cancellation type:`
            : cancel.steps.length > 0
              ? `${title} The steps that were in flight have closed.`
              : `${title} Nothing is in flight.`,
        color: "yellow",
        bold: true,
      },
    ],
  ];
  for (const step of shown) {
    lines.push([
      { text: `  ${padColumns(step.stepId, idWidth)}  ` },
      { text: step.cancellation.padEnd(13), color: "yellow" },
      { text: `  ${step.action}` },
    ]);
  }
  if (waiting.length > shown.length) lines.push([{ text: `  +${waiting.length - shown.length} more`, color: "gray" }]);
  return lines;
}

function CancelPanel({ state, width }: { state: ViewState; width: number }) {
  if (state.terminating) {
    const count = state.terminating.executions.length;
    const text = `Terminating ${count} execution${count === 1 ? "" : "s"} nxrun was waiting on; exiting.`;
    return <Line spans={[{ text, color: "red", bold: true }]} width={width} />;
  }
  const lines = cancelPanel(state);
  if (lines.length === 0) return null;
  return (
    <Box flexDirection="column">
      {lines.map((spans, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the panel's lines are in a fixed order
        <Line key={index} spans={spans} width={width} />
      ))}
    </Box>
  );
}

const TOTALS_ORDER: StepStatus[] = [
  "running",
  "completed",
  "failed",
  "timedOut",
  "terminated",
  "canceled",
  "abandoned",
  "skipped",
  "pending",
];

/** `▶ 2 running  ✔ 3 completed  ✖ 1 failed  ◌ 2 pending`, or with `short`, `▶ 2  ✔ 3  ✖ 1  ◌ 2`. */
function totalsSpans(steps: readonly StepView[], short: boolean): Span[] {
  const counts = new Map<StepStatus, number>();
  for (const step of steps) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
  const parts = TOTALS_ORDER.filter((status) => (counts.get(status) ?? 0) > 0);
  return parts.map((status, index) => {
    const { mark, colour } = statusMark(status, 0);
    const words = short ? "" : ` ${statusWord(status)}`;
    return {
      text: `${index === 0 ? "" : "  "}${status === "running" ? "▶" : mark} ${counts.get(status)}${words}`,
      color: colour,
    };
  });
}

/** Totals in words when they fit the width, else marks and numbers only: the counts are never cut. */
function fittingTotals(steps: readonly StepView[], room: number): Span[] {
  const long = totalsSpans(steps, false);
  return spansWidth(long) <= room ? long : totalsSpans(steps, true);
}

function spansWidth(spans: readonly Span[]): number {
  return spans.reduce((sum, span) => sum + columns(span.text), 0);
}

function footerHint(state: ViewState): string {
  if (state.terminating) return "terminating…";
  // A watcher's keys reach only itself (src/cli/watch.ts): whatever the run is doing.
  if (state.watching) return "watching · Ctrl-C to stop watching (the run goes on)";
  if (state.cancel) return terminateHint(state.cancel.reason);
  if (state.confirm) return "y/n to answer · Ctrl-C to cancel";
  return "Ctrl-C to cancel";
}

/**
 * The footer's lines: totals, elapsed time and the Ctrl-C hint on one line when they fit; else the
 * hint on a line above, so the counts stay the last line and whole.
 */
function footerLines(state: ViewState, now: number, width: number): Span[][] {
  const elapsed = state.startedAtMs === undefined ? undefined : Math.max(0, now - state.startedAtMs);
  const time: Span[] = elapsed === undefined ? [] : [{ text: `  · ${formatDuration(elapsed)}`, color: "gray" }];
  const hint: Span = {
    text: footerHint(state),
    color: state.cancel ? "yellow" : "gray",
    bold: state.cancel !== undefined,
  };
  const totals = totalsSpans(state.steps, false);
  const separator: Span[] = state.steps.length === 0 ? [] : [{ text: "  · ", color: "gray" }];
  const one = [...totals, ...time, ...separator, hint];
  if (spansWidth(one) <= width) return [one];
  const counts = [...fittingTotals(state.steps, width - spansWidth(time)), ...time];
  return [[hint], counts];
}

function Footer({ state, now, width }: { state: ViewState; now: number; width: number }) {
  return (
    <Box flexDirection="column">
      {footerLines(state, now, width).map((spans, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the footer's lines are in a fixed order
        <Line key={index} spans={spans} width={width} />
      ))}
    </Box>
  );
}

/**
 * The final record under the steps: the run's own error (when it is not a step's), the failures of
 * steps printed above (whole: those above were cut to a line), the outputs, and the summary line last.
 */
function Summary({
  record,
  steps,
  printedFailed,
  width,
}: {
  record: RunRecord;
  steps: readonly StepView[];
  printedFailed: readonly StepView[];
  width: number;
}) {
  const elapsed = elapsedMs(record.startedAt, record.closedAt, Date.parse(record.startedAt));
  const ok = record.status === "completed";
  const failedIds = steps.filter((step) => isFailure(step.status)).map((step) => step.id);
  // A step's failure is the run's error too ("step 'x' failed: ..."): it is shown whole under the step.
  const ownError =
    record.error && !failedIds.some((id) => record.error?.message.startsWith(`step '${id}' `))
      ? record.error
      : undefined;
  const outputs = Object.entries(record.outputs ?? {});
  const verdict: Span[] = [
    {
      text: `${ok ? "✔" : "✖"} Run ${record.status === "stopped" ? STOPPED_TEXT : statusWord(record.status)}`,
      color: ok ? "green" : record.status === "canceled" ? "yellow" : "red",
      bold: true,
    },
    { text: elapsed === undefined ? "" : ` in ${formatDuration(elapsed)}` },
    { text: "  " },
  ];
  const totals = fittingTotals(steps, width - spansWidth(verdict));
  return (
    <Box flexDirection="column">
      {ownError ? <ErrorChain error={ownError} detail="" width={width} whole /> : null}
      {printedFailed.length > 0 ? (
        <Box flexDirection="column" marginBottom={1}>
          <Text bold>failures (above, whole)</Text>
          {printedFailed.map((step) => (
            <StepFailure key={step.key} step={step} width={width} />
          ))}
        </Box>
      ) : null}
      {outputs.length > 0 ? (
        <Box flexDirection="column" marginBottom={1}>
          {/* A run that did not complete has only the outputs built on steps that completed (src/engine/run-outputs.ts). */}
          <Text bold>{ok ? "outputs" : "outputs it produced"}</Text>
          {outputs.map(([name, value]) => (
            <Line
              key={name}
              spans={[
                { text: `  ${sanitizeTerminalText(name)} = ` },
                // Outputs are kept raw in the store (store.ts): sanitized here, after JSON.stringify.
                { text: sanitizeTerminalText(oneLineJson(value, OUTPUT_WIDTH)), color: "cyan" },
              ]}
              width={width}
            />
          ))}
        </Box>
      ) : null}
      <Line spans={[...verdict, ...totals]} width={width} />
    </Box>
  );
}

/** `✖ charge` and its failure whole, for a step whose line was printed above the final record. */
function StepFailure({ step, width }: { step: StepView; width: number }) {
  const { mark, colour } = statusMark(step.status, 0);
  return (
    <Box flexDirection="column">
      <Line
        spans={[
          { text: `  ${mark} `, color: colour },
          { text: cutColumns(step.id, width - 4), bold: true },
        ]}
        width={width}
      />
      {step.error && isFailure(step.status) ? (
        <ErrorChain error={step.error} detail="    " width={width} whole />
      ) : null}
      {step.failingItems
        .slice(0, 3)
        .map((item) =>
          item.error ? (
            <ErrorChain key={item.index} error={item.error} detail={`    [${item.index}] `} width={width} whole />
          ) : null,
        )}
    </Box>
  );
}
