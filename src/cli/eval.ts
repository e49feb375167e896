/**
 * `nxrun eval 'expr' [--pipeline p.yaml --step id] [--data mocks.json] [-i k=v]`: evaluates an
 * expression in the scope a step would see, with mocked step results, to try expressions quickly.
 * Secrets are never read here: `$secrets.x` evaluates to the placeholder "<secret x>".
 */

import { readFile } from "node:fs/promises";
import { ExitCode } from "../base/exit-codes.js";
import type { SourcePosition } from "../base/source-position.js";
import type { Terminal } from "../base/terminal.js";
import { terminalSafeJson } from "../base/terminal-text.js";
import { UserError } from "../base/user-error.js";
import { computeVars } from "../engine/vars.js";
import { checkExpression, type ExpressionPlace, pipelineNames, stepPlace } from "../pipeline/check-expression.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { Codes } from "../pipeline/diagnostic-codes.js";
import { DiagnosticList } from "../pipeline/diagnostic-list.js";
import { didYouMean } from "../pipeline/did-you-mean.js";
import { commandLineLocate, compileExpression, type ExpressionValue } from "../pipeline/expr/compile.js";
import { evaluate } from "../pipeline/expr/evaluate.js";
import type { Scope, StepView } from "../pipeline/expr/scope.js";
import { parseTemplate } from "../pipeline/expr/template.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { parseInputPairs, resolveInputs, unusableInput } from "../pipeline/inputs/resolve.js";
import { loadPipeline } from "../pipeline/load.js";
import type { Pipeline, Step } from "../pipeline/model.js";
import { upstreamOf } from "../pipeline/plan/build-plan.js";
import type { StepField } from "../pipeline/step-fields.js";
import { parse as parseYaml } from "../pipeline/yaml-module.js";

export interface EvalFlags {
  pipeline?: string;
  step?: string;
  /** The field of the step the expression is written in (default: input, or confirm / wait). */
  in?: StepField;
  data?: string;
  input?: string[];
  /** `--allow-outside`: uses: may read files outside the pipeline's directory. */
  allowOutside?: boolean;
}

/** What `--data` may hold. */
interface MockData {
  steps?: Record<string, Partial<StepView>>;
  inputs?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  run?: Partial<Scope["run"]>;
  item?: unknown;
  index?: number;
  /** repeat.until: the attempt's output and number. */
  output?: unknown;
  attempt?: number;
}

/** Evaluates and prints the result as JSON; returns the exit code. */
export async function evalCommand(text: string, flags: EvalFlags, terminal: Terminal): Promise<number> {
  const stderr = terminal.stderr.stream;
  const color = terminal.stderr.color;
  const width = terminal.stderr.width();
  const compiled = compileCommandLine(text);
  if (!compiled.ok) {
    stderr.write(`${formatDiagnostics([compiled.diagnostic], { color, width })}\n`);
    return ExitCode.usage;
  }
  const expression = compiled.value;
  const data = flags.data !== undefined ? await readData(flags.data) : {};

  let pipeline: Pipeline | undefined;
  let step: Step | undefined;
  if (flags.pipeline !== undefined) {
    const loaded = await loadPipeline(flags.pipeline, { allowOutside: flags.allowOutside === true });
    if (!loaded.ok) {
      stderr.write(`${formatDiagnostics(loaded.diagnostics, { color, width })}\n`);
      return ExitCode.usage;
    }
    pipeline = loaded.pipeline;
  }
  if (flags.in !== undefined && flags.step === undefined) {
    const steps = pipeline ? [...pipeline.steps, ...pipeline.finally].map((s) => s.id).join(", ") : undefined;
    throw new UserError("--in needs --step", {
      hint: `name the step the expression is written in: --step ${steps === undefined ? "ID" : `(one of ${steps})`} --in ${flags.in}`,
    });
  }
  if (flags.step !== undefined) {
    if (!pipeline)
      throw new UserError("--step needs --pipeline", {
        hint: `name the file that has step ${flags.step}: --pipeline FILE --step ${flags.step}`,
      });
    const all = [...pipeline.steps, ...pipeline.finally];
    step = all.find((s) => s.id === flags.step);
    if (!step) {
      throw new UserError(`pipeline ${pipeline.name} has no step "${flags.step}"`, {
        hint:
          didYouMean(
            flags.step,
            all.map((s) => s.id),
          ) ?? `steps: ${all.map((s) => s.id).join(", ")}`,
      });
    }
  }
  let reads: ReadonlySet<string> = new Set();
  if (pipeline) {
    const checked = checkEvalExpression(expression, pipeline, step, flags.in);
    if (checked.diagnostics.length > 0) {
      stderr.write(`${formatDiagnostics(checked.diagnostics, { color, width })}\n`);
      return ExitCode.usage;
    }
    reads = checked.reads;
  }

  const scope = await buildScope(pipeline, step, data, flags.input ?? [], reads);
  if (!scope.ok) {
    stderr.write(`${formatDiagnostics(scope.diagnostics, { color, width })}\n`);
    return ExitCode.usage;
  }
  const result = await evaluate(expression, scope.scope);
  if (result === undefined) stderr.write("(no value)\n");
  else terminal.stdout.stream.write(`${terminalSafeJson(JSON.stringify(result, null, 2))}\n`);
  return ExitCode.ok;
}

/** The field an expression of `step` is in when --in does not say: what the step's kind evaluates. */
function defaultField(step: Step): StepField {
  if (step.call.kind === "uses") return "with";
  return step.call.kind === "confirm" ? "confirm" : step.call.kind === "wait" ? "wait" : "input";
}

/**
 * The reference checks `nxrun check` makes (check-expression.ts, the same codes), for this one
 * expression as if written in `field` of `step`. Without --step the expression may stand anywhere:
 * only the names are checked. Returns the steps it reads, which a step's scope then holds (for check
 * they are implicit dependencies, so the step would wait for them).
 */
export function checkEvalExpression(
  expression: ExpressionValue,
  pipeline: Pipeline,
  step: Step | undefined,
  field: StepField | undefined,
): { diagnostics: Diagnostic[]; reads: ReadonlySet<string> } {
  const names = pipelineNames(pipeline);
  const place: ExpressionPlace = step
    ? stepPlace(step, field ?? defaultField(step), names)
    : {
        label: "the expression",
        vars: names.allVars,
        stage: "outputs",
        itemAllowed: true,
        runStatusAllowed: true,
        repeatAllowed: true,
      };
  const out = new DiagnosticList();
  const found = new Map<string, () => SourcePosition>();
  checkExpression(expression, place, names, out, found);
  // check would make each step read here a dependency of `step`; one that already waits for `step` closes a cycle.
  if (step) {
    const section = step.section === "steps" ? names.mainIds : names.finallyIds;
    for (const [id, at] of found) {
      if (section.has(id) && upstreamOf(pipeline, id).has(step.id)) {
        out.error(
          Codes.cycle,
          `steps wait for each other in a cycle: ${step.id} → ${id} → ${step.id}`,
          at(),
          `${place.label} reads $steps.${id}, and ${id} already waits for ${step.id}. Break one of these dependencies`,
        );
      }
    }
  }
  return { diagnostics: out.items, reads: new Set(found.keys()) };
}

export function compileCommandLine(
  text: string,
): { ok: true; value: ExpressionValue } | { ok: false; diagnostic: Diagnostic } {
  const template = parseTemplate(text);
  const source = template ? template.source : text.trim();
  const compiled = compileExpression(source, commandLineLocate());
  if (compiled.ok) return compiled;
  const out = new DiagnosticList();
  out.error(
    Codes.exprSyntax,
    `expression does not compile: ${compiled.problem.message}`,
    compiled.problem.position,
    "JSONata syntax: https://docs.jsonata.org",
  );
  return { ok: false, diagnostic: out.items[0]! };
}

async function readData(path: string): Promise<MockData> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UserError(`cannot read --data file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new UserError(`--data file ${path} is not valid JSON or YAML: ${(error as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new UserError(`--data file ${path} must hold a mapping`, {
      hint: '{ "steps": { "reserve": { "output": {...} } }, "inputs": {...}, "vars": {...} }',
    });
  }
  return data as MockData;
}

type ScopeResult = { ok: true; scope: Scope } | { ok: false; diagnostics: Diagnostic[] };

async function buildScope(
  pipeline: Pipeline | undefined,
  step: Step | undefined,
  data: MockData,
  pairs: readonly string[],
  reads: ReadonlySet<string>,
): Promise<ScopeResult> {
  const run: Scope["run"] = {
    id: data.run?.id ?? "eval",
    name: data.run?.name ?? pipeline?.name ?? "eval",
    startedAt: data.run?.startedAt ?? new Date().toISOString(),
    ...(data.run?.status !== undefined
      ? { status: data.run.status }
      : step?.section === "finally"
        ? { status: "completed" }
        : {}),
  };
  const steps: Record<string, StepView> = {};
  const upstream = pipeline && step ? upstreamOf(pipeline, step.id) : undefined;
  for (const [id, view] of Object.entries(data.steps ?? {})) {
    // A main step sees only what it waits for (its upstream and the steps it reads); finally steps see every step.
    if (upstream && step?.section === "steps" && !upstream.has(id) && !reads.has(id)) continue;
    steps[id] = { status: "completed", ...view } as StepView;
  }

  // The same input rules as `nxrun run` (src/pipeline/inputs/resolve.ts); --data inputs come first, -i wins.
  const dataPairs = Object.entries(data.inputs ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  let inputs: Record<string, unknown>;
  let secrets: Record<string, string> = {};
  if (pipeline) {
    const resolved = await resolveInputs(pipeline, { pairs: [...dataPairs, ...pairs], allowMissing: true });
    if (!resolved.ok) return resolved;
    inputs = resolved.values;
    secrets = Object.fromEntries(Object.keys(pipeline.secrets).map((name) => [name, `<secret ${name}>`]));
  } else {
    const parsed = parseInputPairs([...dataPairs, ...pairs]);
    if (!parsed.ok) return parsed;
    // The shape rules of a run's inputs hold without a pipeline too: no value deeper than a payload may be.
    const unusable = [...parsed.values].flatMap(([key, { value }]) => unusableInput(key, value, "-i") ?? []);
    if (unusable.length > 0)
      return {
        ok: false,
        diagnostics: unusable.map((u) => ({ ...u, severity: "error", file: "<inputs>", line: 0, column: 0 })),
      };
    inputs = Object.fromEntries([...parsed.values].map(([key, { value }]) => [key, value]));
  }

  // Vars as a run computes them (src/engine/vars.ts), unless --data gives them.
  const vars: Record<string, unknown> =
    pipeline && data.vars === undefined
      ? await computeVars(pipeline, { inputs, vars: {}, secrets, steps: {}, run }, evaluate)
      : { ...(data.vars ?? {}) };
  const repeat =
    data.output !== undefined || data.attempt !== undefined
      ? { output: data.output, attempt: data.attempt ?? 1 }
      : step?.repeat
        ? { output: null, attempt: 1 }
        : {};
  const scope: Scope = { inputs, vars, secrets, steps, run, ...repeat };
  if (data.item !== undefined || data.index !== undefined) {
    return { ok: true, scope: { ...scope, item: data.item, index: data.index ?? 0 } };
  }
  if (step?.forEach) {
    // The first item's scope: what the step's input sees for item 0.
    const items = await evaluate(step.forEach, scope);
    if (Array.isArray(items) && items.length > 0) return { ok: true, scope: { ...scope, item: items[0], index: 0 } };
  }
  return { ok: true, scope };
}
