/**
 * The whole Ink view of a run, drawn from a ViewState snapshot: header, the steps as a tree,
 * what cancellation is doing, the confirm prompt, and the footer (totals and the Ctrl-C hint) or,
 * once the run ended, its summary and outputs. Pure: the same state, time and tick draw the same frame.
 */
import { Box, Text } from "ink";
import { sanitizeTerminalText } from "../../base/terminal-text.js";
import type { RunRecord, StepStatus } from "../../engine/events.js";
import { formatDuration } from "../../pipeline/duration.js";
import { cancelReason, elapsedMs, isFailure, oneLineJson } from "../format.js";
import { connectionText, seconds } from "../progress-text.js";
import { ConfirmPrompt } from "./confirm-prompt.js";
import { statusMark, statusWord } from "./marks.js";
import { ErrorChain, executionText, StepRow, stepRowLines } from "./step-row.js";
import type { StepView, ViewState } from "./store.js";
import { fitToHeight, layoutSteps } from "./tree.js";

/** Cancellation actions listed in the panel before "+N more". */
const CANCEL_LINES = 8;
/** Output values are cut to one line of this many characters. */
const OUTPUT_WIDTH = 160;

export interface RunViewProps {
  state: ViewState;
  now: number;
  tick: number;
  width: number;
  /** Terminal rows: while the run is going, finished steps are left out to fit (none at the end). */
  height?: number;
  onAnswer?(approved: boolean): void;
  onInterrupt?(): void;
}

/** The run's frame. */
export function RunView({ state, now, tick, width, height, onAnswer, onInterrupt }: RunViewProps) {
  const runId = state.run?.runId ?? "";
  const laidOut = layoutSteps(state.steps);
  const sections =
    height === undefined || state.end
      ? laidOut
      : fitToHeight(laidOut, height - fixedLines(state, now), (row) => stepRowLines(row.step, now));
  const nameWidth = Math.min(
    40,
    Math.max(
      8,
      ...sections.flatMap((section) => section.rows.map((row) => row.prefix.length + 2 + row.step.id.length)),
    ),
  );
  const executionWidth = Math.max(
    0,
    ...state.steps.filter((step) => !step.items).map((step) => executionText(step, runId).length),
  );
  return (
    <Box flexDirection="column" width={width}>
      <Header state={state} />
      {sections
        .filter((section) => section.rows.length > 0)
        .map((section) => (
          <Box key={section.title ?? "steps"} flexDirection="column" marginTop={section.title ? 0 : 1}>
            {section.title ? <Text color="gray">{section.title}</Text> : null}
            {section.hidden ? (
              <Text color="gray">{`… ${section.hidden} finished step${section.hidden === 1 ? "" : "s"} not shown`}</Text>
            ) : null}
            {section.rows.map((row) => (
              <StepRow
                key={row.step.key}
                row={row}
                runId={runId}
                nameWidth={nameWidth}
                executionWidth={executionWidth}
                hyperlinks={state.hyperlinks === true}
                now={now}
                tick={tick}
              />
            ))}
          </Box>
        ))}
      <Box marginTop={1} flexDirection="column">
        {state.end ? null : <ConnectionLine state={state} now={now} />}
        {state.end ? null : <CancelPanel state={state} />}
        {state.confirm && onAnswer && onInterrupt ? (
          <ConfirmPrompt
            stepId={state.confirm.stepId}
            prompt={state.confirm.prompt}
            onAnswer={onAnswer}
            onInterrupt={onInterrupt}
          />
        ) : null}
        {state.end ? <Summary record={state.end} steps={state.steps} /> : <Footer state={state} now={now} />}
      </Box>
    </Box>
  );
}

/** Lines the view draws besides the steps (header, gaps, panels, footer), plus one spare for the cursor. */
function fixedLines(state: ViewState, now: number): number {
  const cancel = state.terminating ? 1 : state.cancel ? 1 + Math.min(CANCEL_LINES, state.cancel.steps.length) + 1 : 0;
  const connection = connectionShown(state, now) ? 1 : 0;
  return 2 + 1 + 1 + cancel + connection + (state.confirm ? 2 : 0) + 1 + 1;
}

/** "Reconnected" stays this long (ms); "lost" until it is no longer true. */
const RECONNECTED_SHOWN_MS = 10_000;

function connectionShown(state: ViewState, now: number): boolean {
  const connection = state.connection;
  if (!connection || state.end) return false;
  return connection.state === "lost" || now - connection.receivedAt < RECONNECTED_SHOWN_MS;
}

/** `⚠ lost connection to H:P, retrying since 12:00:03 (5 s)` or `✔ reconnected to H:P after 4 s`. */
function ConnectionLine({ state, now }: { state: ViewState; now: number }) {
  const connection = state.connection;
  if (!connection || !connectionShown(state, now)) return null;
  if (connection.state === "lost") {
    return (
      <Text color="red" wrap="truncate-end">
        {`⚠ ${connectionText(connection, now)} (${seconds(now - Date.parse(connection.since))})`}
      </Text>
    );
  }
  return (
    <Text color="green" wrap="truncate-end">
      {`✔ ${connectionText(connection, connection.receivedAt)}`}
    </Text>
  );
}

function Header({ state }: { state: ViewState }) {
  const run = state.run;
  if (!run) {
    const where = state.connecting;
    return (
      <Text color="gray">
        {where ? `nxrun: connecting to ${where.address} · namespace ${where.namespace}…` : "nxrun: starting…"}
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{run.pipeline}</Text>
        <Text color="gray">{"  run "}</Text>
        {run.runId}
        {run.resumed ? <Text color="yellow"> (resumed)</Text> : null}
      </Text>
      <Text color="gray" wrap="truncate-end">
        {`${run.address} · namespace ${run.namespace} · ${run.file}`}
      </Text>
    </Box>
  );
}

function CancelPanel({ state }: { state: ViewState }) {
  if (state.terminating) {
    const count = state.terminating.executions.length;
    return (
      <Text color="red" bold>
        {`Terminating ${count} execution${count === 1 ? "" : "s"} nxrun was waiting on; exiting.`}
      </Text>
    );
  }
  const cancel = state.cancel;
  if (!cancel) return null;
  const shown = cancel.steps.slice(0, CANCEL_LINES);
  const width = Math.max(0, ...shown.map((step) => step.stepId.length));
  return (
    <Box flexDirection="column">
      <Text color="yellow" bold>
        {`Cancelling: ${cancelReason(cancel.reason)}.`}
        {cancel.steps.length > 0 ? " Steps in flight follow their cancellation type:" : " Nothing is in flight."}
      </Text>
      {shown.map((step) => (
        <Text key={step.stepId} wrap="truncate-end">
          {`  ${step.stepId.padEnd(width)}  `}
          <Text color="yellow">{step.cancellation.padEnd(13)}</Text>
          {`  ${step.action}`}
        </Text>
      ))}
      {cancel.steps.length > shown.length ? (
        <Text color="gray">{`  +${cancel.steps.length - shown.length} more`}</Text>
      ) : null}
    </Box>
  );
}

/** `▶ 2 running  ✔ 3 completed  ✖ 1 failed  ◌ 2 pending`. */
function Totals({ steps }: { steps: readonly StepView[] }) {
  const counts = new Map<StepStatus, number>();
  for (const step of steps) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
  const order: StepStatus[] = [
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
  const parts = order.filter((status) => (counts.get(status) ?? 0) > 0);
  if (parts.length === 0) return null;
  return (
    <Text>
      {parts.map((status, index) => {
        const { mark, colour } = statusMark(status, 0);
        return (
          <Text key={status} color={colour}>
            {`${index === 0 ? "" : "  "}${status === "running" ? "▶" : mark} ${counts.get(status)} ${statusWord(status)}`}
          </Text>
        );
      })}
    </Text>
  );
}

function Footer({ state, now }: { state: ViewState; now: number }) {
  const elapsed = state.startedAtMs === undefined ? undefined : Math.max(0, now - state.startedAtMs);
  const hint = state.terminating
    ? "terminating…"
    : state.cancel
      ? "Ctrl-C again to terminate"
      : state.confirm
        ? "y/n to answer · Ctrl-C to cancel"
        : state.watching
          ? "watching · Ctrl-C to stop watching (the run goes on)"
          : "Ctrl-C to cancel";
  return (
    <Text wrap="truncate-end">
      <Totals steps={state.steps} />
      {elapsed === undefined ? null : <Text color="gray">{`  · ${formatDuration(elapsed)}`}</Text>}
      {state.steps.length === 0 ? null : <Text color="gray">{"  · "}</Text>}
      <Text bold={state.cancel !== undefined} color={state.cancel ? "yellow" : "gray"}>
        {hint}
      </Text>
    </Text>
  );
}

function Summary({ record, steps }: { record: RunRecord; steps: readonly StepView[] }) {
  const elapsed = elapsedMs(record.startedAt, record.closedAt, Date.parse(record.startedAt));
  const ok = record.status === "completed";
  const failedSteps = steps.filter((step) => isFailure(step.status));
  const outputs = Object.entries(record.outputs ?? {});
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={ok ? "green" : record.status === "canceled" ? "yellow" : "red"} bold>
          {`${ok ? "✔" : "✖"} Run ${record.status === "timedOut" ? "timed out" : record.status}`}
        </Text>
        {elapsed === undefined ? "" : ` in ${formatDuration(elapsed)}`}
        {"  "}
        <Totals steps={steps} />
      </Text>
      {record.error ? <ErrorChain error={record.error} detail="  " /> : null}
      {!record.error && failedSteps.length > 0 ? (
        <Text color="red">{`  failed: ${failedSteps.map((step) => step.id).join(", ")}`}</Text>
      ) : null}
      {outputs.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>outputs</Text>
          {outputs.map(([name, value]) => (
            <Text key={name} wrap="truncate-end">
              {`  ${sanitizeTerminalText(name)} = `}
              {/* Outputs are kept raw in the store (store.ts): sanitized here, after JSON.stringify. */}
              <Text color="cyan">{sanitizeTerminalText(oneLineJson(value, OUTPUT_WIDTH))}</Text>
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
