/**
 * Everything a run can know before it starts, checked before its first execution: each value that
 * depends only on inputs, vars and literals (wait durations and times, computed call settings,
 * forEach lists, `with:` of uses, confirm texts, inputs, summaries, conditions, outputs) is evaluated
 * and its form checked, so a mistake in it stops the run with nothing started, at the expression's
 * file:line:col, instead of failing after the work before it (and rolling that back). A confirm step
 * the run is sure to reach with nobody to answer it is refused the same way. A step whose `when` is
 * false from the inputs alone is skipped by the run, so nothing of it is checked. `check --preflight`,
 * `run --dry-run`, `run` and the library's `runPipeline` ask this one function (the last three
 * through `beforeRun`).
 */
import type { SourcePosition } from "../base/source-position.js";
import { type EvaluateIn, type KnownScope, knownScope, settingsBeforeRun, whyUnknown } from "./before-run.js";
import { forEachExpression } from "./check-references.js";
import { approveConfirmHint, type ConfirmCaller, nobodyToAnswer } from "./confirm-approval.js";
import type { Diagnostic } from "./diagnostic.js";
import { Codes } from "./diagnostic-codes.js";
import type { CompiledValue } from "./expr/compiled.js";
import { evaluate as evaluateExpression } from "./expr/evaluate.js";
import { ExpressionError } from "./expr/expression-error.js";
import type { Scope } from "./expr/scope.js";
import { isTruthy } from "./expr/truthy.js";
import { fieldOf } from "./expression-field.js";
import { type KnownPayload, valuesBytes } from "./known-payloads.js";
import type { CallOptions, Pipeline, Step, TemporalStepCall } from "./model.js";
import { argsOf, forEachItemsOf, searchAttributesOf, waitTargetOf } from "./value-forms.js";
import { withInputs, withProblems } from "./with-inputs.js";

export interface BeforeRunOptions {
  /** Whether a confirm step can be answered in this run: `--yes`, or a person at a terminal the view asks on. */
  readonly confirmAnswered: boolean;
  /** Who is told how to approve one nobody can answer (its flag or its option); default the CLI. */
  readonly confirmCaller?: ConfirmCaller;
  /** The secret values of the pipelines the run uses (uses:), by file, when they were read. */
  readonly usedSecrets?: ReadonlyMap<string, Record<string, string>>;
  /** Given: filled with each execution input known before the run, measured (known-payloads.ts). */
  readonly payloads?: KnownPayload[];
}

/** What a run knows before it connects: the inputs and vars as far as they are known, and the problems. */
export interface BeforeRun {
  /** The inputs and vars as the run will see them. */
  readonly known: KnownScope;
  readonly problems: readonly Diagnostic[];
  /**
   * The execution inputs known before the run, measured: the run holds them to the server's payload
   * limit once it knows the limit (known-payloads.ts, oversizePayloads).
   */
  readonly payloads: readonly KnownPayload[];
}

/**
 * The check `nxrun run` (and `--dry-run`) and the library's `runPipeline` make before anything
 * starts: every value that depends only on the run's inputs and vars, evaluated with the real
 * evaluator. A problem stops the run with nothing started (the CLI: exit 2). The run computes its
 * vars itself, once per run: a resume restores them (src/engine/vars.ts).
 */
export async function beforeRun(
  pipeline: Pipeline,
  options: {
    runId: string;
    inputs: Record<string, unknown>;
    /** The inputs are the run's: one not among them is absent. False while a resume may still add some. */
    inputsFinal: boolean;
    secrets: Record<string, string>;
    usedSecrets: ReadonlyMap<string, Record<string, string>>;
    confirmAnswered: boolean;
    /** Who is told how to approve a confirm step nobody can answer: `--yes`, or the library's `yes: true`. */
    confirmCaller: ConfirmCaller;
  },
): Promise<BeforeRun> {
  const evaluateIn = async (value: CompiledValue, scope: Scope) => evaluateExpression(value, scope);
  const base: Scope = {
    inputs: options.inputs,
    vars: {},
    secrets: options.secrets,
    steps: {},
    run: { id: options.runId, name: pipeline.name, startedAt: new Date().toISOString() },
  };
  const known = await knownScope(pipeline, base, evaluateIn, { secretsKnown: true, inputsFinal: options.inputsFinal });
  const payloads: KnownPayload[] = [];
  const problems = await checkBeforeRun(pipeline, known, evaluateIn, {
    confirmAnswered: options.confirmAnswered,
    confirmCaller: options.confirmCaller,
    usedSecrets: options.usedSecrets,
    payloads,
  });
  return { known, problems, payloads };
}

/** The problems of `pipeline`'s values known before the run (`known`: its inputs and vars), as errors. */
export async function checkBeforeRun(
  pipeline: Pipeline,
  known: KnownScope,
  evaluate: EvaluateIn,
  options: BeforeRunOptions,
): Promise<Diagnostic[]> {
  const check = new Checker(evaluate, options);
  await check.pipeline(pipeline, known, { prefix: "", reached: true });
  return check.problems;
}

/** Where a step is: under which uses steps (`db.`), and whether the run is sure to reach it. */
interface Place {
  readonly prefix: string;
  readonly reached: boolean;
}

/** A value as known before the run: unknown (it reads what only the run has), a value, or an error. */
type Known = { readonly known: false } | { readonly known: true; readonly value: unknown };

class Checker {
  readonly problems: Diagnostic[] = [];
  // A used pipeline is checked once per set of inputs it gets (a forEach of uses gives many alike).
  private readonly usedChecked = new Set<string>();

  constructor(
    private readonly evaluate: EvaluateIn,
    private readonly options: BeforeRunOptions,
  ) {}

  async pipeline(pipeline: Pipeline, known: KnownScope, place: Place): Promise<void> {
    for (const [name, error] of known.failedVars) this.fail(error, `var ${name}`, undefined, pipeline.file);
    for (const step of [...pipeline.steps, ...pipeline.finally]) await this.step(step, known, place);
    for (const { name, value } of pipeline.outputs) await this.value(value, known, `output ${name}`, undefined);
  }

  private async step(step: Step, known: KnownScope, place: Place): Promise<void> {
    const label = `step ${place.prefix}${step.id}`;
    let reached = place.reached;
    if (step.when !== undefined) {
      const when = await this.value(step.when, known, `${label}, when`, step);
      if (when === undefined) return;
      if (!when.known) reached = false;
      else if (!isTruthy(when.value)) return;
    }
    const scopes = await this.itemScopes(step, known, label);
    const call = step.call;
    switch (call.kind) {
      case "wait":
        await this.value(call.wait, known, label, step, (value) => waitTargetOf(call.wait, value));
        break;
      case "confirm": {
        const prompt = await this.value(call.prompt, known, `${label}, confirm`, step);
        if (prompt !== undefined && reached && step.onError === "fail" && !this.options.confirmAnswered) {
          const caller = this.options.confirmCaller ?? "cli";
          this.problems.push({
            code: Codes.confirmUnanswered,
            severity: "error",
            message: `${label} asks for approval and nobody can answer: ${nobodyToAnswer(caller)}`,
            hint: approveConfirmHint(caller),
            ...at(step.position),
          });
        }
        break;
      }
      case "uses":
        await this.uses(step, call, known, scopes, { prefix: place.prefix, reached }, label);
        break;
      case "activity":
      case "nexus":
        await this.call(step, { ...step, call }, known, scopes, label);
        break;
      default: {
        const never: never = call;
        throw new Error(`unknown step call ${JSON.stringify(never)}`);
      }
    }
    if (step.compensate) await this.call(step, step.compensate, known, scopes, `${label}, compensate`);
  }

  /** The scope of each forEach item, when the items are known; undefined otherwise (or for no forEach). */
  private async itemScopes(step: Step, known: KnownScope, label: string): Promise<Scope[] | undefined> {
    if (step.forEach === undefined) return undefined;
    const written = step.forEach;
    const items = await this.value(written, known, `${label}, forEach`, step, (v) => forEachItemsOf(written, v));
    if (items === undefined || !items.known) return undefined;
    return (items.value as unknown[]).map((item, index) => ({ ...known.scope, item, index }));
  }

  /** An activity or Nexus call (a step's or its compensation's): computed settings, input, args, summary. */
  private async call(
    step: Step,
    options: CallOptions & { readonly call: TemporalStepCall; readonly position: SourcePosition },
    known: KnownScope,
    scopes: Scope[] | undefined,
    label: string,
  ): Promise<void> {
    const items = scopes === undefined ? undefined : { items: scopes.map((s) => s.item) };
    for (const setting of await settingsBeforeRun(options, items, known, this.evaluate)) {
      const failed = setting.values?.find((v) => v.error !== undefined);
      if (failed?.error === undefined) continue;
      const what = `${label}${failed.index === undefined ? "" : ` (item ${failed.index})`}`;
      this.fail(failed.error, what, step, setting.position, Codes.badComputedSetting);
    }
    // The input is built per item when the item starts; here only what every item shares.
    const args = options.args;
    const argsKnown =
      args === undefined ? undefined : await this.value(args, known, label, step, (v) => argsOf(args, v));
    const input = options.input === undefined ? undefined : await this.value(options.input, known, label, step);
    this.measure(options, label, argsKnown ?? input, args ?? options.input);
    await this.measureItems(options, known, scopes, label, args ?? options.input);
    for (const key of ["summary", "details", "headers"] as const) {
      const value = options[key];
      if (value !== undefined) await this.value(value, known, `${label}, ${key}`, step);
    }
    const attributes = options.searchAttributes;
    if (attributes !== undefined) {
      await this.value(attributes, known, `${label}, searchAttributes`, step, (v) => searchAttributesOf(attributes, v));
    }
  }

  /**
   * Records the size of the call's input when it is known: its args, or its input (an activity with
   * neither sends none; a Nexus operation a null payload), as src/engine/call-spec.ts builds them.
   */
  private measure(
    options: CallOptions & { readonly call: TemporalStepCall; readonly position: SourcePosition },
    label: string,
    value: Known | undefined,
    written: CompiledValue | undefined,
  ): void {
    const out = this.options.payloads;
    if (out === undefined || (written !== undefined && value?.known !== true)) return;
    const given = value?.known === true ? value.value : undefined;
    const values = options.args !== undefined ? (given as unknown[]) : given === undefined ? [] : [given];
    out.push({
      what: label,
      bytes: valuesBytes(options.call.kind, values),
      position: firstExpressionAt(written) ?? options.position,
    });
  }

  /**
   * Records the size of each forEach item's input that reads `$item`, when the items are known. An
   * item whose input fails is not measured: it fails at its start with the expression's error.
   */
  private async measureItems(
    options: CallOptions & { readonly call: TemporalStepCall; readonly position: SourcePosition },
    known: KnownScope,
    scopes: Scope[] | undefined,
    label: string,
    written: CompiledValue | undefined,
  ): Promise<void> {
    if (this.options.payloads === undefined || scopes === undefined || written === undefined || !readsItem(written))
      return;
    // Only what the items and the inputs decide: one that reads a step's output is known at its start.
    if (whyUnknown(written, known, true) !== undefined) return;
    for (const [index, scope] of scopes.entries()) {
      let value: unknown;
      try {
        value = await this.evaluate(written, scope);
        if (options.args !== undefined) value = argsOf(written, value);
      } catch {
        continue;
      }
      this.measure(options, `${label} (item ${index})`, { known: true, value }, written);
    }
  }

  /** A uses step: its `with:` against the used pipeline's inputs, then the used pipeline with them. */
  private async uses(
    step: Step,
    call: Extract<Step["call"], { kind: "uses" }>,
    known: KnownScope,
    scopes: Scope[] | undefined,
    place: Place,
    label: string,
  ): Promise<void> {
    const written = call.with;
    // Read per item when it reads $item and the items are known; else once, what reads $item unknown.
    const perItem = scopes !== undefined && readsItem(written);
    for (const [index, scope] of (perItem ? scopes : [known.scope]).entries()) {
      const what = perItem ? `${label} (item ${index})` : label;
      const given = await this.withValues(written, { ...known, scope }, what, step);
      if (given === undefined) return;
      const problems = withProblems(call.pipeline, given.values, given.keys);
      for (const problem of problems) {
        const entry = written.kind === "object" ? written.entries.find(([key]) => key === problem.key)?.[1] : written;
        const position = entry?.kind === "expression" ? entry.position : step.position;
        this.problems.push({
          code: problem.code,
          severity: "error",
          message: `${what}: ${problem.message}`,
          hint: problem.hint,
          ...at(position),
        });
      }
      if (problems.length > 0) return;
      const inputs = withInputs(call.pipeline, given.values);
      for (const key of given.keys) if (!(key in given.values)) delete inputs[key];
      const checked = `${call.pipeline.file}\u0000${JSON.stringify(inputs)}`;
      if (this.usedChecked.has(checked)) continue;
      this.usedChecked.add(checked);
      const usedKnown = await knownScope(
        call.pipeline,
        {
          inputs,
          vars: {},
          secrets: this.options.usedSecrets?.get(call.pipeline.file) ?? {},
          steps: {},
          run: { ...known.scope.run, id: `${known.scope.run.id}.${step.id}`, name: call.pipeline.name },
        },
        this.evaluate,
        { secretsKnown: known.secretsKnown && this.options.usedSecrets !== undefined },
      );
      await this.pipeline(call.pipeline, usedKnown, { prefix: `${place.prefix}${step.id}.`, reached: place.reached });
    }
  }

  /** The `with:` keys given, and the values of those known before the run; undefined when one fails. */
  private async withValues(
    written: CompiledValue,
    known: KnownScope,
    label: string,
    step: Step,
  ): Promise<{ keys: Set<string>; values: Record<string, unknown> } | undefined> {
    if (written.kind === "object") {
      const values: Record<string, unknown> = {};
      for (const [key, value] of written.entries) {
        const got = await this.value(value, known, `${label}, with ${key}`, step);
        if (got === undefined) return undefined;
        if (got.known && got.value !== undefined) values[key] = got.value;
      }
      return { keys: new Set(written.entries.map(([key]) => key)), values };
    }
    const got = await this.value(written, known, `${label}, with`, step);
    if (got === undefined || !got.known) return got === undefined ? undefined : { keys: new Set(), values: {} };
    const values = (typeof got.value === "object" && got.value !== null ? got.value : {}) as Record<string, unknown>;
    return { keys: new Set(Object.keys(values)), values };
  }

  /**
   * Evaluates `value` when it needs only what is known (an item's scope knows $item), and checks its
   * form with `form`; records a failure and returns undefined for it.
   */
  private async value(
    value: CompiledValue,
    known: KnownScope,
    what: string,
    step: Step | undefined,
    form?: (value: unknown) => unknown,
  ): Promise<Known | undefined> {
    if (whyUnknown(value, known, known.scope.index !== undefined) !== undefined) return { known: false };
    try {
      const evaluated = await this.evaluate(value, known.scope);
      return { known: true, value: form ? form(evaluated) : evaluated };
    } catch (error) {
      this.fail(error, what, step, value.kind === "expression" ? value.position : step?.position);
      return undefined;
    }
  }

  private fail(
    error: unknown,
    what: string,
    step: Step | undefined,
    fallback: SourcePosition | string | undefined,
    code: string = Codes.valueBeforeRun,
  ): void {
    if (error instanceof ExpressionError) {
      const placed = step ? error.inStep(step.id, fieldOf(step, error.source)) : error;
      this.problems.push({
        code,
        severity: "error",
        message: `${what}: ${placed.detail}`,
        hint: placed.hint,
        ...at(placed.position),
      });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const position = typeof fallback === "string" ? { file: fallback, line: 0, column: 0 } : fallback;
    this.problems.push({
      code,
      severity: "error",
      message: `${what}: ${message}`,
      ...(position === undefined ? { file: "", line: 0, column: 0 } : at(position)),
    });
  }
}

/** Where the first expression in `value` is written: where a value computed from it is placed. */
function firstExpressionAt(value: CompiledValue | undefined): SourcePosition | undefined {
  let position: SourcePosition | undefined;
  forEachExpression(value, (expr) => {
    position ??= expr.position;
  });
  return position;
}

function readsItem(value: CompiledValue): boolean {
  let reads = false;
  forEachExpression(value, (expr) => {
    if (expr.references.usesItem) reads = true;
  });
  return reads;
}

function at(position: SourcePosition): Pick<Diagnostic, "file" | "line" | "column"> {
  return { file: position.file, line: position.line, column: position.column };
}
