/** `nxrun graph file --format mermaid|dot`: the plan as a graph. */

import { ExitCode } from "../base/exit-codes.js";
import type { Terminal } from "../base/terminal.js";
import { sanitizeTerminalLines } from "../base/terminal-text.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { loadPipeline } from "../pipeline/load.js";
import type { Pipeline } from "../pipeline/model.js";
import { type StepNotes, toDot, toMermaid } from "../pipeline/plan/graph-format.js";

export interface GraphFlags {
  format?: "mermaid" | "dot";
  /** Inputs computed task queues and endpoints are shown with (defaults otherwise). */
  input?: string[];
  inputs?: string;
  /** `--allow-outside`: uses: may read files outside the pipeline's directory. */
  allowOutside?: boolean;
}

/** Prints a pipeline's graph; exit 2 (with diagnostics) when the file has errors. */
export async function graphCommand(file: string, flags: GraphFlags, terminal: Terminal): Promise<number> {
  const color = terminal.stderr.color;
  const width = terminal.stderr.width();
  const result = await loadPipeline(file, { allowOutside: flags.allowOutside === true });
  if (!result.ok) {
    terminal.stderr.stream.write(`${formatDiagnostics(result.diagnostics, { color, width })}\n`);
    return ExitCode.usage;
  }
  const notes = await computedNotes(result.pipeline, flags);
  if (!notes.ok) {
    terminal.stderr.stream.write(`${formatDiagnostics(notes.diagnostics, { color, width })}\n`);
    return ExitCode.usage;
  }
  // Labels come from the pipeline and -i values: the graph passes the terminal sanitizer, lines kept.
  terminal.stdout.stream.write(
    sanitizeTerminalLines(
      flags.format === "dot" ? toDot(result.pipeline, notes.notes) : toMermaid(result.pipeline, notes.notes),
    ),
  );
  return ExitCode.ok;
}

/** Where computed task queues and endpoints send each step, with the inputs given (src/pipeline/before-run.ts). */
async function computedNotes(
  pipeline: Pipeline,
  flags: GraphFlags,
): Promise<{ ok: true; notes: StepNotes } | { ok: false; diagnostics: Diagnostic[] }> {
  const hasComputed = [...pipeline.steps, ...pipeline.finally].some(
    (s) => s.computed?.taskQueue || s.computed?.endpoint,
  );
  if (!hasComputed) return { ok: true, notes: new Map() };
  const { resolveInputs } = await import("../pipeline/inputs/resolve.js");
  const { evaluate } = await import("../pipeline/expr/evaluate.js");
  const { computedCallNotes, knownScope } = await import("../pipeline/before-run.js");
  const inputs = await resolveInputs(pipeline, {
    pairs: flags.input ?? [],
    file: flags.inputs,
    allowMissing: true,
  });
  if (!inputs.ok) return inputs;
  const evaluateIn = async (value: Parameters<typeof evaluate>[0], scope: Parameters<typeof evaluate>[1]) =>
    evaluate(value, scope);
  const base = {
    inputs: inputs.values,
    vars: {},
    secrets: {},
    steps: {},
    run: { id: "graph", name: pipeline.name, startedAt: new Date().toISOString() },
  };
  const known = await knownScope(pipeline, base, evaluateIn, { secretsKnown: false });
  return { ok: true, notes: await computedCallNotes(pipeline, known, evaluateIn) };
}
