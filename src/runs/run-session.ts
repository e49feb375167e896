/**
 * Before a run starts on Temporal: read the run's manifest (when it has one), refuse what would mix
 * two runs (another pipeline's run, different inputs, an edited pipeline, a run another process is
 * running now), work out the attempts a `--from` rerun uses, and open this session by writing the
 * new manifest. The run command (src/cli/run.ts) runs the pipeline with what this returns.
 */
import { UserError } from "../base/user-error.js";
import type { Reporter } from "../engine/events.js";
import type { ReadBack } from "../engine/read-back.js";
import type { EarlierUndos } from "../engine/run-options.js";
import { closest } from "../pipeline/did-you-mean.js";
import type { Pipeline } from "../pipeline/model.js";
import type { TemporalClient } from "../temporal/types.js";
import { pipelineDigest } from "./manifest/digest.js";
import { type JournalWriter, openJournal } from "./manifest/journal.js";
import { attemptsOf, buildManifest, currentActor, type RunManifest } from "./manifest/manifest.js";
import {
  compensationRecorder,
  itemCountRecorder,
  readCompensations,
  readVars,
  writeOutputs,
  writeVars,
} from "./manifest/records.js";
import {
  earlierUndos,
  fromNames,
  fromScope,
  inputConflicts,
  nextAttempts,
  rerunSet,
  stepChanges,
  undoneSteps,
} from "./manifest/resume-check.js";
import {
  type ManifestRead,
  openNewSession,
  openSession,
  RunExistsError,
  readManifest,
  type Session,
  type SessionEnd,
  SessionHeldError,
} from "./manifest/store.js";
import { refuseUnfinishedUpstream } from "./manifest/upstream-check.js";
import { findRunExecutions } from "./run-executions.js";
import { unknownRunError } from "./unknown-run.js";

export interface SessionRequest {
  runId: string;
  /** `--resume`: the run must exist. Without it, an existing run ID is resumed all the same (with the checks). */
  resume: boolean;
  /** Inputs resolved from -i / --inputs / defaults, and which of them the user gave. */
  inputs: Record<string, unknown>;
  given: readonly string[];
  /**
   * Required inputs given neither by -i nor --inputs: a resume takes them from the run's manifest;
   * for a new run (or one without a readable manifest) they are a MissingInputsError.
   */
  missing?: readonly string[];
  /** `--no-compensate` given (false), else undefined. */
  compensate?: boolean;
  concurrency?: number;
  from: readonly string[];
  allowChanged: boolean;
  takeover: boolean;
  /** Open a session for a run that ended completed too (the library, which returns the run's record). */
  walkComplete?: boolean;
  /** Keep a journal of the session's events (manifest/journal.ts) for watch and status. */
  journal?: boolean;
}

export interface PreparedSession {
  readonly inputs: Record<string, unknown>;
  /** The vars an earlier session kept (a resume), for RunOptions.vars; empty for a new run. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Keeps this run's vars for its resumes (RunOptions.keepVars). */
  keepVars(vars: Readonly<Record<string, unknown>>): Promise<void>;
  readonly attempts: ReadonlyMap<string, number>;
  /** With `--from`: the steps read back, never started (RunOptions.readBack). */
  readonly readBack?: ReadBack;
  /** What earlier sessions' rollbacks set out to undo, for RunOptions.earlierUndo (empty for a new run). */
  readonly earlierUndo: EarlierUndos;
  readonly compensate: boolean;
  readonly concurrency: number;
  /** True when an earlier session of the run existed. */
  readonly resumed: boolean;
  readonly manifest: RunManifest;
  readonly session: RunSession;
  /** Records each forEach step's item count for watch and status (manifest/records.ts); add it to the run's reporters. */
  readonly recorder: Reporter;
  /** Where the session's NDJSON lines go, masked, when it keeps a journal; closing the session flushes it first. */
  readonly journal?: JournalWriter;
  /** Records what the rollback undoes before it does (manifest/records.ts); the engine's `beforeCompensation`. */
  readonly beforeCompensation: (stepExecutionId: string) => Promise<void>;
  /** Things the user should know (printed on stderr before the run). */
  readonly notes: readonly string[];
}

/** Required inputs with no value: neither given now nor in the run's manifest. */
export class MissingInputsError extends UserError {
  override readonly name = "MissingInputsError";
  constructor(readonly names: readonly string[]) {
    super(names.map((name) => `input "${name}" is required`).join("; "), {
      hint: "give it with -i NAME=VALUE or in an --inputs file; a resume takes it from the run's manifest",
    });
  }
}

/** This session's hold on the run; closing it first records the run's outputs (masked) for watch. */
export interface RunSession extends Session {
  close(end: SessionEnd, outputs?: Readonly<Record<string, unknown>>): Promise<void>;
}

/** A resume of a run that ended completed, with nothing to rerun: no session is opened, nothing starts. */
export interface CompletedRun {
  readonly complete: true;
  /** When its last session ended (the server's time). */
  readonly closedAt?: Date;
  readonly notes: readonly string[];
}

export async function prepareSession(
  client: TemporalClient,
  pipeline: Pipeline,
  request: SessionRequest,
): Promise<PreparedSession | CompletedRun> {
  const { runId } = request;
  if (request.from.length > 0 && !request.resume) {
    throw new UserError("--from reruns steps of an earlier run and needs --resume RUN_ID", {
      hint: `e.g. nxrun run ${pipeline.file} --resume <run-id> --from ${request.from[0]}`,
    });
  }
  // This run's settings: the request's (or the defaults) unless a resume reads them from the manifest.
  let inputs = request.inputs;
  let compensate = request.compensate ?? true;
  let concurrency = request.concurrency ?? pipeline.concurrency;
  let attempts = new Map<string, number>();
  const missing = request.missing ?? [];
  // Without all its required inputs a run can only be a resume: its manifest has them.
  if (!request.resume && !request.allowChanged && request.from.length === 0 && missing.length === 0) {
    // A new run ID (nxrun makes one up unless --run-id names one) has no manifest to read and check:
    // start its manifest at once, with a start that refuses any earlier manifest of the ID (store.ts).
    const manifest = buildManifest(pipeline, {
      runId,
      inputs,
      compensate,
      concurrency,
      attempts,
      from: [],
      journal: request.journal === true,
    });
    try {
      const session = await openNewSession(client, manifest);
      return ready(client, session, {
        inputs,
        vars: {},
        attempts,
        earlierUndo: { undos: [], attempts: new Map() },
        compensate,
        concurrency,
        resumed: false,
        manifest,
        notes: [],
      });
    } catch (error) {
      // The ID has a manifest (an earlier run of it): read it and check this run against it, as below.
      if (!(error instanceof RunExistsError)) throw error;
    }
  }
  const read = await readManifest(client, runId);
  const notes: string[] = [];
  let previous: RunManifest | undefined;
  // Steps an earlier session's rollback undid: started again as new attempts, never reused.
  let undone: string[] = [];
  let earlierUndo: EarlierUndos = { undos: [], attempts: new Map() };
  let stale: string | undefined;
  let vars: Record<string, unknown> | undefined;

  if (!read.found) {
    if (request.resume || request.allowChanged || request.from.length > 0) {
      const executions = await findRunExecutions(client, runId);
      if (executions.length === 0) throw unknownRunError(client, runId, `nxrun run ${pipeline.file} --run-id ${runId}`);
      if (!request.allowChanged) {
        throw new UserError(`run ${runId} has no manifest, so nxrun cannot check that this resume matches it`, {
          hint: `its ${executions.length} executions exist, but its manifest execution (${runId}~manifest) does not: it was started by an nxrun that kept no manifests, or the manifest was deleted. To resume it without the checks, give the run's inputs again with -i and add --allow-changed; or start a new run without --resume.`,
        });
      }
      notes.push(`run ${runId} has no manifest: resuming without checking inputs or steps (--allow-changed)`);
    }
  } else {
    const problem = read.manifest === undefined ? read.problem : undefined;
    if (read.manifest === undefined) {
      if (!request.allowChanged) {
        throw new UserError(`the manifest of run ${runId} cannot be read: ${problem ?? "unknown format"}`, {
          hint: "it was probably written by another nxrun version; resume with that version, or give the run's inputs again with -i and add --allow-changed to resume without the checks",
        });
      }
      notes.push(`the manifest of run ${runId} cannot be read (${problem}); resuming without checks (--allow-changed)`);
    } else {
      previous = read.manifest;
      ({ inputs, compensate, concurrency } = checkAgainst(previous, pipeline, request, notes));
      attempts = attemptsOf(previous);
      await checkSteps(client, previous, pipeline, request, notes);
      // Its steps are as they were and it ended completed: everything is done, so nothing starts
      // (a step that failed under onError: continue is done too). --from asks for more.
      if (
        read.end?.status === "completed" &&
        previous.digest === pipelineDigest(pipeline) &&
        request.from.length === 0 &&
        request.walkComplete !== true
      )
        return { complete: true, closedAt: read.closeTime, notes };
      const compensations = await readCompensations(client, runId);
      undone = undoneSteps(pipeline, attempts, compensations);
      earlierUndo = { undos: earlierUndos(pipeline, compensations, attempts), attempts: new Map(attempts) };
      if (undone.length > 0) await awaitOpenCompensations(client, runId, notes);
    }
    stale = await staleSession(read, request);
    vars = await readVars(client, runId);
  }
  const stillMissing = missing.filter((name) => !(name in inputs));
  if (stillMissing.length > 0) throw new MissingInputsError(stillMissing);

  // Every session after the first starts anew what --from names, what the rollback undid, and
  // (rerunSet) the finally steps, so each session that ends the run runs finally with its own status.
  let readBack: ReadBack | undefined;
  if (request.from.length > 0 || previous !== undefined) {
    const named = [...request.from, ...undone];
    // --from starts what it reruns and nothing else: the other steps are read back (engine/read-back.ts).
    const scope = request.from.length > 0 ? fromScope(pipeline, named) : undefined;
    const readOnly = new Set([...(scope?.upstream ?? []), ...(scope?.outside ?? [])]);
    const { rerun, unknown } = rerunSet(pipeline, named, readOnly);
    if (unknown.length > 0) throw unknownFromError(pipeline, unknown);
    if (undone.length > 0)
      notes.push(
        `the run's rollback undid ${undone.join(", ")}: ${undone.length === 1 ? "it starts" : "they start"} again as a new attempt, with what depends on ${undone.length === 1 ? "it" : "them"}`,
      );
    // Before the attempts move on: the upstream steps are read back under their current ones.
    if (scope !== undefined)
      await refuseUnfinishedUpstream(client, pipeline, runId, attempts, scope.upstream, request.from, {
        inputs,
        vars: vars ?? {},
      });
    nextAttempts(attempts, rerun);
    if (scope !== undefined)
      readBack = { from: request.from, upstream: new Set(scope.upstream), outside: new Set(scope.outside) };
  }

  const manifest = buildManifest(pipeline, {
    runId,
    inputs,
    compensate,
    concurrency,
    attempts,
    previous,
    from: request.from,
    journal: request.journal === true,
  });
  let session: Session;
  try {
    session = await openSession(client, manifest, stale);
  } catch (error) {
    if (!(error instanceof SessionHeldError)) throw error;
    const now = await readManifest(client, runId);
    throw heldError(runId, now.found ? now.manifest : undefined);
  }
  return ready(client, session, {
    inputs,
    vars: vars ?? {},
    readBack,
    attempts,
    earlierUndo,
    compensate,
    concurrency,
    resumed: read.found,
    manifest,
    notes,
  });
}

/**
 * A session killed during its rollback leaves that rollback's compensations running on the server: the
 * resume starts an undone step again only once its undoing has closed, or the undo would land on the
 * new attempt's work. Describe, not visibility, says whether each is still open (visibility lags).
 */
async function awaitOpenCompensations(client: TemporalClient, runId: string, notes: string[]): Promise<void> {
  const compensations = (await findRunExecutions(client, runId)).filter((e) => e.role.role === "compensation");
  for (const compensation of compensations) {
    const executions = compensation.kind === "nexus" ? client.nexus : client.activities;
    const now = await executions.describe(compensation.id, compensation.runId);
    if (now.status !== "running") continue;
    await executions.awaitOutcome(compensation.id, compensation.runId);
    notes.push(`waited for ${compensation.id}, an earlier session's compensation, to close before starting anything`);
  }
}

/** The prepared session around an opened one: its close first records the run's outputs (masked) for watch. */
function ready(
  client: TemporalClient,
  held: Session,
  prepared: Omit<PreparedSession, "session" | "recorder" | "keepVars" | "journal" | "beforeCompensation">,
): PreparedSession {
  const { runId } = prepared.manifest;
  const journal = prepared.manifest.session.journal ? openJournal(client, runId, held.sessionRunId) : undefined;
  const runSession: RunSession = {
    sessionRunId: held.sessionRunId,
    async close(end, outputs) {
      // The journal's last lines first: a watcher that sees the manifest closed finds the run's end.
      await journal?.close();
      // Before the manifest closes, so a watcher that sees the run end finds its outputs.
      if (outputs !== undefined)
        await writeOutputs(client, runId, held.sessionRunId, outputs).catch(() => {
          // The outputs were shown by the run itself; watch then only lacks them.
        });
      await held.close(end);
    },
  };
  return {
    ...prepared,
    session: runSession,
    recorder: itemCountRecorder(client, prepared.manifest),
    keepVars: (vars) => writeVars(client, runId, vars),
    journal,
    beforeCompensation: compensationRecorder(client, runId, held.sessionRunId),
  };
}

/** Inputs and options from the manifest; an input given now that differs is refused. */
function checkAgainst(
  previous: RunManifest,
  pipeline: Pipeline,
  request: SessionRequest,
  notes: string[],
): { inputs: Record<string, unknown>; compensate: boolean; concurrency: number } {
  const { runId } = request;
  if (previous.pipeline !== pipeline.name) {
    throw new UserError(`run ${runId} is a run of pipeline "${previous.pipeline}", not of "${pipeline.name}"`, {
      hint: `resume it with its own pipeline file (it was ${previous.file}), or give a run ID of ${pipeline.name} (nxrun runs --pipeline ${pipeline.name})`,
    });
  }
  const given = Object.fromEntries(request.given.map((name) => [name, request.inputs[name]]));
  const conflicts = inputConflicts(previous.inputs, given);
  if (conflicts.length > 0) {
    const lines = conflicts.map(
      (c) => `  input "${c.name}": the run has ${shown(c.recorded)}, this resume gives ${shown(c.given)}`,
    );
    throw new UserError(`run ${runId} was started with other inputs than this resume gives:\n${lines.join("\n")}`, {
      hint: "a resume takes the run's own inputs: leave -i out (or give the same values); for other inputs start a new run without --resume",
    });
  }
  // Inputs the pipeline declares now but the run did not have (an edit let through by --allow-changed).
  const inputs: Record<string, unknown> = { ...previous.inputs };
  for (const [name, value] of Object.entries(request.inputs)) if (!(name in inputs)) inputs[name] = value;
  for (const name of Object.keys(inputs)) if (!(name in pipeline.inputs)) delete inputs[name];

  const compensate = request.compensate ?? previous.options.compensate;
  if (compensate !== previous.options.compensate)
    notes.push(
      `the run was started with${previous.options.compensate ? "" : " --no-compensate"}; this resume runs with${compensate ? "" : " --no-compensate"}`,
    );
  const concurrency = request.concurrency ?? previous.options.concurrency;
  if (concurrency !== previous.options.concurrency)
    notes.push(`the run was started with concurrency ${previous.options.concurrency}; this resume uses ${concurrency}`);
  return { inputs, compensate, concurrency };
}

/** Refuses an edited pipeline (naming each changed step and whether it ran) unless --allow-changed. */
async function checkSteps(
  client: TemporalClient,
  previous: RunManifest,
  pipeline: Pipeline,
  request: SessionRequest,
  notes: string[],
): Promise<void> {
  if (previous.digest === pipelineDigest(pipeline)) return;
  const changes = stepChanges(previous, pipeline);
  const executions = await findRunExecutions(client, request.runId);
  const ran = new Set(executions.map((e) => e.role.stepId));
  const lines = changes.map((c) => `  step ${c.id}: ${c.change}${ran.has(c.id) ? " (already ran)" : " (not run yet)"}`);
  if (changes.length === 0)
    lines.push("  outside the steps: inputs' schemas, secrets, vars, timeout, concurrency or outputs");
  const what = `pipeline ${pipeline.name} has changed since run ${request.runId} started:\n${lines.join("\n")}`;
  if (!request.allowChanged) {
    throw new UserError(what, {
      hint: "resume with the pipeline as it was; or add --allow-changed to go on with the edited one (steps that completed keep their results; rerun them with --from STEP); or start a new run without --resume",
    });
  }
  notes.push(`${what}\ngoing on anyway (--allow-changed)`);
}

/**
 * The Temporal run ID of an open session whose process is gone, to end before opening ours; throws
 * when another process runs the run now (or may: one on another host, without --takeover).
 */
async function staleSession(
  read: Extract<ManifestRead, { found: true }>,
  request: SessionRequest,
): Promise<string | undefined> {
  if (read.status !== "running" && read.status !== "paused") return undefined;
  const owner = read.manifest?.session;
  if (owner === undefined || request.takeover) return read.sessionRunId;
  const here = currentActor();
  if (owner.host === here.host) {
    if (!processAlive(owner.pid)) return read.sessionRunId;
    throw heldError(request.runId, read.manifest);
  }
  throw new UserError(
    `run ${request.runId} may be running now: ${owner.by} (pid ${owner.pid}) started a session at ${owner.at} and did not end it`,
    {
      hint: `follow it with nxrun watch ${request.runId}; if that process is gone (killed, its machine lost), resume with --takeover`,
    },
  );
}

/** Whether a process of this host is alive (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function heldError(runId: string, manifest: RunManifest | undefined): UserError {
  const who = manifest
    ? `${manifest.session.by} (pid ${manifest.session.pid}, since ${manifest.session.at})`
    : "another process";
  return new UserError(`run ${runId} is being run now by ${who}`, {
    hint: `follow it with nxrun watch ${runId}; resume it once that process has ended`,
  });
}

/** How many of the pipeline's step names a hint lists. */
const NAMES_SHOWN = 12;

/** `--from` names no step of `pipeline`: the hint lists the names it takes there, the closest to the first unknown first. */
function unknownFromError(pipeline: Pipeline, unknown: readonly string[]): UserError {
  const names = fromNames(pipeline);
  const asked = unknown[0] ?? "";
  const near = closest(asked, names);
  // The closest first; else the steps inside the uses step the name starts with (`db.` of `db.nope`).
  const inside = names.filter(
    (name) => name.includes(".") && asked.startsWith(name.slice(0, name.lastIndexOf(".") + 1)),
  );
  const first = near === undefined ? inside : [near];
  const ordered = [...first, ...names.filter((name) => !first.includes(name))];
  const shownNames = ordered.slice(0, NAMES_SHOWN).join(", ");
  const more = ordered.length > NAMES_SHOWN ? ` and ${ordered.length - NAMES_SHOWN} more` : "";
  const paths = names.some((name) => name.includes("."))
    ? "; a step inside a uses step is named by its path (uses step ID, a dot, its step ID)"
    : "";
  // A finally step is the pipeline's too: saying it does not exist would be untrue.
  const isFinally = unknown.every((name) => pipeline.finally.some((step) => step.id === name));
  const what = isFinally
    ? "a finally step, which every session that ends the run runs again; --from names a step of steps"
    : `no such step in pipeline ${pipeline.name}`;
  return new UserError(`--from ${unknown.join(", ")}: ${what}`, {
    hint: `${near === undefined ? "" : `did you mean --from ${near}? `}--from takes a step of this pipeline: ${shownNames}${more}${paths}`,
  });
}

/** A value in an error message: JSON, cut short. */
function shown(value: unknown): string {
  const text = value === undefined ? "no value" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
