/**
 * A session's journal (manifest/journal.ts) read back: its events as the reporter hooks they came
 * from, and the last record the session showed of each step (its steps, the steps of its used
 * pipelines, its compensations), which is what `status` reports.
 */
import type { ItemEvent, Reporter, RunRecord, RunStartEvent, StepRecord, StepUpdate } from "../engine/events.js";

/** One journal line: the event's name, when the run wrote it (ms), and the hook's argument. */
export interface JournalEvent {
  readonly event: string;
  readonly timeMs: number;
  readonly data: Record<string, unknown>;
}

/** Parses journal lines; a line that is not an event is skipped (a journal is the run's, not ours to refuse). */
export function parseJournal(lines: readonly string[]): JournalEvent[] {
  const events: JournalEvent[] = [];
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
    const { event, time, ...data } = value as Record<string, unknown>;
    if (typeof event !== "string") continue;
    const timeMs = typeof time === "string" ? Date.parse(time) : Number.NaN;
    events.push({ event, timeMs: Number.isNaN(timeMs) ? 0 : timeMs, data });
  }
  return events;
}

/** Hands an event to the reporter hook it came from (a confirm prompt is not replayed: nobody here answers it). */
export function replayEvent(reporter: Reporter, { event, data }: JournalEvent): void {
  switch (event) {
    case "runStart":
      reporter.onRunStart?.(data as unknown as RunStartEvent);
      break;
    case "stepStart":
      reporter.onStepStart?.(data as unknown as StepUpdate);
      break;
    case "stepUpdate":
      reporter.onStepUpdate?.(data as unknown as StepUpdate);
      break;
    case "stepEnd":
      reporter.onStepEnd?.(data as unknown as StepUpdate);
      break;
    case "itemStart":
      reporter.onItemStart?.(data as unknown as ItemEvent);
      break;
    case "itemEnd":
      reporter.onItemEnd?.(data as unknown as ItemEvent);
      break;
    case "progress":
      reporter.onProgress?.(data as never);
      break;
    case "connection":
      reporter.onConnection?.(data as never);
      break;
    case "cancelling":
      reporter.onCancelling?.(data as never);
      break;
    case "terminating":
      reporter.onTerminating?.(data as never);
      break;
    case "runEnd":
      reporter.onRunEnd?.(data.record as RunRecord);
      break;
    default:
      break;
  }
}

/** What a session recorded of its run. */
export interface RecordedRun {
  readonly start?: RunStartEvent;
  /** The last record of each step, sub-pipeline step and compensation, by record ID, in first-seen order. */
  readonly steps: ReadonlyMap<string, StepRecord>;
  /** The run's end, when the session got there. */
  readonly end?: RunRecord;
}

/** The records of a session's events: each step's latest, with its items as their own events left them. */
export function recordedRun(events: readonly JournalEvent[]): RecordedRun {
  let start: RunStartEvent | undefined;
  let end: RunRecord | undefined;
  const steps = new Map<string, StepRecord>();
  for (const { event, data } of events) {
    if (event === "runStart") start = data as unknown as RunStartEvent;
    else if (event === "stepStart" || event === "stepUpdate" || event === "stepEnd") {
      const record = (data as unknown as StepUpdate).record;
      if (record?.id) steps.set(record.id, record);
    } else if (event === "itemStart" || event === "itemEnd") {
      const { stepId, item } = data as unknown as ItemEvent;
      const record = steps.get(stepId);
      if (!record || !item) continue;
      const items = record.items ?? [];
      const at = items.findIndex((i) => i.index === item.index);
      if (at === -1) items.push(item);
      else items[at] = item;
      record.items = items;
    } else if (event === "runEnd") {
      end = data.record as RunRecord;
      for (const record of end?.steps ?? []) steps.set(record.id, record);
    }
  }
  return { ...(start ? { start } : {}), steps, ...(end ? { end } : {}) };
}
