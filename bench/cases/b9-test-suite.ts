/** B9: `nxrun test` of 100 cases over a 20-step pipeline, offline (no server): the whole process. */
import { type BenchContext, nxrun, timeCommands } from "../context.js";
import { testSuite } from "../pipelines.js";
import { atMost, type CaseResult, formatMs, medianOf } from "../results.js";

export async function benchTestSuite(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const file = testSuite(ctx.pipelinesDir, 100);
  const [suite] = await timeCommands(ctx, [
    { peer: "nxrun test (100 cases, 20 steps)", command: { name: "b9-test", argv: nxrun("test", file) } },
  ]);
  return {
    id: "B9",
    title: "nxrun test suite",
    measurements: [suite],
    comparisons: [atMost("nxrun test, 100 cases over 20 steps (median wall time)", medianOf(suite), 2, formatMs)],
    notes: ["Every case passes (the command exits 0); one in ten makes a step fail and expects its compensations."],
  };
}
