/**
 * The run manifest: what a run is, kept on Temporal so that any terminal can read it back from the
 * run ID alone (docs/architecture.md says where and why). It holds the pipeline's name and digests,
 * the resolved inputs (secrets only by name), the options that change results, which attempt of each
 * step is current (`--from`), nxrun's version, and when and by whom the run and this session started.
 */
import { hostname, userInfo } from "node:os";
import { NXRUN_VERSION } from "../../base/version.js";
import { usedPipelines } from "../../engine/secrets.js";
import type { Pipeline } from "../../pipeline/model.js";
import { buildPlan } from "../../pipeline/plan/build-plan.js";
import { pipelineDigest, stepDigest } from "./digest.js";

/** The manifest format; a reader refuses a manifest of a newer format rather than misread it. */
export const MANIFEST_FORMAT = 1;

export type ManifestStepKind = "activity" | "nexus" | "confirm" | "wait" | "uses";

/** One step, in plan order. */
export interface ManifestStep {
  readonly id: string;
  readonly section: "steps" | "finally";
  readonly kind: ManifestStepKind;
  readonly forEach: boolean;
  readonly compensate: boolean;
  readonly dependsOn: readonly string[];
  readonly digest: string;
  /** 1 for the first; each `--from` that reruns the step adds one (execution IDs `<run>.<step>@<attempt>`). */
  readonly attempt: number;
}

/** Who started something, and where. */
export interface ManifestActor {
  /** `user@host`. */
  readonly by: string;
  readonly host: string;
  readonly pid: number;
  readonly at: string;
}

export interface RunManifest {
  readonly format: number;
  readonly runId: string;
  readonly pipeline: string;
  /** The pipeline file as the first session saw it (absolute path). */
  readonly file: string;
  readonly digest: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The pipeline's secrets, by name only; their values are read from the environment each session. */
  readonly secrets: readonly string[];
  /**
   * The environment variables the secrets of the run and of the pipelines it uses are read from, so
   * `status` and `watch` can mask them where they are set (src/runs/declared-secrets.ts). Absent in
   * manifests written before nxrun kept it.
   */
  readonly secretEnv?: readonly string[];
  readonly options: { readonly compensate: boolean; readonly concurrency: number };
  readonly nxrun: string;
  /** When and by whom the run first started. */
  readonly started: ManifestActor;
  /** The session this manifest was written for: the first run, or a resume. */
  readonly session: ManifestActor & {
    readonly resumed: boolean;
    readonly from: readonly string[];
    /** The session keeps a journal of its events (journal.ts), which watch and status read. */
    readonly journal?: boolean;
  };
  readonly steps: readonly ManifestStep[];
  /**
   * Steps inside used pipelines that a `--from` reran, by path (`db.migrate`, `db.inner.x`): their
   * current attempt (execution IDs `<run>.db.migrate@<attempt>`). Absent when there are none.
   */
  readonly subAttempts?: Readonly<Record<string, number>>;
}

/** `user@host` of this process. */
export function currentActor(now: Date = new Date()): ManifestActor {
  let user = process.env.USER ?? process.env.USERNAME ?? "unknown";
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): the environment's name will do.
  }
  const host = hostname();
  return { by: `${user}@${host}`, host, pid: process.pid, at: now.toISOString() };
}

export interface ManifestFacts {
  runId: string;
  inputs: Readonly<Record<string, unknown>>;
  compensate: boolean;
  concurrency: number;
  /** Current attempt of each step; 1 when absent. */
  attempts?: ReadonlyMap<string, number>;
  /** The earlier manifest when resuming: the run's first start is kept from it. */
  previous?: RunManifest;
  from?: readonly string[];
  /** The session keeps a journal of its events (journal.ts). */
  journal?: boolean;
  now?: Date;
}

/** The manifest of a session of `pipeline`. */
export function buildManifest(pipeline: Pipeline, facts: ManifestFacts): RunManifest {
  const plan = buildPlan(pipeline);
  const byId = new Map([...pipeline.steps, ...pipeline.finally].map((s) => [s.id, s]));
  const steps: ManifestStep[] = [...plan.order, ...plan.finallyOrder].map((id) => {
    const step = byId.get(id);
    if (!step) throw new Error(`plan names unknown step ${id}`);
    return {
      id,
      section: step.section,
      kind: step.call.kind,
      forEach: step.forEach !== undefined,
      compensate: step.compensate !== undefined,
      dependsOn: [...step.dependsOn],
      digest: stepDigest(step),
      attempt: facts.attempts?.get(id) ?? 1,
    };
  });
  const session = currentActor(facts.now);
  // A path with a dot is a step of a used pipeline (top-level step IDs hold none: specs/pipeline.schema.json).
  const subAttempts = [...(facts.attempts ?? [])].filter(([id, attempt]) => id.includes(".") && attempt > 1);
  return {
    format: MANIFEST_FORMAT,
    runId: facts.runId,
    pipeline: pipeline.name,
    file: facts.previous?.file ?? pipeline.file,
    digest: pipelineDigest(pipeline),
    inputs: facts.inputs,
    secrets: Object.keys(pipeline.secrets),
    secretEnv: secretEnvOf(pipeline),
    options: { compensate: facts.compensate, concurrency: facts.concurrency },
    nxrun: NXRUN_VERSION,
    started: facts.previous?.started ?? session,
    session: {
      ...session,
      resumed: facts.previous !== undefined,
      from: [...(facts.from ?? [])],
      ...(facts.journal === true ? { journal: true } : {}),
    },
    steps,
    ...(subAttempts.length === 0 ? {} : { subAttempts: Object.fromEntries(subAttempts) }),
  };
}

/** The environment variables of the secrets of `pipeline` and the pipelines it uses, each once. */
function secretEnvOf(pipeline: Pipeline): string[] {
  const names = [pipeline, ...usedPipelines(pipeline)].flatMap((p) => Object.values(p.secrets).map((s) => s.env));
  return [...new Set(names)];
}

/** The attempt of each step that is not on its first, steps inside used pipelines by path. */
export function attemptsOf(manifest: RunManifest): Map<string, number> {
  return new Map([
    ...manifest.steps.filter((s) => s.attempt > 1).map((s): [string, number] => [s.id, s.attempt]),
    ...Object.entries(manifest.subAttempts ?? {}),
  ]);
}

/**
 * The wire form: short keys and steps as arrays, so a 1,000-step pipeline stays near 50 bytes a step
 * (measured in test/unit/runs/manifest.test.ts). Step: [id, digest, flags, attempt, ...dependsOn],
 * flags a string of letters: `a` activity, `n` nexus, `c` confirm, `w` wait, then `F` finally, `E` forEach, `C` compensate.
 * `sub`: the attempts of steps inside used pipelines a `--from` reran (`{ "db.migrate": 2 }`), when any.
 */
export function encodeManifest(manifest: RunManifest): unknown {
  return {
    nxrunManifest: manifest.format,
    run: manifest.runId,
    pipeline: manifest.pipeline,
    file: manifest.file,
    digest: manifest.digest,
    inputs: manifest.inputs,
    secrets: manifest.secrets,
    ...(manifest.secretEnv === undefined ? {} : { secretEnv: manifest.secretEnv }),
    options: manifest.options,
    nxrun: manifest.nxrun,
    started: manifest.started,
    session: manifest.session,
    steps: manifest.steps.map((s) => [
      s.id,
      s.digest,
      `${s.kind[0]}${s.section === "finally" ? "F" : ""}${s.forEach ? "E" : ""}${s.compensate ? "C" : ""}`,
      s.attempt,
      ...s.dependsOn,
    ]),
    ...(manifest.subAttempts === undefined ? {} : { sub: manifest.subAttempts }),
  };
}

/** Why a stored manifest could not be read. */
export class ManifestFormatError extends Error {
  override readonly name = "ManifestFormatError";
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, what: string): string => {
  if (typeof v !== "string") throw new ManifestFormatError(`${what} is not a string`);
  return v;
};

function actor(v: unknown, what: string): ManifestActor {
  if (!isRecord(v)) throw new ManifestFormatError(`${what} is missing`);
  return {
    by: str(v.by, `${what}.by`),
    host: str(v.host, `${what}.host`),
    pid: Number(v.pid),
    at: str(v.at, `${what}.at`),
  };
}

const KINDS: Record<string, ManifestStepKind> = { a: "activity", n: "nexus", c: "confirm", w: "wait", u: "uses" };

/** Reads the wire form back; throws ManifestFormatError for anything that is not a manifest nxrun can read. */
export function decodeManifest(value: unknown): RunManifest {
  if (!isRecord(value) || typeof value.nxrunManifest !== "number")
    throw new ManifestFormatError("not an nxrun run manifest");
  if (value.nxrunManifest > MANIFEST_FORMAT)
    throw new ManifestFormatError(
      `the manifest has format ${value.nxrunManifest}, newer than this nxrun reads (${MANIFEST_FORMAT})`,
    );
  if (!isRecord(value.inputs) || !Array.isArray(value.steps) || !isRecord(value.options) || !isRecord(value.session))
    throw new ManifestFormatError("the manifest lacks inputs, steps, options or session");
  const session = value.session;
  const steps = value.steps.map((raw, i): ManifestStep => {
    if (!Array.isArray(raw) || raw.length < 4) throw new ManifestFormatError(`step ${i} is malformed`);
    const [id, digest, flags, attempt, ...dependsOn] = raw as unknown[];
    const f = str(flags, `step ${i} flags`);
    const kind = KINDS[f[0] ?? ""];
    if (!kind) throw new ManifestFormatError(`step ${i} has an unknown kind`);
    return {
      id: str(id, `step ${i} id`),
      digest: str(digest, `step ${i} digest`),
      kind,
      section: f.includes("F") ? "finally" : "steps",
      forEach: f.includes("E"),
      compensate: f.includes("C"),
      attempt: typeof attempt === "number" && attempt >= 1 ? attempt : 1,
      dependsOn: dependsOn.map((d) => str(d, `step ${i} dependency`)),
    };
  });
  return {
    format: value.nxrunManifest,
    runId: str(value.run, "run"),
    pipeline: str(value.pipeline, "pipeline"),
    file: str(value.file, "file"),
    digest: str(value.digest, "digest"),
    inputs: value.inputs,
    secrets: Array.isArray(value.secrets) ? value.secrets.map((s) => String(s)) : [],
    ...(Array.isArray(value.secretEnv) ? { secretEnv: value.secretEnv.map((s) => String(s)) } : {}),
    options: {
      compensate: value.options.compensate !== false,
      concurrency: Number(value.options.concurrency) || 1,
    },
    nxrun: str(value.nxrun, "nxrun"),
    started: actor(value.started, "started"),
    session: {
      ...actor(session, "session"),
      resumed: session.resumed === true,
      from: Array.isArray(session.from) ? session.from.map((s) => String(s)) : [],
      ...(session.journal === true ? { journal: true } : {}),
    },
    steps,
    ...subAttemptsOf(value.sub),
  };
}

/** The wire form's `sub` (absent in manifests of runs that never reran a step inside a used pipeline). */
function subAttemptsOf(value: unknown): { subAttempts?: Record<string, number> } {
  if (!isRecord(value)) return {};
  const entries = Object.entries(value).filter(
    (entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 1,
  );
  return entries.length === 0 ? {} : { subAttempts: Object.fromEntries(entries) };
}
