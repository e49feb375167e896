/**
 * `--output json`: one JSON object per line (NDJSON) per event, `{"event": "...", "time": "...", ...}`,
 * described by specs/events.schema.json. Secrets are redacted before anything is written.
 */
import type { Reporter } from "../engine/events.js";
import { redact } from "./redact.js";

export interface JsonReporterOptions {
  stream: { write(chunk: string): unknown };
  secrets: readonly string[];
  /** Clock, for tests. */
  now?: () => number;
}

/** The `event` names of the NDJSON stream, one per reporter hook. */
export type EventName =
  | "runStart"
  | "stepStart"
  | "stepUpdate"
  | "stepEnd"
  | "itemStart"
  | "itemEnd"
  | "cancelling"
  | "terminating"
  | "confirm"
  | "runEnd";

/** Creates the NDJSON reporter. */
export function createJsonReporter(options: JsonReporterOptions): Reporter {
  const now = options.now ?? Date.now;
  const emit = (event: EventName, fields: object): void => {
    const line = redact({ event, time: new Date(now()).toISOString(), ...fields }, options.secrets);
    options.stream.write(`${JSON.stringify(line)}\n`);
  };
  return {
    onRunStart: (event) => emit("runStart", event),
    onStepStart: (event) => emit("stepStart", event),
    onStepUpdate: (event) => emit("stepUpdate", event),
    onStepEnd: (event) => emit("stepEnd", event),
    onItemStart: (event) => emit("itemStart", event),
    onItemEnd: (event) => emit("itemEnd", event),
    onCancelling: (event) => emit("cancelling", event),
    onTerminating: (event) => emit("terminating", event),
    onConfirm: (request) => {
      emit("confirm", { stepId: request.stepId, prompt: request.prompt });
      // NDJSON is for programs; nobody can answer here, so the engine asks for --yes.
      return false;
    },
    onRunEnd: (record) => emit("runEnd", { record }),
  };
}
