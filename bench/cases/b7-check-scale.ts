/** B7: `nxrun check` of a generated 1,000-step pipeline against a bare YAML parse plus ajv validation. */
import { type BenchContext, nxrun, peer, timeCommand } from "../context.js";
import { largePipeline } from "../pipelines.js";
import { atMost, type CaseResult, medianOf, ratio } from "../results.js";

export async function benchCheckScale(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const steps = ctx.sizes.b7Steps;
  const file = largePipeline(ctx.pipelinesDir, steps);
  const check = await timeCommand(ctx, "nxrun check", { name: "b7-check", argv: nxrun("check", file) });
  const base = await timeCommand(ctx, "yaml + ajv alone", {
    name: "b7-baseline",
    argv: peer("check-baseline.js", file),
  });
  const node = await timeCommand(ctx, "node -e 0", { name: "b7-node", argv: [process.execPath, "-e", "0"] });
  const nodeMedian = medianOf(node);
  const minusNode = (m: number | undefined) =>
    m !== undefined && nodeMedian !== undefined ? m - nodeMedian : undefined;
  return {
    id: "B7",
    title: `check scale: ${steps} steps`,
    measurements: [check, base, node],
    comparisons: [
      atMost("nxrun check / yaml+ajv (median wall time)", ratio(medianOf(check), medianOf(base)), 2),
      {
        what: "the same, both minus node -e 0 (the work alone)",
        value: ratio(minusNode(medianOf(check)), minusNode(medianOf(base))),
        target: "(information)",
        pass: undefined,
        format: (v) => v.toFixed(3),
      },
    ],
    notes: [
      "The baseline (bench/peers/check-baseline.ts) parses with `yaml` and validates with ajv 2020 compiled with nxrun's options from specs/pipeline.schema.json; no positions, expressions, references or plan.",
    ],
  };
}
