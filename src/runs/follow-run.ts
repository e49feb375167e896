/**
 * `nxrun watch`: follows a run that another process runs, read-only, by polling what the server has
 * (the run's manifest and its executions) and turning each change into the engine's reporter events,
 * so the very reporters of `nxrun run` (Ink view, plain, NDJSON) show it. Never starts, cancels or
 * changes anything.
 */
import { sleep } from "../engine/abort.js";
import type { ItemRecord, Reporter, RunRecord, RunStatus, StepRecord, StepStatus } from "../engine/events.js";
import type { TemporalClient } from "../temporal/types.js";
import type { RunManifest } from "./manifest/manifest.js";
import { readManifest } from "./manifest/store.js";
import { addFailureMessages, findRunExecutions, type RunExecution } from "./run-executions.js";
import { type RunStateName, runStateOf, type StepView, stepViews } from "./run-state.js";

export interface FollowResult {
  /** The run's state when watching ended; undefined when the watcher was stopped (Ctrl-C). */
  readonly state?: RunStateName;
  /** The exit code the run's own nxrun ended with (1 for a run that stopped part-way). */
  readonly exitCode?: number;
  readonly manifest: RunManifest;
}

const STATUS: Record<StepView["state"], StepStatus> = {
  completed: "completed",
  failed: "failed",
  running: "running",
  "not started": "pending",
  skipped: "skipped",
};

const FINAL: ReadonlySet<StepStatus> = new Set([
  "completed",
  "failed",
  "skipped",
  "canceled",
  "timedOut",
  "terminated",
]);

/** Follows `manifest`'s run until it ends or `signal` aborts. */
export async function followRun(
  client: TemporalClient,
  first: RunManifest,
  reporter: Reporter,
  signal: AbortSignal,
  intervalMs = 1000,
): Promise<FollowResult> {
  let manifest = first;
  const records = new Map<string, StepRecord>();
  for (const step of manifest.steps)
    records.set(step.id, { id: step.id, section: step.section, kind: step.kind, status: "pending" });
  reporter.onRunStart?.({
    runId: manifest.runId,
    pipeline: manifest.pipeline,
    file: manifest.file,
    address: client.address,
    namespace: client.namespace,
    resumed: manifest.session.resumed,
    plan: manifest.steps.map((s) => ({
      id: s.id,
      section: s.section,
      kind: s.kind,
      dependsOn: [...s.dependsOn],
      forEach: s.forEach,
    })),
  });
  for (;;) {
    const read = await readManifest(client, manifest.runId);
    if (read.found && read.manifest) manifest = read.manifest;
    const executions = await findRunExecutions(client, manifest.runId);
    await addFailureMessages(
      client,
      executions.filter((e) => e.status !== "running"),
    );
    const state = read.found ? runStateOf(read) : { state: "stopped" as const };
    for (const view of stepViews(manifest, executions, state.state)) {
      const record = records.get(view.id);
      if (record) update(reporter, record, view, executions);
    }
    const ended = state.state !== "in progress";
    if (ended) {
      for (const record of records.values()) {
        if (record.status === "pending" || record.status === "running") {
          record.status = "skipped";
          reporter.onStepEnd?.({ stepId: record.id, record });
        }
      }
      const status: RunStatus =
        state.state === "completed" ? "completed" : state.state === "canceled" ? "canceled" : "failed";
      const runRecord: RunRecord = {
        runId: manifest.runId,
        pipeline: manifest.pipeline,
        file: manifest.file,
        address: client.address,
        namespace: client.namespace,
        status,
        startedAt: manifest.started.at,
        ...(read.found && read.closeTime ? { closedAt: read.closeTime.toISOString() } : {}),
        inputs: { ...manifest.inputs },
        steps: [...records.values()],
        ...(state.state === "stopped"
          ? { error: { message: "the run stopped part-way: its nxrun ended without finishing it" } }
          : {}),
      };
      reporter.onRunEnd?.(runRecord);
      return {
        state: state.state,
        exitCode: "exitCode" in state && state.exitCode !== undefined ? state.exitCode : 1,
        manifest,
      };
    }
    if (signal.aborted) return { manifest };
    await sleep(intervalMs, signal);
    if (signal.aborted) return { manifest };
  }
}

/** Moves a record to what the server says now, with the events a live run would have sent. */
function update(reporter: Reporter, record: StepRecord, view: StepView, executions: readonly RunExecution[]): void {
  const status = STATUS[view.state];
  const mine = executions.filter((e) => view.executions.includes(e.id));
  if (view.startedAt) record.startedAt = view.startedAt;
  if (view.closedAt) record.closedAt = view.closedAt;
  const single = mine.find((e) => e.role.role === "step");
  if (single) record.execution = { kind: single.kind, executionId: single.id, runId: single.runId };
  if (mine.some((e) => e.role.role === "item")) updateItems(reporter, record, mine);
  if (view.failure) record.error = { message: view.failure };
  if (status === record.status) return;
  const was = record.status;
  if (was === "pending" && status !== "skipped") {
    record.status = "running";
    reporter.onStepStart?.({ stepId: record.id, record });
  }
  record.status = status;
  if (FINAL.has(status)) reporter.onStepEnd?.({ stepId: record.id, record });
  else if (was !== "pending") reporter.onStepUpdate?.({ stepId: record.id, record });
}

function updateItems(reporter: Reporter, record: StepRecord, mine: readonly RunExecution[]): void {
  if (!record.items) record.items = [];
  const items = record.items;
  for (const e of mine) {
    if (e.role.role !== "item") continue;
    const index = e.role.index;
    let item: ItemRecord | undefined = items.find((i) => i.index === index);
    const status: StepStatus = e.status === "paused" ? "running" : e.status;
    if (!item) {
      item = { index, status: "running", execution: { kind: e.kind, executionId: e.id, runId: e.runId } };
      if (e.startTime) item.startedAt = e.startTime.toISOString();
      items.push(item);
      items.sort((a, b) => a.index - b.index);
      reporter.onItemStart?.({ stepId: record.id, item });
    }
    if (item.status !== status && status !== "running") {
      item.status = status;
      if (e.closeTime) item.closedAt = e.closeTime.toISOString();
      if (e.failureMessage) item.error = { message: e.failureMessage };
      reporter.onItemEnd?.({ stepId: record.id, item });
    }
  }
}
