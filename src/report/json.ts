/**
 * `--output json`: one JSON object per line (NDJSON) per event, `{"event": "...", "time": "...", ...}`,
 * described by specs/events.schema.json. Events arrive with secrets already masked (redactEvents in
 * src/report/index.ts); text is written exact: JSON.stringify escapes control characters.
 */
import { terminalSafeJson } from "../base/terminal-text.js";
import type { ItemEvent, Reporter, StepUpdate } from "../engine/events.js";
import { linkItem, linkRef, linkRun, linkStep, type UiLinks } from "./ui-links.js";

export interface JsonReporterOptions {
  stream: { write(chunk: string): unknown };
  /** Adds each execution's `uiUrl` once its run ID is known. */
  links?: UiLinks | undefined;
  /** Clock, for tests. */
  now?: () => number;
}

/** A run's journal as its reporter writes it: lines, each made by the journal's own `line`. */
export interface JournalStream {
  /** The text an event is kept as (src/runs/manifest/journal.ts: it fits its lines to its records). */
  line(event: object): string;
  write(chunk: string): unknown;
}

/** The `event` names of the NDJSON stream, one per reporter hook. */
export type EventName =
  | "runStart"
  | "stepStart"
  | "stepUpdate"
  | "stepEnd"
  | "itemStart"
  | "itemEnd"
  | "progress"
  | "connection"
  | "cancelling"
  | "terminating"
  | "confirm"
  | "runEnd";

/** Creates the NDJSON reporter. */
export function createJsonReporter(
  options: JsonReporterOptions,
  text: (line: object) => string = (line) => terminalSafeJson(JSON.stringify(line)),
): Reporter {
  const now = options.now ?? Date.now;
  const emit = (event: EventName, fields: object): void => {
    const line = { event, time: new Date(now()).toISOString(), ...fields };
    options.stream.write(`${text(line)}\n`);
  };
  const links = options.links;
  const step = (event: StepUpdate) => ({ ...event, record: linkStep(links, event.record) });
  const item = (event: ItemEvent) => ({ ...event, item: linkItem(links, event.item) });
  return {
    onRunStart: (event) => emit("runStart", event),
    onStepStart: (event) => emit("stepStart", step(event)),
    onStepUpdate: (event) => emit("stepUpdate", step(event)),
    onStepEnd: (event) => emit("stepEnd", step(event)),
    onItemStart: (event) => emit("itemStart", item(event)),
    onItemEnd: (event) => emit("itemEnd", item(event)),
    onProgress: (event) => emit("progress", event),
    onConnection: (event) => emit("connection", event),
    onCancelling: (event) => emit("cancelling", event),
    onTerminating: (event) =>
      emit("terminating", { ...event, executions: event.executions.map((ref) => linkRef(links, ref)) }),
    onConfirm: (request) => {
      emit("confirm", { stepId: request.stepId, prompt: request.prompt });
      // NDJSON is for programs; nobody can answer here, so the engine asks for --yes.
      return false;
    },
    onRunEnd: (record) => emit("runEnd", { record: linkRun(links, record) }),
  };
}

/**
 * The lines of a run's journal (src/runs/manifest/journal.ts), which `watch` replays and `status`
 * reads: every event as NDJSON but a confirm prompt, which only the run's own terminal can answer.
 * Not masked here: `nxrun run` masks them with its other reporters, the library with redactEvents.
 */
export function createJournalReporter(options: JsonReporterOptions & { stream: JournalStream }): Reporter {
  const journal = createJsonReporter(options, (line) => options.stream.line(line));
  delete journal.onConfirm;
  return journal;
}
