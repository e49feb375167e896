/** `nxrun graph file --format mermaid|dot`: the plan as a graph. */

import { ExitCode } from "../base/exit-codes.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { loadPipeline } from "../pipeline/load.js";
import { toDot, toMermaid } from "../pipeline/plan/graph-format.js";

/** Prints a pipeline's graph; exit 2 (with diagnostics) when the file has errors. */
export async function graphCommand(file: string, flags: { format?: "mermaid" | "dot" } = {}): Promise<number> {
  const result = await loadPipeline(file);
  if (!result.ok) {
    const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
    process.stderr.write(`${formatDiagnostics(result.diagnostics, { color })}\n`);
    return ExitCode.usage;
  }
  process.stdout.write(flags.format === "dot" ? toDot(result.pipeline) : toMermaid(result.pipeline));
  return ExitCode.ok;
}
