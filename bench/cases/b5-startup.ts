/** B5: start-up: `nxrun --version` and `nxrun check small.yaml` against a bare `node -e 0`. */
import { type BenchContext, nxrun, timeCommands } from "../context.js";
import { smallPipeline } from "../pipelines.js";
import { atMost, type CaseResult, formatMs, medianOf } from "../results.js";

export async function benchStartup(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const file = smallPipeline(ctx.pipelinesDir);
  const [node, version, check] = await timeCommands(ctx, [
    { peer: "node -e 0", command: { name: "b5-node", argv: [process.execPath, "-e", "0"] } },
    { peer: "nxrun --version", command: { name: "b5-version", argv: nxrun("--version") } },
    { peer: "nxrun check small.yaml", command: { name: "b5-check", argv: nxrun("check", file) } },
  ]);
  const over = (m: typeof check) => {
    const a = medianOf(m);
    const b = medianOf(node);
    return a !== undefined && b !== undefined ? a - b : undefined;
  };
  return {
    id: "B5",
    title: "start-up",
    measurements: [node, version, check],
    comparisons: [
      atMost("nxrun check small.yaml (median wall time)", medianOf(check), 0.3, formatMs),
      {
        what: "nxrun --version over node -e 0",
        value: over(version),
        target: "(no target)",
        pass: undefined,
        format: formatMs,
      },
      {
        what: "nxrun check over node -e 0",
        value: over(check),
        target: "(no target)",
        pass: undefined,
        format: formatMs,
      },
    ],
    notes: ["Many runs matter more than size here; warm file cache (warm-up runs first)."],
  };
}
