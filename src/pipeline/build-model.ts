/**
 * From the validated plain tree to the typed, immutable model: defaults merged, durations parsed to
 * milliseconds, expressions compiled, and the per-step checks the schema cannot express.
 */

import type { Node } from "yaml";
import type { SourcePosition } from "../base/source-position.js";
import { isSearchAttributeType, searchAttributeProblem } from "../temporal/search-attributes.js";
import { compileAt, entriesOf, mergedMapping } from "./compile-node.js";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import { parseDuration, parseWaitTarget, RETRY_DURATION_KEYS, TIMEOUT_KEYS } from "./duration.js";
import type { CompiledValue } from "./expr/compiled.js";
import { compileInputSchema, describeInputErrors } from "./input-schemas.js";
import {
  type CallOptions,
  type CancellationType,
  type Compensation,
  type ComputedSettings,
  DEFAULT_CANCELLATION,
  DEFAULT_CONCURRENCY,
  DEFAULT_SCHEDULE_TO_CLOSE_MS,
  type Pipeline,
  type Priority,
  type Repeat,
  type RetryPolicy,
  type SecretSpec,
  type Step,
  type StepCall,
  type Timeouts,
  type ToleratedFailures,
} from "./model.js";
import type {
  RawCompensation,
  RawPipeline,
  RawPriority,
  RawRepeat,
  RawRetry,
  RawStep,
  RawTimeouts,
} from "./raw-types.js";
import { describeLocation } from "./schema-errors.js";
import { withProblems } from "./with-inputs.js";
import type { JsonPath, YamlFile } from "./yaml-source.js";

/** A step before references are resolved: dependsOn is filled in by check-references. */
export type DraftStep = Omit<Step, "dependsOn"> & { dependsOn: string[] };

export interface DraftPipeline extends Omit<Pipeline, "steps" | "finally"> {
  readonly steps: DraftStep[];
  readonly finally: DraftStep[];
  /** Computed settings written in `defaults` (shared by steps): checked once, named as the defaults'. */
  readonly fromDefaults?: ReadonlySet<CompiledValue>;
}

/** What only a step that calls something (an activity or a Nexus operation) can set. */
const CALL_SETTINGS = [
  "input",
  "args",
  "taskQueue",
  "timeouts",
  "retry",
  "cancellation",
  "priority",
  "compensate",
  "searchAttributes",
  "headers",
  "details",
] as const;
/** A confirm or a wait only asks or waits: nothing to call, nothing to undo, nothing to repeat per item. */
const NO_CALL = [...CALL_SETTINGS, "forEach", "concurrency", "toleratedFailures", "repeat"] as const;

/** The keys each kind of step other than an activity refuses, its name in a message, and the hint. */
const NOT_FOR_KIND = {
  nexus: {
    keys: ["taskQueue", "args", "retry"],
    name: "a Nexus operation",
    hint: "task queue, args and retry policy belong to activities; the Nexus endpoint decides where the operation runs",
  },
  confirm: { keys: NO_CALL, name: "a confirm step", hint: "a confirm step only asks a question; remove this key" },
  wait: {
    keys: NO_CALL,
    name: "a wait step",
    hint: "a wait step only waits; remove this key, or put the work in a step that needs this one",
  },
  // A uses step's steps carry their own settings; forEach runs one sub-pipeline per item.
  uses: {
    keys: [...CALL_SETTINGS, "repeat"],
    name: "a uses step",
    hint: "the used pipeline's steps carry their own settings; give its inputs in with:",
  },
} as const satisfies Record<string, { keys: readonly (keyof RawStep)[]; name: string; hint: string }>;

/**
 * Loads the pipeline a `uses:` names (relative to this file), reporting its own problems where they
 * are; undefined when it cannot be used.
 */
export type ResolveUses = (relative: string, at: SourcePosition) => Pipeline | undefined;

const TAG_KEYS = ["headers", "searchAttributes", "details"] as const;
type TagKey = (typeof TAG_KEYS)[number];
type Tags = { -readonly [K in TagKey]?: CompiledValue };

/** A settings block: literal values (durations in ms) and the keys written as expressions. */
interface Split {
  literal: Record<string, unknown>;
  computed: Record<string, CompiledValue>;
}

/** Defaults under the step's own block, key by key: a step's key wins, literal or expression. */
function merged(base: Split | undefined, own: Split | undefined): Split {
  const result: Split = { literal: { ...base?.literal }, computed: { ...base?.computed } };
  for (const [key, value] of Object.entries(own?.literal ?? {})) {
    result.literal[key] = value;
    delete result.computed[key];
  }
  for (const [key, value] of Object.entries(own?.computed ?? {})) {
    result.computed[key] = value;
    delete result.literal[key];
  }
  return result;
}

/** Builds the model; problems go to `out`. `seen` collects every node compiled as a value. */
export function buildModel(
  src: YamlFile,
  raw: RawPipeline,
  out: DiagnosticList,
  seen: Set<Node>,
  resolveUses: ResolveUses = () => undefined,
): DraftPipeline {
  const b = new Builder(src, raw, out, seen, resolveUses);
  return b.build();
}

class Builder {
  private readonly defaultTimeouts: Split;
  private readonly defaultRetry: Split | undefined;
  private readonly defaultPriority: Split | undefined;
  private readonly defaultTaskQueue: { name: string; computed?: CompiledValue } | undefined;
  /** `defaults.headers`, `.searchAttributes`, `.details`, compiled once and merged into each call's. */
  private readonly defaultTags: Tags;

  constructor(
    private readonly src: YamlFile,
    private readonly raw: RawPipeline,
    private readonly out: DiagnosticList,
    private readonly seen: Set<Node>,
    private readonly resolveUses: ResolveUses,
  ) {
    this.defaultTimeouts = this.timeouts(raw.defaults?.timeouts, ["defaults", "timeouts"]);
    this.defaultRetry = this.retry(raw.defaults?.retry, ["defaults", "retry"]);
    this.defaultPriority = this.priority(raw.defaults?.priority, ["defaults", "priority"]);
    this.defaultTaskQueue =
      raw.defaults?.taskQueue !== undefined ? this.nameOrExpression(["defaults", "taskQueue"]) : undefined;
    this.defaultTags = raw.defaults === undefined ? {} : this.tags(raw.defaults, ["defaults"]);
  }

  /** A call's (or the defaults') headers, search attributes and details as written; literal search attribute values checked. */
  private tags(raw: Pick<RawCompensation, TagKey>, path: JsonPath): Tags {
    const tags: Tags = {};
    for (const key of TAG_KEYS) if (raw[key] !== undefined) tags[key] = this.compile([...path, key]);
    for (const [name, typed] of entriesOf(tags.searchAttributes ?? { kind: "literal", value: null })) {
      for (const [type, value] of entriesOf(typed)) {
        // The schema allows one key, a type; an expression is checked when it is evaluated.
        if (!isSearchAttributeType(type) || value.kind !== "literal") continue;
        const problem = searchAttributeProblem(type, value.value);
        if (problem === undefined) continue;
        this.out.error(
          Codes.searchAttributeValue,
          `search attribute "${name}" is of type ${type}: its value must be ${problem}`,
          this.at([...path, "searchAttributes", name, type]),
          "write a value of that type, an expression giving one, or the type the namespace registers the attribute with",
        );
      }
    }
    return tags;
  }

  build(): DraftPipeline {
    const { raw } = this;
    const pipeline: DraftPipeline = {
      file: this.src.file,
      version: 1,
      name: raw.name,
      description: raw.description,
      temporal: { ...(raw.temporal ?? {}) },
      inputs: this.inputs(),
      secrets: this.secrets(),
      vars: Object.keys(raw.vars ?? {}).map((name) => ({ name, value: this.compile(["vars", name]) })),
      ...(raw.timeout !== undefined ? { timeout: this.duration(raw.timeout, ["timeout"]) } : {}),
      concurrency: raw.concurrency ?? DEFAULT_CONCURRENCY,
      steps: raw.steps.map((step, i) => this.step(step, "steps", i)),
      finally: (raw.finally ?? []).map((step, i) => this.step(step, "finally", i)),
      outputs: Object.keys(raw.outputs ?? {}).map((name) => ({ name, value: this.compile(["outputs", name]) })),
    };
    const fromDefaults = new Set<CompiledValue>([
      ...Object.values(this.defaultTimeouts.computed),
      ...Object.values(this.defaultRetry?.computed ?? {}),
      ...Object.values(this.defaultPriority?.computed ?? {}),
      ...(this.defaultTaskQueue?.computed ? [this.defaultTaskQueue.computed] : []),
    ]);
    return fromDefaults.size > 0 ? { ...pipeline, fromDefaults } : pipeline;
  }

  private compile(path: JsonPath): CompiledValue {
    return compileAt(this.src, path, this.out, this.seen);
  }

  private at(path: JsonPath): SourcePosition {
    return this.src.valuePosition(path);
  }

  private keyAt(path: JsonPath): SourcePosition {
    return this.src.keyOrValuePosition(path);
  }

  private inputs(): Pipeline["inputs"] {
    const result: Record<string, Readonly<Record<string, unknown>>> = {};
    for (const [name, schema] of Object.entries(this.raw.inputs ?? {})) {
      result[name] = schema;
      const compiled = compileInputSchema(schema);
      if (!compiled.ok) {
        this.out.error(
          Codes.inputSchema,
          `input "${name}" is not a valid JSON Schema: ${compiled.message}`,
          this.keyAt(["inputs", name]),
          "an input is described by JSON Schema, e.g. { type: string, default: eu }",
        );
        continue;
      }
      if ("default" in schema && !compiled.validate(schema.default)) {
        this.out.error(
          Codes.inputDefault,
          `the default of input "${name}" does not match its own schema: ${describeInputErrors(name, compiled.validate.errors)}`,
          this.at(["inputs", name, "default"]),
          "fix the default or the schema",
        );
      }
    }
    return result;
  }

  private secrets(): Pipeline["secrets"] {
    const result: Record<string, SecretSpec> = {};
    for (const [name, spec] of Object.entries(this.raw.secrets ?? {})) {
      result[name] = { env: spec.env, position: this.keyAt(["secrets", name]) };
    }
    return result;
  }

  private duration(text: string, path: JsonPath): number {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      this.out.error(
        Codes.duration,
        `${describeLocation(path, this.raw)} must be a positive duration, found "${text}"`,
        this.at(path),
        "e.g. 500ms, 30s, 5m, 1h30m",
      );
      return 1;
    }
    return ms;
  }

  /**
   * A settings block (timeouts, retry, priority) split into literal keys and keys written as
   * expressions; literal durations are parsed to milliseconds here.
   */
  private settings(
    raw: Readonly<Record<string, unknown>> | undefined,
    path: JsonPath,
    durations: readonly string[],
  ): Split {
    const split: Split = { literal: {}, computed: {} };
    for (const [key, value] of Object.entries(raw ?? {})) {
      if (value === undefined) continue;
      const compiled = this.compile([...path, key]);
      if (compiled.kind !== "literal") split.computed[key] = compiled;
      else if (durations.includes(key) && typeof value === "string")
        split.literal[key] = this.duration(value, [...path, key]);
      else split.literal[key] = value;
    }
    return split;
  }

  private timeouts(raw: RawTimeouts | undefined, path: JsonPath): Split {
    return this.settings(raw as Record<string, unknown> | undefined, path, TIMEOUT_KEYS);
  }

  private retry(raw: RawRetry | undefined, path: JsonPath): Split | undefined {
    if (raw === undefined) return undefined;
    return this.settings(raw as Record<string, unknown>, path, RETRY_DURATION_KEYS);
  }

  private priority(raw: RawPriority | undefined, path: JsonPath): Split | undefined {
    if (raw === undefined) return undefined;
    return this.settings(raw as Record<string, unknown>, path, []);
  }

  /** The step's (or defaults') task queue or endpoint: the literal name, or its expression. */
  private nameOrExpression(path: JsonPath): { name: string; computed?: CompiledValue } {
    const compiled = this.compile(path);
    if (compiled.kind === "literal") return { name: typeof compiled.value === "string" ? compiled.value : "" };
    return { name: "", computed: compiled };
  }

  /** Call, options and defaults shared by steps and compensations. */
  private callAndOptions(
    raw: RawCompensation & { confirm?: string; wait?: string; uses?: string; with?: Record<string, unknown> },
    path: JsonPath,
    what: string,
  ): { call: StepCall; options: CallOptions } {
    let call: StepCall;
    const computed: { -readonly [K in keyof ComputedSettings]: ComputedSettings[K] } = {};
    if (raw.activity !== undefined) {
      const taskQueue =
        raw.taskQueue !== undefined ? this.nameOrExpression([...path, "taskQueue"]) : this.defaultTaskQueue;
      if (taskQueue === undefined) {
        this.out.error(
          Codes.noTaskQueue,
          `${what} runs activity "${raw.activity}" but no task queue is set`,
          this.keyAt([...path, "activity"]),
          "add taskQueue: <queue> to the step, or to defaults: for every step",
        );
      }
      if (taskQueue?.computed) computed.taskQueue = taskQueue.computed;
      call = { kind: "activity", activityType: raw.activity, taskQueue: taskQueue?.name ?? "" };
    } else if (raw.nexus !== undefined) {
      const endpoint = this.nameOrExpression([...path, "nexus", "endpoint"]);
      if (endpoint.computed) computed.endpoint = endpoint.computed;
      call = {
        kind: "nexus",
        endpoint: endpoint.name,
        service: raw.nexus.service,
        operation: raw.nexus.operation,
      };
    } else if (raw.uses !== undefined) {
      call = this.usesCall(raw.uses, raw.with, path, what);
    } else if (raw.wait !== undefined) {
      call = { kind: "wait", wait: this.waitValue(raw.wait, [...path, "wait"]) };
    } else {
      call = { kind: "confirm", prompt: this.compile([...path, "confirm"]) };
    }
    const gate = call.kind === "confirm" || call.kind === "wait" || call.kind === "uses";

    const ownTimeouts = this.timeouts(raw.timeouts, [...path, "timeouts"]);
    const ownRetry = this.retry(raw.retry, [...path, "retry"]);
    const ownPriority = this.priority(raw.priority, [...path, "priority"]);
    let timeouts: Timeouts = {};
    let retry: RetryPolicy | undefined;
    let priority: Priority | undefined;
    if (!gate) {
      const t = merged(this.defaultTimeouts, ownTimeouts);
      if (call.kind === "nexus") {
        delete t.literal.heartbeat;
        delete t.computed.heartbeat;
      }
      timeouts = t.literal as Timeouts;
      if (Object.keys(t.computed).length > 0) computed.timeouts = t.computed;
      if (
        call.kind === "activity" &&
        timeouts.scheduleToClose === undefined &&
        timeouts.startToClose === undefined &&
        computed.timeouts?.scheduleToClose === undefined &&
        computed.timeouts?.startToClose === undefined
      ) {
        // Temporal requires one of the two for an activity.
        timeouts = { ...timeouts, scheduleToClose: DEFAULT_SCHEDULE_TO_CLOSE_MS };
      }
      if (call.kind === "activity" && (ownRetry || this.defaultRetry)) {
        const r = merged(this.defaultRetry, ownRetry);
        retry = r.literal as RetryPolicy;
        if (Object.keys(r.computed).length > 0) computed.retry = r.computed;
      }
      if (ownPriority || this.defaultPriority) {
        const p = merged(this.defaultPriority, ownPriority);
        priority = p.literal as Priority;
        if (Object.keys(p.computed).length > 0) computed.priority = p.computed;
      }
    }

    let args: CompiledValue | undefined;
    if (raw.args !== undefined)
      args = this.expressionOrLiteral(raw.args, [...path, "args"], "args", "a list of arguments");
    const options: CallOptions = {
      ...(raw.input !== undefined ? { input: this.compile([...path, "input"]) } : {}),
      args,
      timeouts,
      retry,
      priority,
      ...(raw.summary !== undefined ? { summary: this.compile([...path, "summary"]) } : {}),
      ...(gate ? {} : this.callTags(raw, path)),
      ...(Object.keys(computed).length > 0 ? { computed } : {}),
    };
    if (raw.input !== undefined && raw.args !== undefined) {
      this.out.error(
        Codes.notForKind,
        `${what} has both input and args`,
        this.keyAt([...path, "args"]),
        "input is the single argument; args is a list of several. Keep one",
      );
    }
    return { call, options };
  }

  /** The call's own headers, search attributes and details over the defaults'. */
  private callTags(raw: RawCompensation, path: JsonPath): Tags {
    const own = this.tags(raw, path);
    const result: Tags = {};
    const headers = mergedMapping(this.defaultTags.headers, own.headers);
    const searchAttributes = mergedMapping(this.defaultTags.searchAttributes, own.searchAttributes);
    const details = own.details ?? this.defaultTags.details;
    if (headers !== undefined) result.headers = headers;
    if (searchAttributes !== undefined) result.searchAttributes = searchAttributes;
    if (details !== undefined) result.details = details;
    return result;
  }

  /** when / forEach / args: an expression or a literal of the right kind; a plain string is a mistake. */
  private expressionOrLiteral(value: unknown, path: JsonPath, key: string, literalKind: string): CompiledValue {
    const compiled = this.compile(path);
    if (typeof value === "string" && compiled.kind === "literal") {
      this.out.error(
        Codes.literalString,
        `${key} is the plain string ${JSON.stringify(value)}, not an expression`,
        this.at(path),
        `write an expression, "{% ${value} %}", or ${literalKind}`,
      );
    }
    return compiled;
  }

  private step(raw: RawStep, section: "steps" | "finally", index: number): DraftStep {
    const path: JsonPath = [section, index];
    const what = `${section === "finally" ? "finally step" : "step"} "${raw.id}"`;
    const { call, options } = this.callAndOptions(raw, path, what);
    this.checkStepKeys(raw, call.kind, path, what);

    const cancellation: CancellationType = raw.cancellation ?? this.raw.defaults?.cancellation ?? DEFAULT_CANCELLATION;
    const when =
      raw.when !== undefined
        ? this.expressionOrLiteral(raw.when, [...path, "when"], "when", "true or false")
        : undefined;
    const forEach =
      raw.forEach !== undefined
        ? this.expressionOrLiteral(raw.forEach, [...path, "forEach"], "forEach", "a list")
        : undefined;
    const toleratedFailures =
      raw.toleratedFailures !== undefined
        ? this.tolerated(raw.toleratedFailures, [...path, "toleratedFailures"])
        : undefined;
    const compensate =
      raw.compensate !== undefined ? this.compensation(raw.compensate, [...path, "compensate"], what) : undefined;
    const repeat =
      raw.repeat !== undefined && (call.kind === "activity" || call.kind === "nexus")
        ? this.repeat(raw.repeat, [...path, "repeat"], what)
        : undefined;
    // repeat on a gate is reported as not applying (above); its until is not also "read as written".
    if (raw.repeat !== undefined && repeat === undefined) this.compile([...path, "repeat", "until"]);

    return {
      id: raw.id,
      section,
      call,
      ...options,
      cancellation,
      onError: raw.onError ?? "fail",
      when,
      forEach,
      concurrency: raw.concurrency,
      toleratedFailures,
      compensate,
      repeat,
      needs: [...(raw.needs ?? [])],
      dependsOn: [],
      position: this.at(path),
    };
  }

  /** Keys the step sets that its kind or its other keys rule out: with: without uses:, a Nexus heartbeat, forEach-only keys. */
  private checkStepKeys(raw: RawStep, kind: StepCall["kind"], path: JsonPath, what: string): void {
    if (raw.with !== undefined && raw.uses === undefined) {
      this.out.error(
        Codes.withWithoutUses,
        `with: applies only to a uses step (${what})`,
        this.keyAt([...path, "with"]),
        "with: gives the inputs of the pipeline a uses: step runs; give this step its argument in input:",
      );
    }
    this.refuseKeysOf(kind, raw, path, what);
    if (kind === "nexus" && raw.timeouts?.heartbeat !== undefined) {
      this.out.error(
        Codes.notForKind,
        `heartbeat does not apply to a Nexus operation (${what})`,
        this.keyAt([...path, "timeouts", "heartbeat"]),
        "remove it",
      );
    }
    if (raw.forEach === undefined) {
      for (const key of ["concurrency", "toleratedFailures"] as const) {
        if (raw[key] !== undefined) {
          this.out.error(
            Codes.forEachOnly,
            `${key} applies only to a forEach step (${what})`,
            this.keyAt([...path, key]),
            "add forEach: or remove it",
          );
        }
      }
    }
  }

  /** An error for each key `raw` sets that a step of `kind` refuses (NOT_FOR_KIND). */
  private refuseKeysOf(kind: StepCall["kind"], raw: RawStep | RawCompensation, path: JsonPath, what: string): void {
    if (kind === "activity") return;
    const { keys, name, hint } = NOT_FOR_KIND[kind];
    for (const key of keys) {
      if ((raw as Partial<Record<string, unknown>>)[key] === undefined) continue;
      this.out.error(Codes.notForKind, `${key} does not apply to ${name} (${what})`, this.keyAt([...path, key]), hint);
    }
  }

  private compensation(raw: RawCompensation, path: JsonPath, what: string): Compensation {
    const { call, options } = this.callAndOptions(raw, path, `the compensation of ${what}`);
    this.refuseKeysOf(call.kind, raw, path, `compensation of ${what}`);
    return { call: call as Compensation["call"], ...options, position: this.at(path) };
  }

  private repeat(raw: RawRepeat, path: JsonPath, what: string): Repeat {
    const until = this.compile([...path, "until"]);
    if (until.kind !== "expression") {
      this.out.error(
        Codes.repeatUntil,
        `repeat.until of ${what} is ${JSON.stringify(raw.until)}, not an expression`,
        this.at([...path, "until"]),
        `write the condition as an expression over $output and $attempt, e.g. "{% $output.healthy %}"`,
      );
    }
    if (raw.limit === undefined && raw.timeout === undefined) {
      this.out.error(
        Codes.repeatUnbounded,
        `repeat of ${what} has neither limit nor timeout, so it could poll forever`,
        this.keyAt(path),
        "add limit: <attempts> or timeout: <duration> (or both)",
      );
    }
    return {
      until,
      every: this.duration(raw.every, [...path, "every"]),
      limit: raw.limit,
      ...(raw.timeout !== undefined ? { timeout: this.duration(raw.timeout, [...path, "timeout"]) } : {}),
    };
  }

  /** `uses:` + `with:`: the used pipeline (loaded by the caller) and its inputs, literal ones checked now. */
  private usesCall(
    relative: string,
    rawWith: Record<string, unknown> | undefined,
    path: JsonPath,
    what: string,
  ): Extract<StepCall, { kind: "uses" }> {
    const used = this.resolveUses(relative, this.at([...path, "uses"]));
    const withValue: CompiledValue =
      rawWith === undefined ? { kind: "literal", value: {} } : this.compile([...path, "with"]);
    if (used) {
      const known: Record<string, unknown> = {};
      if (withValue.kind === "literal" && typeof withValue.value === "object" && withValue.value !== null)
        Object.assign(known, withValue.value);
      if (withValue.kind === "object")
        for (const [key, value] of withValue.entries) if (value.kind === "literal") known[key] = value.value;
      for (const problem of withProblems(used, known, new Set(Object.keys(rawWith ?? {})))) {
        this.out.error(
          problem.code,
          `${problem.message} (${what})`,
          problem.key === undefined
            ? this.keyAt([...path, rawWith === undefined ? "uses" : "with"])
            : this.keyAt([...path, "with", problem.key]),
          problem.hint,
        );
      }
    }
    return {
      kind: "uses",
      file: used?.file ?? relative,
      // Only a failed load leaves it undefined, and then the file does not load at all.
      pipeline: used as Pipeline,
      with: withValue,
    };
  }

  /** `wait:` as a compiled value; a literal must already be a duration or an ISO 8601 time. */
  private waitValue(text: string, path: JsonPath): CompiledValue {
    const compiled = this.compile(path);
    if (compiled.kind === "literal") {
      const target = parseWaitTarget(text);
      if ("problem" in target) {
        this.out.error(
          Codes.duration,
          `wait of ${describeLocation(path.slice(0, -1), this.raw)}: ${target.problem}`,
          this.at(path),
          "e.g. wait: 5m, wait: 2026-12-01T20:00:00Z, or an expression giving one",
        );
      }
    }
    return compiled;
  }

  private tolerated(value: number | string, path: JsonPath): ToleratedFailures {
    if (typeof value === "number") return { count: value };
    const percent = Number(value.slice(0, -1));
    if (!(percent >= 0 && percent <= 100)) {
      this.out.error(
        Codes.toleratedFailures,
        `toleratedFailures ${value} is not a percentage from 0% to 100%`,
        this.at(path),
        'e.g. "10%"',
      );
    }
    return { percent };
  }
}
