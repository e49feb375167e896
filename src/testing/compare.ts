/**
 * A case's expectations against what its run did. Each difference is a `Mismatch` at the path that
 * differs (`outputs.deployed[1]`, `steps.deploy.status`), with the expected and the actual value, so
 * a report shows exactly where a changed mapping or an inverted `when` took the run elsewhere.
 */

import type { SourcePosition } from "../base/source-position.js";
import type { ItemRecord, RunRecord, StepRecord } from "../engine/events.js";
import { evaluateWithBindings } from "../pipeline/expr/evaluate.js";
import { isTruthy } from "../pipeline/expr/truthy.js";
import type { RecordedCall } from "./responder.js";
import { stepPathOf } from "./step-paths.js";
import type { Expectations, StepExpectation, ValueExpectation } from "./test-model.js";

export interface Mismatch {
  /** Where the difference is: `status`, `outputs.total`, `steps.deploy[1].input.region`, `started`... */
  readonly path: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
  /** For predicates and lists: what was wrong, in words. */
  readonly message?: string;
  /** A predicate that gave no value: where it is in the test file. */
  readonly position?: SourcePosition;
}

/** What the case's run did, as the expectations read it. */
export interface Actual {
  readonly record: RunRecord;
  readonly exitCode: number;
  /** Step paths (record IDs without item indexes) in the order they started. */
  readonly started: readonly string[];
  readonly calls: readonly RecordedCall[];
}

/** Most differences reported inside one compared value: the first few say where it went wrong. */
const MAX_DIFFS_PER_VALUE = 5;

export async function compare(expect: Expectations, actual: Actual): Promise<Mismatch[]> {
  const out: Mismatch[] = [];
  const { record } = actual;
  if (expect.status !== undefined && expect.status !== record.status)
    out.push({ path: "status", expected: expect.status, actual: record.status });
  if (expect.exitCode !== undefined && expect.exitCode !== actual.exitCode)
    out.push({ path: "exitCode", expected: expect.exitCode, actual: actual.exitCode });
  if (expect.error !== undefined)
    await check(out, "error", expect.error, errorValue(expect.error, record.error), { outputs: record.outputs });
  if (expect.outputs !== undefined) {
    const outputs = record.outputs;
    if ("predicate" in expect.outputs) {
      await check(out, "outputs", expect.outputs as ValueExpectation, outputs, { outputs });
    } else {
      for (const [name, expectation] of expect.outputs)
        await check(out, `outputs.${name}`, expectation, outputs?.[name], { outputs });
    }
  }
  const records = new Map(record.steps.filter((s) => s.section !== "compensate").map((s) => [s.id, s]));
  for (const [path, expectation] of expect.steps) await checkStep(out, path, expectation, records, actual.calls);
  if (expect.started !== undefined) {
    const started = new Set(actual.started);
    const wanted = new Set(expect.started);
    const missing = [...wanted].filter((s) => !started.has(s));
    const extra = [...started].filter((s) => !wanted.has(s));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        missing.length > 0 ? `never started: ${missing.join(", ")}` : "",
        extra.length > 0 ? `also started: ${extra.join(", ")}` : "",
      ];
      out.push({
        path: "started",
        expected: expect.started,
        actual: actual.started,
        message: parts.filter(Boolean).join("; "),
      });
    }
  }
  if (expect.startedInOrder !== undefined) {
    const positions = expect.startedInOrder.map((s) => actual.started.indexOf(s));
    const missing = expect.startedInOrder.filter((_, i) => positions[i] === -1);
    const inOrder = positions.every((p, i) => i === 0 || p > (positions[i - 1] as number));
    if (missing.length > 0 || !inOrder) {
      out.push({
        path: "startedInOrder",
        expected: expect.startedInOrder,
        actual: actual.started,
        message: missing.length > 0 ? `never started: ${missing.join(", ")}` : "started in another order",
      });
    }
  }
  if (expect.compensations !== undefined) {
    const ran = record.steps
      .filter((s) => s.section === "compensate" && s.status !== "skipped" && s.status !== "pending")
      .map((s) => stepPathOf(s.id.replace(/\.compensate$/, "")));
    if (JSON.stringify(ran) !== JSON.stringify(expect.compensations))
      out.push({ path: "compensations", expected: expect.compensations, actual: ran });
  }
  return out;
}

async function checkStep(
  out: Mismatch[],
  path: string,
  expectation: StepExpectation,
  records: ReadonlyMap<string, StepRecord>,
  calls: readonly RecordedCall[],
): Promise<void> {
  const found = findRecord(path, records);
  const at = `steps.${path}`;
  if (expectation.status !== undefined && expectation.status !== (found?.status ?? "pending"))
    out.push({ path: `${at}.status`, expected: expectation.status, actual: found?.status ?? "not run" });
  if (expectation.output !== undefined) await check(out, `${at}.output`, expectation.output, found?.output);
  if (expectation.error !== undefined)
    await check(out, `${at}.error`, expectation.error, errorValue(expectation.error, found?.error));
  const own = calls.filter((c) => !c.site.compensation && belongsTo(c.site.recordPath, path));
  if (expectation.input !== undefined) await check(out, `${at}.input`, expectation.input, inputOf(path, own));
  if (expectation.calls !== undefined && expectation.calls !== own.length)
    out.push({ path: `${at}.calls`, expected: expectation.calls, actual: own.length });
}

/** The record of a step (`deploy`, `db.createDb`) or of an item (`deploy[1]`). */
function findRecord(path: string, records: ReadonlyMap<string, StepRecord>): StepRecord | ItemRecord | undefined {
  const item = /^(.*)\[(\d+)\]$/.exec(path);
  if (item) return records.get(item[1] as string)?.items?.[Number(item[2])];
  return records.get(path);
}

/** True when a call of record path `recordPath` is the step or item `path`'s (an item's call is its step's too). */
function belongsTo(recordPath: string, path: string): boolean {
  return recordPath === path || (recordPath.startsWith(`${path}[`) && /^\[\d+\]$/.test(recordPath.slice(path.length)));
}

/** The input of the step's last call; of a forEach step, its items' inputs in index order. */
function inputOf(path: string, calls: readonly RecordedCall[]): unknown {
  const direct = calls.filter((c) => c.site.recordPath === path);
  if (direct.length > 0) return direct.at(-1)?.input;
  if (calls.length === 0) return undefined;
  const byIndex: unknown[] = [];
  for (const call of calls) byIndex[call.site.index ?? 0] = call.input;
  return Array.from(byIndex, (v) => v ?? null);
}

/** An error compared by a string is compared by its message; by a mapping, by the keys the mapping gives. */
function errorValue(expectation: ValueExpectation, error: StepRecord["error"]): unknown {
  if (!("equals" in expectation) || error === undefined) return error;
  const wanted = expectation.equals;
  if (typeof wanted === "string") return error.message;
  if (typeof wanted === "object" && wanted !== null) {
    const picked: Record<string, unknown> = {};
    for (const key of Object.keys(wanted)) picked[key] = (error as unknown as Record<string, unknown>)[key];
    return picked;
  }
  return error;
}

async function check(
  out: Mismatch[],
  path: string,
  expectation: ValueExpectation,
  actual: unknown,
  extra: Record<string, unknown> = {},
): Promise<void> {
  if ("equals" in expectation) {
    out.push(...differences(path, expectation.equals, actual).slice(0, MAX_DIFFS_PER_VALUE));
    return;
  }
  const source = expectation.predicate.kind === "expression" ? `{% ${expectation.predicate.source.trim()} %}` : "";
  try {
    const result = await evaluateWithBindings(expectation.predicate, { ...extra, value: actual });
    // No value is most often a misspelt path ($value.healthy for $value.health): not the same as false.
    if (result === undefined) {
      const position = expectation.predicate.kind === "expression" ? { position: expectation.predicate.position } : {};
      out.push({
        path,
        expected: source,
        actual,
        message: `${source} gave no value; check the paths it reads`,
        ...position,
      });
    } else if (!isTruthy(result)) out.push({ path, expected: source, actual, message: `${source} is false` });
  } catch (error) {
    out.push({ path, expected: source, actual, message: `${source} failed: ${(error as Error).message}` });
  }
}

/** The leaves where `actual` differs from `expected`, in the order `expected` lists them. */
export function differences(path: string, expected: unknown, actual: unknown): Mismatch[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length)
      return [{ path, expected, actual, message: `${expected.length} entries expected, found ${actual.length}` }];
    return expected.flatMap((e, i) => differences(`${path}[${i}]`, e, actual[i]));
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((k) => differences(`${path}.${k}`, expected[k], actual[k]));
  }
  return sameValue(expected, actual) ? [] : [{ path, expected, actual }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Equal as JSON values; a missing value and null are told apart. */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}
