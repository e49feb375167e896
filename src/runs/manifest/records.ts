/**
 * Facts a session learns only while it runs, kept the way the manifest is kept (store.ts): each one
 * a standalone activity execution on the never-polled task queue MANIFEST_TASK_QUEUE whose input is
 * the fact, started and at once terminated, so it is a closed record any terminal can describe.
 * - `<runId>~items.<stepKey>`: how many items a forEach step has (known only once its `forEach`
 *   expression is evaluated), so `watch` and `status` can say "n/N items" and call the step
 *   completed only when all N are done. A few bytes each; one per forEach step and attempt.
 * - `<runId>~outputs`: the run's outputs, masked by the run itself with its secret values (the one
 *   process that has them), written just before the session's manifest is closed, so `watch` shows
 *   the outputs of the run it followed. At most MAX_OUTPUTS_BYTES; larger outputs are noted, not kept.
 * - `<runId>~vars`: the run's vars that read no secret, as its first session computed them (before
 *   any step started), so a resume gives the run the same values (`$now()` in a var). At most
 *   MAX_VARS_BYTES: a run whose vars are larger fails before any step rather than lose them.
 * - `<runId>~compensations`: the steps this session's rollback set out to undo, written before each
 *   step's first compensation starts (so a session killed mid-rollback leaves it too): a resume
 *   starts each of them again as a new attempt rather than build on undone work (run-session.ts).
 *   Rewritten whole each time, with the session's list so far; entries name each step by its
 *   execution key (`open`, `open@2`, `db.createDb`, `dbs.2.createDb`), so one of an attempt a later
 *   session has moved past no longer matches anything.
 * None of these IDs starts with `<runId>.`, so no step listing (run-executions.ts) ever sees them.
 */
import { eachAtMost } from "../../base/each-at-most.js";
import { UserError } from "../../base/user-error.js";
import type { Reporter } from "../../engine/events.js";
import { AlreadyStartedError, FailedPreconditionError, NotFoundError } from "../../temporal/service-errors.js";
import type { TemporalClient } from "../../temporal/types.js";
import type { RunManifest } from "./manifest.js";
import { MANIFEST_TASK_QUEUE } from "./store.js";

const CLOSE_REASON = "nxrun: a record of the run, never executed";
/** Longer than a session could take between the start and the terminate below. */
const RECORD_LIFETIME_MS = 24 * 3600_000;
/** Outputs larger than this (as JSON) are not kept: a record is not the place for bulk data. */
export const MAX_OUTPUTS_BYTES = 256 * 1024;
const READ_CONCURRENCY = 8;

/** The key of a step's attempt, as execution IDs write it (`deploy`, `deploy@2`). */
const stepKey = (stepId: string, attempt: number) => (attempt > 1 ? `${stepId}@${attempt}` : stepId);

export const itemsRecordId = (runId: string, stepId: string, attempt: number) =>
  `${runId}~items.${stepKey(stepId, attempt)}`;
export const outputsRecordId = (runId: string) => `${runId}~outputs`;
export const varsRecordId = (runId: string) => `${runId}~vars`;
/** Vars larger than this (as JSON) cannot be kept. */
export const MAX_VARS_BYTES = 256 * 1024;
export const compensationsRecordId = (runId: string) => `${runId}~compensations`;

/** Writes one record: start (ending a leftover open one of a killed session first), then terminate. */
export async function writeRecord(
  client: TemporalClient,
  id: string,
  type: string,
  value: unknown,
  summary: string,
): Promise<void> {
  const start = () =>
    client.activities.start({
      id,
      activityType: type,
      taskQueue: MANIFEST_TASK_QUEUE,
      args: [value],
      scheduleToClose: RECORD_LIFETIME_MS,
      idReusePolicy: "allowDuplicate",
      idConflictPolicy: "fail",
      summary,
    });
  let started: Awaited<ReturnType<typeof start>>;
  try {
    started = await start();
  } catch (error) {
    if (!(error instanceof AlreadyStartedError)) throw error;
    await terminate(client, id, undefined);
    started = await start();
  }
  await terminate(client, id, started.runId);
}

async function terminate(client: TemporalClient, id: string, runId: string | undefined): Promise<void> {
  try {
    await client.activities.terminate(id, runId, CLOSE_REASON);
  } catch (error) {
    if (!(error instanceof FailedPreconditionError || error instanceof NotFoundError)) throw error;
  }
}

/** A record's value, or undefined when there is none. */
export async function readRecord(client: TemporalClient, id: string): Promise<unknown> {
  try {
    return (await client.activities.describe(id, undefined, { includeInput: true })).input?.[0];
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function writeItemCount(
  client: TemporalClient,
  runId: string,
  step: { id: string; attempt: number },
  items: number,
): Promise<void> {
  return writeRecord(
    client,
    itemsRecordId(runId, step.id, step.attempt),
    "nxrun-items",
    { nxrunItems: 1, step: step.id, attempt: step.attempt, items },
    `nxrun: step ${step.id} of run ${runId} has ${items} items`,
  );
}

/**
 * A reporter that records each forEach step's item count as the engine announces the step (its
 * items are known then, before any starts). A record that cannot be written costs only that detail:
 * watch and status then count the items the server has, as they do for runs without records.
 * `close` waits for the writes, so they are done before the session's manifest is closed.
 */
export function itemCountRecorder(client: TemporalClient, manifest: RunManifest): Reporter {
  // Only the run's own forEach steps: a used pipeline's steps arrive as `db.createDb`, not in the manifest.
  const forEach = new Map(manifest.steps.filter((s) => s.forEach).map((s) => [s.id, s]));
  const writes: Promise<void>[] = [];
  return {
    onStepStart({ stepId, record }) {
      const step = forEach.get(stepId);
      if (!step || !record.items) return;
      writes.push(writeItemCount(client, manifest.runId, step, record.items.length).catch(() => undefined));
    },
    async close() {
      await Promise.all(writes);
    },
  };
}

/** The item count of each given forEach step's attempt that has a record (8 Describes at a time). */
export async function readItemCounts(
  client: TemporalClient,
  runId: string,
  steps: ReadonlyArray<{ id: string; attempt: number }>,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await eachAtMost(steps, READ_CONCURRENCY, async (step) => {
    const value = await readRecord(client, itemsRecordId(runId, step.id, step.attempt));
    if (isRecord(value) && Number.isInteger(value.items) && (value.items as number) >= 0)
      counts.set(step.id, value.items as number);
  });
  return counts;
}

/** What a run's outputs record holds: the outputs, or why they were not kept. */
export type OutputsRecord = { readonly outputs: Readonly<Record<string, unknown>> } | { readonly omittedBytes: number };

/** Records the (already masked) outputs of session `sessionRunId`. */
export function writeOutputs(
  client: TemporalClient,
  runId: string,
  sessionRunId: string,
  outputs: Readonly<Record<string, unknown>>,
): Promise<void> {
  const bytes = Buffer.byteLength(JSON.stringify(outputs));
  const kept = bytes <= MAX_OUTPUTS_BYTES ? { outputs } : { omittedBytes: bytes };
  return writeRecord(
    client,
    outputsRecordId(runId),
    "nxrun-outputs",
    { nxrunOutputs: 1, session: sessionRunId, ...kept },
    `nxrun: outputs of run ${runId}`,
  );
}

/** The outputs the session `sessionRunId` recorded; undefined when it recorded none. */
export async function readOutputs(
  client: TemporalClient,
  runId: string,
  sessionRunId: string,
): Promise<OutputsRecord | undefined> {
  const value = await readRecord(client, outputsRecordId(runId));
  if (!isRecord(value) || value.session !== sessionRunId) return undefined;
  if (isRecord(value.outputs)) return { outputs: value.outputs };
  if (typeof value.omittedBytes === "number") return { omittedBytes: value.omittedBytes };
  return undefined;
}

/** Records the run's vars (those that read no secret); throws when they are too large to keep. */
export function writeVars(
  client: TemporalClient,
  runId: string,
  vars: Readonly<Record<string, unknown>>,
): Promise<void> {
  const bytes = Buffer.byteLength(JSON.stringify(vars));
  if (bytes > MAX_VARS_BYTES)
    return Promise.reject(
      new UserError(
        `the run's vars are ${bytes} bytes as JSON, more than nxrun keeps for a resume (${MAX_VARS_BYTES})`,
        {
          hint: "keep large values out of vars: compute them in a step, whose output a resume reads back",
        },
      ),
    );
  return writeRecord(client, varsRecordId(runId), "nxrun-vars", { nxrunVars: 1, vars }, `nxrun: vars of run ${runId}`);
}

/** The vars a session of the run recorded; undefined when none did. */
export async function readVars(client: TemporalClient, runId: string): Promise<Record<string, unknown> | undefined> {
  const value = await readRecord(client, varsRecordId(runId));
  return isRecord(value) && isRecord(value.vars) ? value.vars : undefined;
}

/**
 * What the engine awaits before each step's compensation (src/engine/compensation.ts,
 * BeforeCompensation): adds the step's execution key to this session's list and rewrites the record.
 */
export function compensationRecorder(
  client: TemporalClient,
  runId: string,
  sessionRunId: string,
): (stepExecutionId: string) => Promise<void> {
  const steps: string[] = [];
  const prefix = `${runId}.`;
  // One write at a time (the items of a forEach over uses are undone side by side), each with every
  // step told so far: a write that landed late would otherwise put back a shorter list.
  let last: Promise<void> = Promise.resolve();
  return (stepExecutionId) => {
    const key = stepExecutionId.startsWith(prefix) ? stepExecutionId.slice(prefix.length) : stepExecutionId;
    if (steps.includes(key)) return last;
    steps.push(key);
    const write = last.then(() =>
      writeRecord(
        client,
        compensationsRecordId(runId),
        "nxrun-compensations",
        { nxrunCompensations: 1, session: sessionRunId, steps: [...steps] },
        `nxrun: steps of run ${runId} its rollback undid`,
      ),
    );
    last = write.catch(() => undefined);
    return write;
  };
}

/** The execution keys the latest recording session's rollback set out to undo (none when no record). */
export async function readCompensations(client: TemporalClient, runId: string): Promise<string[]> {
  const value = await readRecord(client, compensationsRecordId(runId));
  if (!isRecord(value) || !Array.isArray(value.steps)) return [];
  return value.steps.filter((step): step is string => typeof step === "string");
}
