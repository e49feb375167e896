/**
 * Where the manifest lives: a standalone activity execution `<runId>~manifest` on a task queue no
 * worker polls (docs/architecture.md, "The run manifest"). Its input is the manifest; its user
 * metadata says what it is, for the Web UI. Each session of a run (the first, each resume) is one run
 * of that activity ID: started when the session starts (conflict policy `fail`, so two sessions of
 * one run cannot both hold it), terminated when the session ends with a reason that records how the
 * run ended and its exit code. A session killed with SIGKILL leaves it running.
 */
import { PayloadTooLargeError } from "../../temporal/server-limits.js";
import { AlreadyStartedError, FailedPreconditionError, NotFoundError } from "../../temporal/service-errors.js";
import type { ExecutionStatus, TemporalClient } from "../../temporal/types.js";
import { decodeManifest, encodeManifest, ManifestFormatError, type RunManifest } from "./manifest.js";

/** The task queue of manifest executions; nothing polls it, so a manifest is never executed. */
export const MANIFEST_TASK_QUEUE = "nxrun-manifests";

/**
 * How long a session's manifest may stay open. Longer than any run should take; a session killed
 * without a trace closes as timed out after it (which `status` reads as "stopped part-way").
 */
const MANIFEST_LIFETIME_MS = 30 * 24 * 3600_000;

/** `<runId>~manifest`: no step execution ID has this form (they are `<runId>.<step>...`). */
export function manifestExecutionId(runId: string): string {
  return `${runId}~manifest`;
}

/** How a session ended, as its manifest's close reason records it. */
export interface SessionEnd {
  readonly status: "completed" | "failed" | "canceled" | "timedOut";
  readonly exitCode: number;
}

const END_REASON = /^nxrun: run (completed|failed|canceled|timedOut) \(exit (\d+)\)/;

export function endReason(end: SessionEnd): string {
  return `nxrun: run ${end.status} (exit ${end.exitCode})`;
}

/** The stored manifest of a run, and the state of its latest session. */
export type ManifestRead =
  | { readonly found: false }
  | {
      readonly found: true;
      /** Undefined when the execution exists but does not hold a manifest this nxrun can read. */
      readonly manifest: RunManifest | undefined;
      readonly problem?: string;
      /** Temporal's run ID of the latest session's manifest execution. */
      readonly sessionRunId: string;
      readonly status: ExecutionStatus;
      /** How the latest session ended, when it ended normally. */
      readonly end?: SessionEnd;
      readonly closeTime?: Date;
    };

/** Reads a run's manifest; `{ found: false }` when there is none (unknown run, older nxrun, or deleted). */
export async function readManifest(client: TemporalClient, runId: string): Promise<ManifestRead> {
  let description: Awaited<ReturnType<TemporalClient["activities"]["describe"]>>;
  try {
    description = await client.activities.describe(manifestExecutionId(runId), undefined, { includeInput: true });
  } catch (error) {
    if (error instanceof NotFoundError) return { found: false };
    throw error;
  }
  let manifest: RunManifest | undefined;
  let problem: string | undefined;
  try {
    manifest = decodeManifest(description.input?.[0]);
  } catch (error) {
    if (!(error instanceof ManifestFormatError)) throw error;
    problem = error.message;
  }
  const failure = description.outcome?.status === "terminated" ? description.outcome.failure : undefined;
  const match = failure ? END_REASON.exec(failure.message) : null;
  return {
    found: true,
    manifest,
    problem,
    sessionRunId: description.runId,
    status: description.status,
    ...(match ? { end: { status: match[1] as SessionEnd["status"], exitCode: Number(match[2]) } } : {}),
    closeTime: description.closeTime,
  };
}

/** Another session holds the run (its manifest execution is open). */
export class SessionHeldError extends Error {
  override readonly name = "SessionHeldError";
}

/** A session's hold on its run: close it when the session ends. */
export interface Session {
  readonly sessionRunId: string;
  close(end: SessionEnd): Promise<void>;
}

/** A manifest execution with the run's ID exists, open or closed: `openNewSession` started nothing. */
export class RunExistsError extends Error {
  override readonly name = "RunExistsError";
}

/**
 * Opens the first session of a run that has no manifest yet, without reading first: the start refuses
 * any earlier manifest execution of the ID, running or closed (reuse policy `rejectDuplicate`), and
 * then throws RunExistsError, after which the caller reads the manifest and checks as for a resume.
 * One RPC instead of a describe and a start (bench/findings.md, "B8, the manifest's describe").
 */
export function openNewSession(client: TemporalClient, manifest: RunManifest): Promise<Session> {
  return startSession(client, manifest, "rejectDuplicate").catch((error: unknown) => {
    throw error instanceof SessionHeldError ? new RunExistsError(`run ${manifest.runId} has a manifest`) : error;
  });
}

/**
 * Opens this session: ends a stale one (`stale`: Temporal run ID of a manifest execution whose owner is
 * gone), then starts the manifest execution. Throws SessionHeldError when another session got there first.
 */
export async function openSession(client: TemporalClient, manifest: RunManifest, stale?: string): Promise<Session> {
  const id = manifestExecutionId(manifest.runId);
  if (stale !== undefined) {
    try {
      await client.activities.terminate(
        id,
        stale,
        `nxrun: taken over by ${manifest.session.by} (pid ${manifest.session.pid})`,
      );
    } catch (error) {
      // Closed meanwhile (or by a session that raced us here): the start below decides.
      if (!(error instanceof FailedPreconditionError || error instanceof NotFoundError)) throw error;
    }
  }
  return startSession(client, manifest, "allowDuplicate");
}

async function startSession(
  client: TemporalClient,
  manifest: RunManifest,
  idReusePolicy: "allowDuplicate" | "rejectDuplicate",
): Promise<Session> {
  const id = manifestExecutionId(manifest.runId);
  let sessionRunId: string;
  try {
    const started = await client.activities.start({
      id,
      activityType: manifest.pipeline,
      taskQueue: MANIFEST_TASK_QUEUE,
      args: [encodeManifest(manifest)],
      scheduleToClose: MANIFEST_LIFETIME_MS,
      idReusePolicy,
      idConflictPolicy: "fail",
      summary: `nxrun run ${manifest.runId} of ${manifest.pipeline}`,
      details: manifestDetails(manifest),
    });
    sessionRunId = started.runId;
  } catch (error) {
    if (error instanceof AlreadyStartedError)
      throw new SessionHeldError(`run ${manifest.runId} is held by another session`);
    // The manifest holds the run's inputs: too large, they are what to make smaller.
    if (error instanceof PayloadTooLargeError && error.bytes !== undefined)
      throw error.about(`run ${manifest.runId}'s manifest (${id}: the run's inputs and steps)`, error.bytes);
    throw error;
  }
  return {
    sessionRunId,
    async close(end: SessionEnd): Promise<void> {
      try {
        await client.activities.terminate(id, sessionRunId, endReason(end));
      } catch (error) {
        // Taken over by another session meanwhile: its record wins.
        if (!(error instanceof FailedPreconditionError || error instanceof NotFoundError)) throw error;
      }
    },
  };
}

/** What the Web UI shows under the summary (Markdown). Inputs are left out: they are in the input payload. */
function manifestDetails(manifest: RunManifest): string {
  const lines = [
    `nxrun run manifest (never executed; nothing polls task queue ${MANIFEST_TASK_QUEUE}).`,
    "",
    `- pipeline: ${manifest.pipeline} (digest ${manifest.digest}), ${manifest.steps.length} steps`,
    `- started ${manifest.started.at} by ${manifest.started.by}`,
    `- this session: ${manifest.session.resumed ? "resume" : "first run"} by ${manifest.session.by} at ${manifest.session.at}`,
    `- nxrun ${manifest.nxrun}`,
  ];
  return lines.join("\n");
}
