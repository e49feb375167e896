/**
 * `nxrun watch`: follows a run that another process runs, read-only, by polling what the server has
 * (the run's manifest and its executions) and turning each change into the engine's reporter events,
 * so the very reporters of `nxrun run` (Ink view, plain, NDJSON) show it. Never starts, cancels or
 * changes anything.
 */
import { ExitCode } from "../base/exit-codes.js";
import { sleep } from "../engine/abort.js";
import type { ItemRecord, Reporter, RunRecord, RunStatus, StepRecord, StepStatus } from "../engine/events.js";
import type { TemporalClient } from "../temporal/types.js";
import { type JournalEvent, parseJournal, type RecordedRun, recordedRun, replayEvent } from "./journal-events.js";
import { readJournal } from "./manifest/journal.js";
import type { RunManifest } from "./manifest/manifest.js";
import { readItemCounts, readOutputs } from "./manifest/records.js";
import { type ManifestRead, readManifest } from "./manifest/store.js";
import { addFailureMessages, findRunExecutions, type RunExecution } from "./run-executions.js";
import { type RunStateName, runStateOf, runView, type StepView, stepViews } from "./run-state.js";
import { undoOnServer } from "./undo-state.js";

export interface FollowResult {
  /** The run's state when watching ended; undefined when the watcher was stopped (Ctrl-C). */
  readonly state?: RunStateName;
  /** The exit code the run's own nxrun ended with (1 for a run that stopped part-way). */
  readonly exitCode?: number;
  readonly manifest: RunManifest;
  /** The run's outputs were larger than a record keeps (manifest/records.ts): their size. */
  readonly outputsOmittedBytes?: number;
}

const STATUS: Record<StepView["state"], StepStatus> = {
  completed: "completed",
  failed: "failed",
  running: "running",
  "not started": "pending",
  skipped: "skipped",
  timedOut: "timedOut",
  canceled: "canceled",
  terminated: "terminated",
  abandoned: "abandoned",
  interrupted: "interrupted",
  compensating: "compensating",
  compensated: "compensated",
  compensationFailed: "compensationFailed",
};

const FINAL: ReadonlySet<StepStatus> = new Set([
  "completed",
  "failed",
  "skipped",
  "canceled",
  "timedOut",
  "terminated",
  "abandoned",
  "compensated",
  "compensationFailed",
  "interrupted",
  // Still running on the server, but as far as the stopped run goes it ended so: watch says it once.
  "compensating",
]);

/** Polls that must see a run's process gone with its manifest open before watch calls it stopped. */
const STOPPED_POLLS = 3;

export interface FollowOptions {
  readonly intervalMs?: number;
  /** Set to each replayed event's time before it is handed on, for reporters that print times. */
  readonly clock?: { ms?: number };
  /** Secret values to mask in worker text read from the server (a run without a journal). */
  readonly secrets: readonly string[];
}

/**
 * Follows `manifest`'s run until it ends or `signal` aborts: the events its session recorded
 * (manifest/journal.ts), replayed as they were; for a run whose session keeps no journal (an older
 * nxrun), events made up from the server's executions.
 */
export function followRun(
  client: TemporalClient,
  first: RunManifest,
  reporter: Reporter,
  signal: AbortSignal,
  options: FollowOptions,
): Promise<FollowResult> {
  const intervalMs = options.intervalMs ?? 1000;
  return first.session.journal
    ? followJournal(client, first, reporter, signal, intervalMs, options.clock ?? {})
    : followExecutions(client, first, reporter, signal, options.secrets, intervalMs);
}

async function followJournal(
  client: TemporalClient,
  first: RunManifest,
  reporter: Reporter,
  signal: AbortSignal,
  intervalMs: number,
  clock: { ms?: number },
): Promise<FollowResult> {
  let manifest = first;
  let session: string | undefined;
  let next = 1;
  let goneFor = 0;
  let end: RunRecord | undefined;
  const seen: JournalEvent[] = [];
  for (;;) {
    // The manifest first: a session flushes its journal before it closes the manifest, so a journal
    // read after a closed manifest holds the session's every line.
    const read = await readManifest(client, manifest.runId);
    if (read.found && read.manifest) manifest = read.manifest;
    if (read.found && read.sessionRunId !== session) {
      // The first poll, or a new session (a resume) took the run over: follow that one from its start.
      session = read.sessionRunId;
      next = 1;
    }
    const state = read.found ? runStateOf(read) : { state: "stopped" as const };
    if (session !== undefined) {
      const journal = await readJournal(client, manifest.runId, session, next);
      next = journal.next;
      for (const event of parseJournal(journal.lines)) {
        clock.ms = event.timeMs;
        if (event.event === "runEnd") end = event.data.record as RunRecord;
        seen.push(event);
        replayEvent(reporter, event);
      }
    }
    // An open manifest whose process is gone, seen STOPPED_POLLS times in a row (see followExecutions).
    const gone = state.state === "stopped" && read.found && (read.status === "running" || read.status === "paused");
    goneFor = gone ? goneFor + 1 : 0;
    const ended = gone ? goneFor > STOPPED_POLLS : state.state !== "in progress";
    if (ended) {
      clock.ms = undefined;
      if (!end) {
        // The session ended without its runEnd (killed, or lost its server): end the run as `status`
        // shows it, each step in the state status gives it (a step left running is interrupted).
        const recorded = recordedRun(seen);
        const steps = read.found
          ? await stepsAsStatusShows(client, { ...read, manifest }, recorded, reporter)
          : [...recorded.steps.values()];
        end = runRecordOf(client, manifest, read, state.state, steps);
        reporter.onRunEnd?.(end);
      }
      return {
        state: state.state,
        exitCode: "exitCode" in state && state.exitCode !== undefined ? state.exitCode : ExitCode.runFailed,
        manifest,
      };
    }
    if (signal.aborted) return { manifest };
    await sleep(intervalMs, signal);
    if (signal.aborted) return { manifest };
  }
}

/**
 * The watched run's record as it ended: the manifest's header (ID, pipeline, file, connection,
 * times, inputs), the run's state as `status` names it, and `steps`.
 */
function runRecordOf(
  client: TemporalClient,
  manifest: RunManifest,
  read: ManifestRead,
  state: RunStateName,
  steps: StepRecord[],
): RunRecord {
  const status: RunStatus =
    state === "completed"
      ? "completed"
      : state === "canceled"
        ? "canceled"
        : state === "stopped"
          ? "stopped"
          : "failed";
  return {
    runId: manifest.runId,
    pipeline: manifest.pipeline,
    file: manifest.file,
    address: client.address,
    namespace: client.namespace,
    status,
    startedAt: manifest.started.at,
    ...(read.found && read.closeTime ? { closedAt: read.closeTime.toISOString() } : {}),
    inputs: { ...manifest.inputs },
    steps,
  };
}

/**
 * The steps of a run whose session ended without its runEnd, each in the state `nxrun status` gives
 * it (run-state.ts runView, from the same records and executions), so watch ends with status's states
 * and counts; a step whose state changed so (interrupted, or completed since) is reported ended.
 */
async function stepsAsStatusShows(
  client: TemporalClient,
  read: Extract<ManifestRead, { found: true }> & { manifest: RunManifest },
  recorded: RecordedRun,
  reporter: Reporter,
): Promise<StepRecord[]> {
  const { manifest } = read;
  const executions = await findRunExecutions(client, manifest.runId);
  const counts = await readItemCounts(
    client,
    manifest.runId,
    manifest.steps.filter((s) => s.forEach),
  );
  const view = runView(read, executions, {}, counts, recorded);
  return view.steps.map((step) => {
    const had = recorded.steps.get(step.id);
    const status = STATUS[step.state];
    const record: StepRecord = {
      ...(had ?? { id: step.id, section: step.section, kind: step.kind }),
      ...(step.parent === undefined ? {} : { parent: step.parent }),
      status,
    };
    // A compensation the journal never got (killed first) is news too: status finds it on the server.
    const changed = had === undefined ? step.section === "compensate" : had.status !== status;
    if (changed && FINAL.has(status)) reporter.onStepEnd?.({ stepId: record.id, record });
    return record;
  });
}

/** Follows a run whose session keeps no journal, by what the server has (the run's manifest and executions). */
async function followExecutions(
  client: TemporalClient,
  first: RunManifest,
  reporter: Reporter,
  signal: AbortSignal,
  secrets: readonly string[],
  intervalMs: number,
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
  // Item counts by `<step>@<attempt>`: a recorded count never changes, so each is read until found.
  const counted = new Map<string, number>();
  const key = (s: { id: string; attempt: number }) => `${s.id}@${s.attempt}`;
  let goneFor = 0;
  for (;;) {
    const read = await readManifest(client, manifest.runId);
    if (read.found && read.manifest) manifest = read.manifest;
    const executions = await findRunExecutions(client, manifest.runId);
    const state = read.found ? runStateOf(read) : { state: "stopped" as const };
    // An open manifest whose process is gone. A run that closes its manifest and exits between this
    // poll's read and its process check (run-state.ts runStateOf) looks like that for one poll, and on a
    // loaded machine watch once called a run stopped so (the one case seen was not explained further).
    // So it takes STOPPED_POLLS polls in a row, each reading the manifest again; a real stop is still
    // reported, a few seconds later.
    const gone = state.state === "stopped" && read.found && (read.status === "running" || read.status === "paused");
    goneFor = gone ? goneFor + 1 : 0;
    const shown: RunStateName = gone && goneFor <= STOPPED_POLLS ? "in progress" : state.state;
    // While the run goes on, the failures of closed executions (a running one's is the live run's to
    // show). Once it ended, the running ones too: the poll that first sees the run ended can still
    // list its last execution running (visibility lags the manifest's Describe), and watch would end
    // calling that step skipped; Describe says whether it closed (addFailureMessages). An execution
    // left running on purpose (an `abandon` step of a cancelled run) stays running.
    await addFailureMessages(
      client,
      shown === "in progress" ? executions.filter((e) => e.status !== "running") : executions,
      secrets,
    );
    const uncounted = manifest.steps.filter((s) => s.forEach && !counted.has(key(s)));
    for (const [id, n] of await readItemCounts(client, manifest.runId, uncounted)) {
      const step = uncounted.find((s) => s.id === id);
      if (step) counted.set(key(step), n);
    }
    const counts = new Map<string, number>();
    for (const s of manifest.steps) if (counted.has(key(s))) counts.set(s.id, counted.get(key(s)) as number);
    for (const view of stepViews(manifest, executions, shown, counts)) {
      // A compensation the server has gets its row when first seen, as the run's own rollback adds it.
      if (view.section === "compensate" && !records.has(view.id))
        records.set(view.id, {
          id: view.id,
          section: "compensate",
          kind: view.kind,
          status: "pending",
          ...(view.parent === undefined ? {} : { parent: view.parent }),
        });
      const record = records.get(view.id);
      if (record) update(reporter, record, view, executions);
    }
    const ended = shown !== "in progress";
    if (ended) {
      // As status says it: a finished run never ran what is left; a stopped one was stopped in it.
      for (const record of records.values()) {
        if (
          state.state === "stopped"
            ? record.status === "running"
            : record.status === "pending" || record.status === "running"
        ) {
          record.status = state.state === "stopped" ? "interrupted" : "skipped";
          reporter.onStepEnd?.({ stepId: record.id, record });
        }
      }
      // The outputs the followed session recorded as it ended, already masked by it.
      const kept = read.found ? await readOutputs(client, manifest.runId, read.sessionRunId) : undefined;
      const runRecord: RunRecord = {
        ...runRecordOf(client, manifest, read, state.state, [...records.values()]),
        ...(kept && "outputs" in kept ? { outputs: { ...kept.outputs } } : {}),
      };
      reporter.onRunEnd?.(runRecord);
      return {
        state: state.state,
        exitCode: "exitCode" in state && state.exitCode !== undefined ? state.exitCode : ExitCode.runFailed,
        manifest,
        ...(kept && "omittedBytes" in kept ? { outputsOmittedBytes: kept.omittedBytes } : {}),
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
  const single = mine.find((e) => itemIndex(e) === undefined);
  if (single) record.execution = { kind: single.kind, executionId: single.id, runId: single.runId };
  if (view.itemCount !== undefined && (record.items?.length ?? 0) < view.itemCount) {
    // Every item, as the engine lists them: the view counts done of all, not of those seen so far.
    const items = record.items ?? [];
    const seen = new Set(items.map((i) => i.index));
    for (let index = 0; index < view.itemCount; index++) if (!seen.has(index)) items.push({ index, status: "pending" });
    record.items = items.sort((a, b) => a.index - b.index);
    if (record.status !== "pending") reporter.onStepUpdate?.({ stepId: record.id, record });
  }
  if (mine.some((e) => itemIndex(e) !== undefined)) updateItems(reporter, record, mine, executions);
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

/** The forEach item an execution is (`<step>.<index>`) or undoes (`<step>.<index>.compensate`). */
function itemIndex(e: RunExecution): number | undefined {
  return e.role.role === "item" || e.role.role === "compensation" ? e.role.index : undefined;
}

/**
 * A record's items as the server has them: a step's by their executions, each completed one by its
 * compensation once one started (undo-state.ts); a compensation's by theirs.
 */
function updateItems(
  reporter: Reporter,
  record: StepRecord,
  mine: readonly RunExecution[],
  executions: readonly RunExecution[],
): void {
  if (!record.items) record.items = [];
  const items = record.items;
  const byIndex = new Map(items.map((i) => [i.index, i]));
  let added = false;
  const attempt = mine[0]?.role.attempt ?? 1;
  const undo = record.section === "steps" ? undoOnServer(executions, record.id, attempt).items : new Map();
  for (const e of mine) {
    const index = itemIndex(e);
    if (index === undefined) continue;
    let item: ItemRecord | undefined = byIndex.get(index);
    const undone = e.status === "completed" ? undo.get(index) : undefined;
    const status: StepStatus = undone ?? (e.status === "paused" ? "running" : e.status);
    if (!item || item.status === "pending") {
      if (!item) {
        item = { index, status: "pending" };
        items.push(item);
        byIndex.set(index, item);
        added = true;
      }
      item.status = "running";
      item.execution = { kind: e.kind, executionId: e.id, runId: e.runId };
      if (e.startTime) item.startedAt = e.startTime.toISOString();
      reporter.onItemStart?.({ stepId: record.id, item });
    }
    if (item.status !== status && status !== "running") {
      item.status = status;
      if (e.closeTime) item.closedAt = e.closeTime.toISOString();
      if (e.failureMessage) item.error = { message: e.failureMessage };
      reporter.onItemEnd?.({ stepId: record.id, item });
    }
  }
  if (added) items.sort((a, b) => a.index - b.index);
}
