/**
 * Call settings computed by expressions (task queue, Nexus endpoint, timeouts, retry, priority):
 * each value's form, and resolving a call's settings once its expressions can be evaluated. A value
 * of the wrong form is an ExpressionError at the expression's place, so the step (or item) fails
 * before anything starts. The forms are those specs/pipeline.schema.json gives the literals
 * (test/unit/pipeline/call-settings.test.ts holds the two together).
 */
import { formatDuration, parseDuration } from "./duration.js";
import type { CompiledValue } from "./expr/compiled.js";
import { ExpressionError } from "./expr/expression-error.js";
import type { CallOptions, ComputedSettings, Priority, RetryPolicy, TemporalStepCall, Timeouts } from "./model.js";

/** A call with every setting known: what the engine sends, what preflight and dry-run show. */
export interface ResolvedCall {
  readonly call: TemporalStepCall;
  readonly timeouts: Timeouts;
  readonly retry?: RetryPolicy;
  readonly priority?: Priority;
}

/** Why a value does not fit, or the value to use (undefined: the setting stays unset). */
type Check = (value: unknown) => { ok: true; value: unknown } | { ok: false; expected: string; hint?: string };

const nonEmptyName =
  (what: string): Check =>
  (value) =>
    typeof value === "string" && value.trim() !== ""
      ? { ok: true, value }
      : { ok: false, expected: `a non-empty ${what} name` };

const duration: Check = (value) => {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  const ms = typeof value === "string" ? parseDuration(value) : undefined;
  if (ms !== undefined && ms > 0) return { ok: true, value: ms };
  return {
    ok: false,
    expected: "a positive duration",
    hint:
      typeof value === "number"
        ? `a duration is a string with a unit: write "{% $string(n) & 's' %}" for seconds`
        : "e.g. 500ms, 30s, 5m, 1h30m",
  };
};

const number =
  (expected: string, fits: (n: number) => boolean): Check =>
  (value) => {
    if (value === undefined || value === null) return { ok: true, value: undefined };
    return typeof value === "number" && Number.isFinite(value) && fits(value)
      ? { ok: true, value }
      : { ok: false, expected };
  };

const optionalString: Check = (value) =>
  value === undefined || value === null || typeof value === "string"
    ? { ok: true, value: value ?? undefined }
    : { ok: false, expected: "a string" };

const stringList: Check = (value) => {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  return Array.isArray(value) && value.every((v) => typeof v === "string")
    ? { ok: true, value }
    : { ok: false, expected: "a list of strings" };
};

/** The form of each computed setting, by its name as written. */
export const SETTING_FORMS: Readonly<Record<string, Check>> = {
  taskQueue: nonEmptyName("task queue"),
  "nexus.endpoint": nonEmptyName("Nexus endpoint"),
  "timeouts.scheduleToClose": duration,
  "timeouts.scheduleToStart": duration,
  "timeouts.startToClose": duration,
  "timeouts.heartbeat": duration,
  "retry.initialInterval": duration,
  "retry.maximumInterval": duration,
  "retry.backoffCoefficient": number("a number of at least 1", (n) => n >= 1),
  "retry.maximumAttempts": number("a whole number of at least 0", (n) => Number.isInteger(n) && n >= 0),
  "retry.nonRetryableErrorTypes": stringList,
  "priority.priorityKey": number("a whole number of at least 1", (n) => Number.isInteger(n) && n >= 1),
  "priority.fairnessKey": optionalString,
  "priority.fairnessWeight": number("a number above 0", (n) => n > 0),
};

/** A checked value as a person reads it: durations as written (`30s`), the rest as they are. */
export function showSetting(name: string, value: unknown): unknown {
  return SETTING_FORMS[name] === duration && typeof value === "number" ? formatDuration(value) : value;
}

/** Every computed setting of a call, named as written (`timeouts.startToClose`), in a fixed order. */
export function computedEntries(computed: ComputedSettings | undefined): Array<[string, CompiledValue]> {
  if (computed === undefined) return [];
  const entries: Array<[string, CompiledValue]> = [];
  if (computed.taskQueue) entries.push(["taskQueue", computed.taskQueue]);
  if (computed.endpoint) entries.push(["nexus.endpoint", computed.endpoint]);
  for (const group of ["timeouts", "retry", "priority"] as const) {
    for (const [key, value] of Object.entries(computed[group] ?? {}))
      if (value) entries.push([`${group}.${key}`, value]);
  }
  return entries;
}

/** Checks one evaluated setting; throws an ExpressionError at the expression when it does not fit. */
export function checkSetting(name: string, expression: CompiledValue, value: unknown): unknown {
  const form = SETTING_FORMS[name];
  if (!form) throw new Error(`no form for call setting ${name}`);
  const checked = form(value);
  if (checked.ok) return checked.value;
  const position = expression.kind === "expression" ? expression.position : { file: "<pipeline>", line: 0, column: 0 };
  throw new ExpressionError(
    `${name} must be ${checked.expected}, but the expression gave ${describeValue(value)}`,
    position,
    expression.kind === "expression" ? expression.source : "",
    { hint: checked.hint ?? `fix the expression so it gives ${checked.expected}` },
  );
}

/**
 * The call with its computed settings evaluated and checked. `evaluate` evaluates one value in the
 * scope the call runs in (the step's, or the item's in a forEach).
 */
export async function resolveCall(
  call: TemporalStepCall,
  options: CallOptions,
  evaluate: (value: CompiledValue) => Promise<unknown>,
): Promise<ResolvedCall> {
  const timeouts: Record<string, unknown> = { ...options.timeouts };
  const retry: Record<string, unknown> | undefined = options.retry ? { ...options.retry } : undefined;
  const priority: Record<string, unknown> | undefined = options.priority ? { ...options.priority } : undefined;
  let resolved: TemporalStepCall = call;
  const groups: Record<string, Record<string, unknown> | undefined> = { timeouts, retry, priority };
  for (const [name, expression] of computedEntries(options.computed)) {
    const value = checkSetting(name, expression, await evaluate(expression));
    if (name === "taskQueue" && resolved.kind === "activity") resolved = { ...resolved, taskQueue: value as string };
    else if (name === "nexus.endpoint" && resolved.kind === "nexus")
      resolved = { ...resolved, endpoint: value as string };
    else {
      const [group, key] = name.split(".") as [string, string];
      const target = groups[group] ?? {};
      groups[group] = target;
      if (value === undefined) delete target[key];
      else target[key] = value;
    }
  }
  return {
    call: resolved,
    timeouts: timeouts as Timeouts,
    ...(groups.retry ? { retry: groups.retry as RetryPolicy } : {}),
    ...(groups.priority ? { priority: groups.priority as Priority } : {}),
  };
}

function describeValue(value: unknown): string {
  if (value === undefined) return "no value";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list (${truncate(JSON.stringify(value))})`;
  if (typeof value === "object") return `an object (${truncate(JSON.stringify(value))})`;
  return `the ${typeof value} ${truncate(JSON.stringify(value))}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
