/**
 * Builds the RunRecord from events, for the file reporters (run.json, JUnit). The engine's onRunEnd
 * record wins; when the process is interrupted before it (second Ctrl-C exits at once), the record
 * is assembled from the events seen so far, so the files are still written.
 */
import type { ItemRecord, Reporter, RunRecord, RunStartEvent, StepRecord, StepUpdate } from "../engine/events.js";

export interface RunCollector {
  /** Hooks to fan the engine's events into. */
  readonly reporter: Reporter;
  /** The final record, or (interrupted) the record as far as the events went; undefined before onRunStart. */
  record(now?: () => number): RunRecord | undefined;
}

/** Creates an empty collector. */
export function createRunCollector(): RunCollector {
  let start: RunStartEvent | undefined;
  let startedAt: string | undefined;
  let finished: RunRecord | undefined;
  let interrupted = false;
  // Insertion order is the order steps first appeared; plan order is applied in record().
  const steps = new Map<string, StepRecord>();
  const items = new Map<string, Map<number, ItemRecord>>();

  const onStep = ({ record }: StepUpdate): void => {
    steps.set(stepKey(record.section, record.id), record);
  };
  const itemsOf = (stepId: string): Map<number, ItemRecord> => {
    let map = items.get(stepId);
    if (!map) {
      map = new Map();
      items.set(stepId, map);
    }
    return map;
  };

  const reporter: Reporter = {
    onRunStart(event) {
      start = event;
      startedAt = new Date().toISOString();
    },
    onStepStart: onStep,
    onStepUpdate: onStep,
    onStepEnd: onStep,
    onItemStart: ({ stepId, item }) => itemsOf(stepId).set(item.index, item),
    onItemEnd: ({ stepId, item }) => itemsOf(stepId).set(item.index, item),
    onCancelling: (event) => {
      if (event.reason === "signal") interrupted = true;
    },
    onRunEnd(record) {
      finished = record;
    },
  };

  return {
    reporter,
    record(now = Date.now) {
      if (finished) return finished;
      if (!start) return undefined;
      const order = new Map(start.plan.map((entry, index) => [stepKey(entry.section, entry.id), index]));
      const known = [...steps.entries()]
        .sort(([a], [b]) => (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER))
        .map(([, step]) => withItems(step, items.get(step.id)));
      // Planned steps with no event yet never started.
      const missing: StepRecord[] = start.plan
        .filter((entry) => !steps.has(stepKey(entry.section, entry.id)))
        .map((entry) => ({ id: entry.id, section: entry.section, kind: entry.kind, status: "skipped" }));
      return {
        runId: start.runId,
        pipeline: start.pipeline,
        file: start.file,
        address: start.address,
        namespace: start.namespace,
        status: interrupted ? "canceled" : "running",
        startedAt: startedAt ?? new Date(now()).toISOString(),
        closedAt: new Date(now()).toISOString(),
        inputs: {},
        steps: [...known, ...missing],
        error: { message: "the run ended before nxrun could record its end (interrupted)", type: "Interrupted" },
      };
    },
  };
}

function stepKey(section: string, id: string): string {
  return `${section}:${id}`;
}

/** Item events may be newer than the step's last record; the newest item wins. */
function withItems(step: StepRecord, items: Map<number, ItemRecord> | undefined): StepRecord {
  if (!items || items.size === 0 || step.section !== "steps") return step;
  const merged = new Map<number, ItemRecord>();
  for (const item of step.items ?? []) merged.set(item.index, item);
  for (const [index, item] of items) {
    const known = merged.get(index);
    if (!known || !isClosed(known) || isClosed(item)) merged.set(index, item);
  }
  return { ...step, items: [...merged.values()].sort((a, b) => a.index - b.index) };
}

function isClosed(item: ItemRecord): boolean {
  return item.status !== "running" && item.status !== "pending";
}
