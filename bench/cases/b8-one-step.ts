/**
 * B8: `nxrun run` of a one-step pipeline against a script making the same calls with nxrun's client
 * layer (bench/peers/nxrun-client.js --count 1): what a CI job pays for nxrun itself on top of node
 * start-up, the connection and one start + long poll (issue 17).
 */
import { type BenchContext, nxrun, peer, timeCommands } from "../context.js";
import { sequentialPipeline } from "../pipelines.js";
import { atMost, type CaseResult, cpuRatio, type Measurement, medianOf, ratio } from "../results.js";

export async function benchOneStep(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const file = sequentialPipeline(ctx.pipelinesDir, 1);
  const conn = ["--address", ctx.address, "--namespace", ctx.namespace];
  const script = [...conn, "--kind", "activity", "--count", "1", "--concurrency", "1", "--task-queue", ctx.taskQueue];
  const extra = { executions: 1 };
  const [nx, own] = await timeCommands(ctx, [
    { peer: "nxrun", command: { name: "b8-nxrun", argv: nxrun(file, "--output", "plain", ...conn) }, extra },
    {
      peer: "nxrun-client script",
      command: { name: "b8-nxrun-client", argv: peer("nxrun-client.js", ...script) },
      extra,
    },
  ]);
  return {
    id: "B8",
    title: "one-step run: nxrun run of a one-step pipeline vs a client-layer script",
    measurements: [nx as Measurement, own as Measurement],
    comparisons: [
      atMost("nxrun / nxrun-client script (median wall time)", ratio(medianOf(nx), medianOf(own)), 1.15),
      atMost("nxrun / nxrun-client script (CPU time per run)", cpuRatio(nx, own), 1.15),
    ],
    notes: [
      "Whole processes, one no-op activity each: node start-up, module loading, connection, one StartActivityExecution and its long poll.",
      "CPU time (user + system, from hyperfine) is the figure to trust on a shared machine; wall time includes waiting on the server.",
    ],
  };
}
