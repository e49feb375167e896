/**
 * What a resume compares between the run's manifest and what it is given now: the pipeline's steps
 * (by digest) and the inputs. Pure functions; src/runs/run-session.ts turns their findings into errors.
 */
import type { EarlierUndo, UndoSegment } from "../../engine/run-options.js";
import type { Pipeline } from "../../pipeline/model.js";
import { downstreamOf } from "../../pipeline/plan/build-plan.js";
import { canonicalJson, stepDigest } from "./digest.js";
import type { RunManifest } from "./manifest.js";

export interface StepChange {
  readonly id: string;
  readonly change: "changed" | "added" | "removed";
}

/** The steps whose definition differs from the manifest's, in the manifest's plan order, then the added ones. */
export function stepChanges(manifest: RunManifest, pipeline: Pipeline): StepChange[] {
  const now = new Map([...pipeline.steps, ...pipeline.finally].map((s) => [s.id, stepDigest(s)]));
  const changes: StepChange[] = [];
  for (const step of manifest.steps) {
    const digest = now.get(step.id);
    if (digest === undefined) changes.push({ id: step.id, change: "removed" });
    else if (digest !== step.digest) changes.push({ id: step.id, change: "changed" });
  }
  const before = new Set(manifest.steps.map((s) => s.id));
  for (const id of now.keys()) if (!before.has(id)) changes.push({ id, change: "added" });
  return changes;
}

export interface InputConflict {
  readonly name: string;
  readonly recorded: unknown;
  readonly given: unknown;
}

/** The inputs given now (by -i or --inputs) whose value differs from the one the run was started with. */
export function inputConflicts(
  recorded: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, unknown>>,
): InputConflict[] {
  return Object.entries(given)
    .filter(([name, value]) => !(name in recorded) || canonicalJson(recorded[name]) !== canonicalJson(value))
    .map(([name, value]) => ({ name, recorded: recorded[name], given: value }));
}

/**
 * What `--from` reruns: each named step and everything downstream of it, and every `finally` step,
 * the used pipelines' too (each session that ends a run or a sub-pipeline runs its `finally` anew,
 * as in a fresh run), except those of uses steps in `readBack` (a `--from` reads those back whole).
 * A step inside a used pipeline is named by its path
 * (`db.migrate`, at any depth): it reruns with what is downstream of it inside that pipeline and the
 * pipeline's `finally` (paths `db.x`), and what is downstream of the uses step outside, but not the
 * uses step's other steps, which are read back. Step IDs not in the pipeline are returned apart.
 */
export function rerunSet(
  pipeline: Pipeline,
  from: readonly string[],
  readBack: ReadonlySet<string> = new Set(),
): { rerun: Set<string>; unknown: string[] } {
  const { rerun, unknown } = namedAndDownstream(pipeline, from);
  for (const step of pipeline.finally) rerun.add(step.id);
  addUsedFinally(pipeline, "", rerun, readBack);
  return { rerun, unknown };
}

/** Each named step (a path inside a uses step too) and what is downstream of it; no `finally` step. */
function namedAndDownstream(pipeline: Pipeline, from: readonly string[]): { rerun: Set<string>; unknown: string[] } {
  const ids = new Set(pipeline.steps.map((s) => s.id));
  const unknown: string[] = [];
  const rerun = new Set<string>();
  for (const id of from) {
    if (ids.has(id)) {
      rerun.add(id);
      for (const d of downstreamOf(pipeline, id)) rerun.add(d);
      continue;
    }
    const inner = insideUses(pipeline, id);
    if (!inner) {
      unknown.push(id);
      continue;
    }
    for (const path of inner.rerun) rerun.add(path);
    for (const d of downstreamOf(pipeline, inner.usesStep)) rerun.add(d);
  }
  return { rerun, unknown };
}

/** With `--from`: the run's own steps it reruns (in part: a uses step one of whose steps it names), and the rest. */
export interface FromScope {
  /** Steps the rerun steps read, directly or not: read back, never started; each must have completed. */
  readonly upstream: string[];
  /** Steps neither rerun nor read by them: read back when done, otherwise not run. */
  readonly outside: string[];
}

/**
 * Splits the steps `--from` does not rerun (`from` with the steps a rollback undid) into those the
 * rerun steps depend on (`needs` and the `$steps` their expressions read: `dependsOn`) and the
 * others, each in plan order. Pure: run-session.ts passes it to the engine (src/engine/read-back.ts).
 */
export function fromScope(pipeline: Pipeline, from: readonly string[]): FromScope {
  const { rerun } = namedAndDownstream(pipeline, from);
  const inSet = (id: string) => rerun.has(id) || [...rerun].some((path) => path.startsWith(`${id}.`));
  const byId = new Map(pipeline.steps.map((s) => [s.id, s]));
  const upstream = new Set<string>();
  const stack = pipeline.steps.filter((s) => inSet(s.id)).flatMap((s) => s.dependsOn);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (upstream.has(id) || inSet(id) || !byId.has(id)) continue;
    upstream.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  const ordered = pipeline.steps.map((s) => s.id);
  return {
    upstream: ordered.filter((id) => upstream.has(id)),
    outside: ordered.filter((id) => !inSet(id) && !upstream.has(id)),
  };
}

/**
 * The `finally` steps of each used pipeline (`db.audit`, at any depth), unless its uses step reruns
 * as a whole: that one starts all its steps afresh under its new key anyway (nextAttempts).
 */
function addUsedFinally(pipeline: Pipeline, prefix: string, rerun: Set<string>, readBack: ReadonlySet<string>): void {
  for (const step of pipeline.steps) {
    const path = `${prefix}${step.id}`;
    if (step.call.kind !== "uses" || rerun.has(path) || readBack.has(path)) continue;
    for (const last of step.call.pipeline.finally) rerun.add(`${path}.${last.id}`);
    addUsedFinally(step.call.pipeline, `${path}.`, rerun, readBack);
  }
}

/**
 * Every name `--from` takes in `pipeline`, in plan order: each step's ID under `steps:` and, for a
 * uses step, the paths of the steps inside its pipeline (`db.create`, at any depth), as insideUses reads them.
 */
export function fromNames(pipeline: Pipeline, prefix = ""): string[] {
  return pipeline.steps.flatMap((step) => [
    `${prefix}${step.id}`,
    ...(step.call.kind === "uses" ? fromNames(step.call.pipeline, `${prefix}${step.id}.`) : []),
  ]);
}

/** `a.b[.c...]` where `a` is a uses step whose pipeline has the step `b[.c...]`: the paths it reruns there. */
function insideUses(pipeline: Pipeline, id: string): { usesStep: string; rerun: string[] } | undefined {
  const dot = id.indexOf(".");
  if (dot < 0) return undefined;
  const head = id.slice(0, dot);
  const step = pipeline.steps.find((s) => s.id === head);
  if (step?.call.kind !== "uses") return undefined;
  const inner = rerunSet(step.call.pipeline, [id.slice(dot + 1)]);
  if (inner.unknown.length > 0) return undefined;
  return { usesStep: head, rerun: [...inner.rerun].map((path) => `${head}.${path}`) };
}

/**
 * The steps an earlier session's rollback undid (or set out to): `compensated` lists execution keys
 * as records.ts keeps them; a step matches when its current attempt's key (under `attempts`, as the
 * manifest has them) is one of them or, for a forEach, prefixes one. Named as `--from` names steps: a
 * step inside a used pipeline by its path (`db.createDb`), a forEach over uses as a whole (`dbs`).
 */
export function undoneSteps(
  pipeline: Pipeline,
  attempts: ReadonlyMap<string, number>,
  compensated: readonly string[],
): string[] {
  const found: string[] = [];
  const walk = (used: Pipeline, path: string, key: string): void => {
    for (const step of used.steps) {
      const attempt = attempts.get(`${path}${step.id}`) ?? 1;
      const own = `${key}${attempt > 1 ? `${step.id}@${attempt}` : step.id}`;
      if (!compensated.some((entry) => entry === own || entry.startsWith(`${own}.`))) continue;
      if (step.call.kind === "uses" && step.forEach === undefined)
        walk(step.call.pipeline, `${path}${step.id}.`, `${own}.`);
      else found.push(`${path}${step.id}`);
    }
  };
  walk(pipeline, "", "");
  return found;
}

/**
 * Gives each step of `rerun` (rerunSet's) its next attempt; a uses step rerun as a whole starts its
 * steps afresh under its new key (`<run>.db@2.x`), so their own attempts are dropped, also of a
 * step inside it that is named too (a rollback undid `db.x` and `--from db`): under `db@2` it is
 * on its first attempt, never `db@2.x@2`.
 */
export function nextAttempts(attempts: Map<string, number>, rerun: ReadonlySet<string>): void {
  const underWhole = (path: string) => [...rerun].some((id) => path.startsWith(`${id}.`));
  for (const id of rerun) if (!underWhole(id)) attempts.set(id, (attempts.get(id) ?? 1) + 1);
  for (const path of [...attempts.keys()]) if (underWhole(path)) attempts.delete(path);
}

/**
 * What an earlier session's rollback set out to undo, from `compensated` (records.ts keys: `open`,
 * `flush@2`, `db.createDb`, `dbs.2.createDb`), each once: a step with a `compensate` (the run's own
 * or inside a used pipeline, by the way down), or a forEach over uses as a whole (an entry for any of
 * its items' steps names it). `attempts` are those the earlier session had (the manifest's): a forEach
 * over uses takes those of the steps inside it. A resume finishes what is left of each undo before
 * anything starts (src/engine/earlier-undo.ts); one already finished costs a look at the server.
 */
export function earlierUndos(
  pipeline: Pipeline,
  compensated: readonly string[],
  attempts: ReadonlyMap<string, number> = new Map(),
): EarlierUndo[] {
  const found = new Map<string, EarlierUndo>();
  for (const entry of compensated) {
    const way = undoWay(pipeline, entry);
    if (way === undefined) continue;
    const [top, ...inside] = way.segments;
    if (top === undefined) continue;
    const key = JSON.stringify(way.segments);
    if (found.has(key)) continue;
    const below = `${way.segments.map((s) => s.stepId).join(".")}.`;
    const attemptsInside = Object.fromEntries(
      [...attempts]
        .filter(([path]) => way.whole && path.startsWith(below))
        .map(([path, n]) => [path.slice(below.length), n]),
    );
    found.set(key, {
      ...top,
      ...(inside.length === 0 ? {} : { inside }),
      ...(Object.keys(attemptsInside).length === 0 ? {} : { attemptsInside }),
    });
  }
  return [...found.values()];
}

/**
 * The way down an execution key names, to the step it undoes: through single uses steps to a step
 * with a `compensate`, or to a forEach over uses (`whole`: the rest names one of its items). Undefined
 * for a key that names no such step of `pipeline`.
 */
function undoWay(pipeline: Pipeline, entry: string): { segments: UndoSegment[]; whole: boolean } | undefined {
  const parts = entry.split(".");
  const segments: UndoSegment[] = [];
  let used = pipeline;
  for (const [at, part] of parts.entries()) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:@([1-9]\d*))?$/.exec(part);
    const step = match?.[1] === undefined ? undefined : used.steps.find((s) => s.id === match[1]);
    if (step === undefined) return undefined;
    segments.push({ stepId: step.id, attempt: match?.[2] === undefined ? 1 : Number(match[2]) });
    const last = at === parts.length - 1;
    if (step.call.kind !== "uses")
      return last && step.compensate !== undefined ? { segments, whole: false } : undefined;
    if (step.forEach !== undefined) return { segments, whole: true };
    if (last) return undefined;
    used = step.call.pipeline;
  }
  return undefined;
}
