/**
 * The reference rules of one expression, by where it is written: unknown inputs, vars, secrets, steps
 * and fields; steps that cannot have run yet (vars, finally steps, the step itself); $item/$index
 * outside a forEach step's per-item fields; $run.status outside finally; $output outside
 * repeat.until and compensate, $attempt outside repeat.until. `nxrun check` (check-references.ts)
 * and `nxrun eval` (src/cli/eval.ts) both ask these, so the two give the same codes for the same mistake.
 */

import type { SourcePosition } from "../base/source-position.js";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import { didYouMean } from "./did-you-mean.js";
import { type ExpressionValue, programOf } from "./expr/compile.js";
import { DEFINED_FIELDS, JSONATA_FUNCTIONS, type ReferenceSite, SCOPE_VARIABLES } from "./expr/references.js";
import type { Pipeline, Step } from "./model.js";
import type { StepField } from "./step-fields.js";

/** What an expression may see, by where it is. */
export interface ExpressionPlace {
  /** For messages: "input of step \"a\"", "var \"x\"". */
  readonly label: string;
  /** Vars visible (a var sees only the vars above it). */
  readonly vars: ReadonlySet<string>;
  /** "vars": no step has run; "steps"/"finally": the section of the step the expression belongs to; "outputs": any. */
  readonly stage: "vars" | "steps" | "finally" | "outputs";
  /** The step the expression belongs to. */
  readonly stepId?: string;
  /** A compensation may read its own step's output. */
  readonly selfAllowed?: boolean;
  readonly itemAllowed: boolean;
  readonly runStatusAllowed: boolean;
  /** repeat.until: $output and $attempt, the attempt just finished. */
  readonly repeatAllowed?: boolean;
  /** compensate: $output, the output of what it undoes (the step's, or the forEach item's). */
  readonly outputAllowed?: boolean;
}

/** The names a pipeline declares, for the checks. */
export interface PipelineNames {
  readonly inputs: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
  readonly allVars: ReadonlySet<string>;
  readonly mainIds: ReadonlySet<string>;
  readonly finallyIds: ReadonlySet<string>;
  readonly allIds: ReadonlySet<string>;
}

type PipelineParts = Pick<Pipeline, "inputs" | "secrets" | "vars"> & {
  readonly steps: ReadonlyArray<Pick<Step, "id">>;
  readonly finally: ReadonlyArray<Pick<Step, "id">>;
};

export function pipelineNames(pipeline: PipelineParts): PipelineNames {
  const mainIds = new Set(pipeline.steps.map((s) => s.id));
  const finallyIds = new Set(pipeline.finally.map((s) => s.id));
  return {
    inputs: new Set(Object.keys(pipeline.inputs)),
    secrets: new Set(Object.keys(pipeline.secrets)),
    allVars: new Set(pipeline.vars.map((v) => v.name)),
    mainIds,
    finallyIds,
    allIds: new Set([...mainIds, ...finallyIds]),
  };
}

type PlacedStep = Pick<Step, "id" | "section" | "forEach" | "repeat">;

/**
 * Where an expression in `field` of `step` stands. $item/$index: in the per-item fields of a forEach
 * step (input, args, summary, compensate, repeat.until), never in when, forEach, confirm or wait, which
 * are evaluated once for the whole step.
 */
export function stepPlace(step: PlacedStep, field: StepField, names: PipelineNames): ExpressionPlace {
  const name = `${step.section === "finally" ? "finally step" : "step"} "${step.id}"`;
  const inForEach = step.forEach !== undefined;
  const base = {
    vars: names.allVars,
    stage: step.section,
    stepId: step.id,
    runStatusAllowed: step.section === "finally",
  } as const;
  switch (field) {
    case "confirm":
      return { ...base, label: `the question of ${name}`, itemAllowed: false };
    case "wait":
      return { ...base, label: `wait of ${name}`, itemAllowed: false };
    case "when":
      return { ...base, label: `when of ${name}`, itemAllowed: false };
    case "forEach":
      return { ...base, label: `forEach of ${name}`, itemAllowed: false };
    case "repeat.until":
      return { ...base, label: `repeat.until of ${name}`, itemAllowed: inForEach, repeatAllowed: true };
    case "input":
    case "args":
    case "summary":
    case "details":
    case "headers":
    case "searchAttributes":
    case "with":
      return { ...base, label: `${field} of ${name}`, itemAllowed: inForEach };
    case "compensate":
      return {
        ...base,
        label: `compensate of ${name}`,
        itemAllowed: inForEach,
        selfAllowed: true,
        outputAllowed: true,
      };
    default: {
      const never: never = field;
      throw new Error(`unknown step field ${String(never)}`);
    }
  }
}

/** The names repeat.until sees beyond the usual ones. */
const REPEAT_VARIABLES: ReadonlySet<string> = new Set(["output", "attempt"]);

/** Says one problem of a reference, placed at it: its code, message and hint. */
type Report = (code: string, message: string, hint: string) => void;

/** Checks every reference of one expression; `found` collects the steps it reads (for dependsOn). */
export function checkExpression(
  expr: ExpressionValue,
  ctx: ExpressionPlace,
  names: PipelineNames,
  out: DiagnosticList,
  found?: Map<string, () => SourcePosition>,
): void {
  const program = programOf(expr);
  for (const site of program.sites) {
    // Positions are computed only for what is reported: most references are fine.
    const at = () => program.locate(site.offset);
    const report: Report = (code, message, hint) =>
      out.error(code, message, at(), hint, program.locate(site.offset + site.length));
    if (site.kind !== "steps") {
      checkName(site, ctx, names, report);
      continue;
    }
    // The whole $steps: nothing to check or infer.
    const id = site.name;
    if (id === undefined || !stepReadable(id, ctx, names, report)) continue;
    if (found && id !== ctx.stepId && !found.has(id)) found.set(id, at);
  }
}

/** Whether `$steps.<id>` may be read where `ctx` is; says why not when it may not. */
function stepReadable(
  id: string,
  ctx: ExpressionPlace,
  { allIds, finallyIds }: PipelineNames,
  report: Report,
): boolean {
  if (!allIds.has(id)) {
    report(
      Codes.unknownStep,
      `unknown step "${id}" in ${ctx.label}`,
      didYouMean(id, allIds, "$steps.") ?? "step IDs are case-sensitive",
    );
  } else if (ctx.stage === "vars") {
    report(
      Codes.stepNotUpstream,
      `${ctx.label} uses step "${id}", but vars are computed before any step runs`,
      "compute the value in the step's input instead",
    );
  } else if (ctx.stage === "steps" && finallyIds.has(id)) {
    report(
      Codes.stepNotUpstream,
      `${ctx.label} uses finally step "${id}", which runs after every step`,
      "finally steps run last; move the step into steps:",
    );
  } else if (id === ctx.stepId && !ctx.selfAllowed) {
    report(
      Codes.stepNotUpstream,
      `${ctx.label} uses its own step "${id}", which has not finished yet`,
      "a step can read only the steps before it",
    );
  } else return true;
  return false;
}

/** Checks a reference to anything but a step: a declared name, a name allowed only in some places, an unknown one. */
function checkName(
  site: Exclude<ReferenceSite, { kind: "steps" }>,
  ctx: ExpressionPlace,
  { inputs, secrets, allVars }: PipelineNames,
  report: Report,
): void {
  switch (site.kind) {
    case "inputs":
      if (!inputs.has(site.name)) {
        report(
          Codes.unknownInput,
          `unknown input "${site.name}" in ${ctx.label}`,
          didYouMean(site.name, inputs, "$inputs.") ?? hintDeclared("inputs", inputs),
        );
      }
      break;
    case "vars":
      if (!allVars.has(site.name)) {
        report(
          Codes.unknownVar,
          `unknown var "${site.name}" in ${ctx.label}`,
          didYouMean(site.name, allVars, "$vars.") ?? hintDeclared("vars", allVars),
        );
      } else if (!ctx.vars.has(site.name)) {
        report(
          Codes.unknownVar,
          `var "${site.name}" is used in ${ctx.label} before it is defined`,
          "a var may use only the vars above it; move it below",
        );
      }
      break;
    case "secrets":
      if (!secrets.has(site.name)) {
        report(
          Codes.unknownSecret,
          `unknown secret "${site.name}" in ${ctx.label}`,
          didYouMean(site.name, secrets, "$secrets.") ?? hintDeclared("secrets", secrets),
        );
      }
      break;
    case "item":
    case "index":
      if (!ctx.itemAllowed) {
        report(
          Codes.itemOutsideForEach,
          `$${site.kind} is used in ${ctx.label}, outside a forEach step`,
          "$item and $index exist only in the input, args, summary, call settings (taskQueue, endpoint, timeouts, retry, priority) and compensate of a step with forEach:",
        );
      }
      break;
    case "runStatus":
      if (!ctx.runStatusAllowed) {
        report(
          Codes.runStatusOutsideFinally,
          `$run.status is used in ${ctx.label}; it is known only in finally steps`,
          "move this step into finally:",
        );
      }
      break;
    case "unknownVariable":
      checkVariable(site.name, ctx, report);
      break;
    case "unknownFunction":
      report(
        Codes.exprNotHere,
        `unknown function $${site.name}() in ${ctx.label}`,
        didYouMean(site.name, JSONATA_FUNCTIONS, "$") ?? "see the JSONata function library: https://docs.jsonata.org",
      );
      break;
    case "unknownField": {
      const { owner } = site;
      const fields = DEFINED_FIELDS[owner.kind];
      report(
        Codes.unknownField,
        `${owner.written} has no field "${site.name}" (in ${ctx.label})`,
        didYouMean(site.name, fields, `${owner.written}.`) ??
          `${owner.written} has ${fields.join(", ")}${owner.kind === "step" ? "; what the execution returned is under output" : ""}`,
      );
      break;
    }
    default: {
      const never: never = site;
      throw new Error(`unhandled reference kind ${JSON.stringify(never)}`);
    }
  }
}

/** A `$name` no scope defines: `$output` and `$attempt` where repeat.until or compensate gives them, else unknown. */
function checkVariable(name: string, ctx: ExpressionPlace, report: Report): void {
  if (REPEAT_VARIABLES.has(name)) {
    if (ctx.repeatAllowed || (ctx.outputAllowed && name === "output")) return;
    report(
      Codes.exprNotHere,
      `$${name} is used in ${ctx.label}, outside repeat.until${name === "output" ? " and compensate" : ""}`,
      "$output exists only in the until of a step's repeat: and in compensate:, $attempt only in repeat.until; elsewhere read $steps.<id>.output",
    );
    return;
  }
  report(
    Codes.exprNotHere,
    `unknown variable $${name} in ${ctx.label}`,
    didYouMean(name, ctx.repeatAllowed ? [...SCOPE_VARIABLES, ...REPEAT_VARIABLES] : SCOPE_VARIABLES, "$") ??
      "names available: $inputs, $vars, $secrets, $steps, $run, and $item/$index in forEach",
  );
}

function hintDeclared(block: string, names: ReadonlySet<string>): string {
  return names.size === 0
    ? `the pipeline declares no ${block}; add a ${block}: block`
    : `declared ${block}: ${[...names].join(", ")}`;
}
