/**
 * `nxrun eval 'expr' [--pipeline p.yaml --step id] [--data mocks.json] [-i k=v]`: evaluates an
 * expression in the scope a step would see, with mocked step results, to try expressions quickly.
 * Secrets are never read here: `$secrets.x` evaluates to the placeholder "<secret x>".
 */

import { readFile } from "node:fs/promises";
import { ExitCode } from "../base/exit-codes.js";
import { UserError } from "../base/user-error.js";
import { didYouMean } from "../pipeline/did-you-mean.js";
import { commandLineLocate, compileExpression, type ExpressionValue, programOf } from "../pipeline/expr/compile.js";
import { evaluate } from "../pipeline/expr/evaluate.js";
import { ExpressionError } from "../pipeline/expr/expression-error.js";
import { DEFINED_FIELDS } from "../pipeline/expr/references.js";
import type { Scope, StepView } from "../pipeline/expr/scope.js";
import { parseTemplate } from "../pipeline/expr/template.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { parseInputValue, resolveInputs } from "../pipeline/inputs/resolve.js";
import { loadPipeline } from "../pipeline/load.js";
import type { Pipeline, Step } from "../pipeline/model.js";
import { upstreamOf } from "../pipeline/plan/build-plan.js";
import { parse as parseYaml } from "../pipeline/yaml-module.js";

export interface EvalFlags {
  pipeline?: string;
  step?: string;
  data?: string;
  input?: string[];
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
export async function evalCommand(text: string, flags: EvalFlags = {}): Promise<number> {
  const expression = compileCommandLine(text);
  const data = flags.data !== undefined ? await readData(flags.data) : {};

  let pipeline: Pipeline | undefined;
  let step: Step | undefined;
  if (flags.pipeline !== undefined) {
    const loaded = await loadPipeline(flags.pipeline);
    if (!loaded.ok) {
      process.stderr.write(`${formatDiagnostics(loaded.diagnostics, { color: Boolean(process.stderr.isTTY) })}\n`);
      return ExitCode.usage;
    }
    pipeline = loaded.pipeline;
  }
  if (flags.step !== undefined) {
    if (!pipeline)
      throw new UserError("--step needs --pipeline", { hint: "nxrun eval '<expr>' --pipeline p.yaml --step <id>" });
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
  if (pipeline) checkNames(expression, pipeline, step);

  const scope = await buildScope(pipeline, step, data, flags.input ?? []);
  const result = await evaluate(expression, scope);
  if (result === undefined) process.stderr.write("(no value)\n");
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return ExitCode.ok;
}

function compileCommandLine(text: string): ExpressionValue {
  const template = parseTemplate(text);
  const source = template ? template.source : text.trim();
  const compiled = compileExpression(source, commandLineLocate());
  if (!compiled.ok) {
    throw new ExpressionError(
      `expression does not compile: ${compiled.problem.message}`,
      compiled.problem.position,
      source,
      {
        ...(compiled.problem.jsonataCode !== undefined ? { jsonataCode: compiled.problem.jsonataCode } : {}),
        hint: "JSONata syntax: https://docs.jsonata.org",
      },
    );
  }
  return compiled.value;
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

/** The same name checks `nxrun check` makes, for the one expression, from the step's point of view. */
function checkNames(expression: ExpressionValue, pipeline: Pipeline, step: Step | undefined): void {
  const upstream = step ? upstreamOf(pipeline, step.id) : undefined;
  const allIds = [...pipeline.steps, ...pipeline.finally].map((s) => s.id);
  for (const site of programOf(expression).sites) {
    const at = programOf(expression).locate(site.offset);
    const fail = (message: string, hint?: string) => {
      throw new ExpressionError(message, at, expression.source, hint !== undefined ? { hint } : {});
    };
    switch (site.kind) {
      case "inputs":
        if (!(site.name! in pipeline.inputs))
          fail(`unknown input "${site.name}"`, didYouMean(site.name!, Object.keys(pipeline.inputs), "$inputs."));
        break;
      case "vars":
        if (!pipeline.vars.some((v) => v.name === site.name))
          fail(
            `unknown var "${site.name}"`,
            didYouMean(
              site.name!,
              pipeline.vars.map((v) => v.name),
              "$vars.",
            ),
          );
        break;
      case "secrets":
        if (!(site.name! in pipeline.secrets)) fail(`unknown secret "${site.name}"`);
        break;
      case "steps":
        if (site.name === undefined) break;
        if (!allIds.includes(site.name)) fail(`unknown step "${site.name}"`, didYouMean(site.name, allIds, "$steps."));
        if (step && step.section === "steps" && !upstream!.has(site.name) && site.name !== step.id) {
          fail(
            `step "${site.name}" is not upstream of step "${step.id}", so it may not have run`,
            `add it to the needs of ${step.id}`,
          );
        }
        break;
      case "item":
      case "index":
        if (step && step.forEach === undefined)
          fail(`$${site.kind} exists only in forEach steps; step "${step.id}" has no forEach`);
        break;
      case "runStatus":
        if (step && step.section !== "finally") fail("$run.status is known only in finally steps");
        break;
      case "unknownVariable":
        if (site.name === "output" || site.name === "attempt") {
          if (step && step.repeat === undefined)
            fail(`$${site.name} exists only in repeat.until; step "${step.id}" has no repeat`);
          break;
        }
        fail(`unknown variable $${site.name}`);
        break;
      case "unknownFunction":
        fail(`unknown function $${site.name}()`);
        break;
      case "unknownField":
        fail(
          `${site.owner!.written} has no field "${site.name}"`,
          didYouMean(site.name!, DEFINED_FIELDS[site.owner!.kind], `${site.owner!.written}.`),
        );
        break;
      default: {
        const never: never = site.kind;
        throw new Error(`unhandled reference kind ${String(never)}`);
      }
    }
  }
}

async function buildScope(
  pipeline: Pipeline | undefined,
  step: Step | undefined,
  data: MockData,
  pairs: readonly string[],
): Promise<Scope> {
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
    // A main step sees only what it waits for; finally steps see every step.
    if (upstream && step?.section === "steps" && !upstream.has(id)) continue;
    steps[id] = { status: "completed", ...view } as StepView;
  }

  let inputs: Record<string, unknown>;
  let secrets: Record<string, string> = {};
  if (pipeline) {
    const dataPairs = Object.entries(data.inputs ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const resolved = await resolveInputs(pipeline, { pairs: [...dataPairs, ...pairs], allowMissing: true });
    if (!resolved.ok) {
      throw new UserError(`inputs: ${resolved.diagnostics.map((d) => d.message).join("; ")}`, {
        ...(resolved.diagnostics[0]?.hint !== undefined ? { hint: resolved.diagnostics[0].hint } : {}),
      });
    }
    inputs = resolved.values;
    secrets = Object.fromEntries(Object.keys(pipeline.secrets).map((name) => [name, `<secret ${name}>`]));
  } else {
    inputs = { ...(data.inputs ?? {}) };
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UserError(`-i ${pair}: expected key=value`);
      inputs[pair.slice(0, eq)] = parseInputValue(pair.slice(eq + 1));
    }
  }

  let vars: Record<string, unknown> = { ...(data.vars ?? {}) };
  if (pipeline && data.vars === undefined) {
    vars = {};
    for (const v of pipeline.vars) {
      vars[v.name] = await evaluate(v.value, { inputs, vars, secrets, steps: {}, run });
    }
  }
  const repeat =
    data.output !== undefined || data.attempt !== undefined
      ? { output: data.output, attempt: data.attempt ?? 1 }
      : step?.repeat
        ? { output: null, attempt: 1 }
        : {};
  const scope: Scope = { inputs, vars, secrets, steps, run, ...repeat };
  if (data.item !== undefined || data.index !== undefined) {
    return { ...scope, item: data.item, index: data.index ?? 0 };
  }
  if (step?.forEach) {
    // The first item's scope: what the step's input sees for item 0.
    const items = await evaluate(step.forEach, scope);
    if (Array.isArray(items) && items.length > 0) return { ...scope, item: items[0], index: 0 };
  }
  return scope;
}
