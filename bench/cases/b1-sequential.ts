/** B1: a strictly sequential pipeline of no-op activity steps against a script calling a client in a loop. */
import { type BenchContext, nxrun, peer, timeCommands } from "../context.js";
import { sequentialPipeline } from "../pipelines.js";
import { atMost, type CaseResult, cpuRatio, info, medianOf, ratio } from "../results.js";

const TEMPORAL_CLI_MISSING =
  "not available: there is no `temporal` CLI binary with standalone activities here. The CLI tag that has them " +
  "(v1.7.4-standalone-nexus-operations) cannot be built from Go modules: its go.mod replaces " +
  "github.com/temporalio/cli/cliext with ./cliext, which the Go module proxy does not serve (see scripts/build-devserver.sh)";

/** Runs B1 and returns its figures; peers: @temporalio/client in a loop, nxrun's own client layer in a loop. */
export async function benchSequential(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const steps = ctx.sizes.b1Steps;
  const file = sequentialPipeline(ctx.pipelinesDir, steps);
  const conn = ["--address", ctx.address, "--namespace", ctx.namespace];
  const loop = [
    ...conn,
    "--kind",
    "activity",
    "--count",
    String(steps),
    "--concurrency",
    "1",
    "--task-queue",
    ctx.taskQueue,
  ];
  const extra = { executions: steps };

  const [nx, sdk, own] = await timeCommands(ctx, [
    { peer: "nxrun", command: { name: "b1-nxrun", argv: nxrun(file, "--output", "plain", ...conn) }, extra },
    { peer: "sdk-client loop", command: { name: "b1-sdk", argv: peer("sdk-client.js", ...loop) }, extra },
    { peer: "nxrun-client loop", command: { name: "b1-nxrun-client", argv: peer("nxrun-client.js", ...loop) }, extra },
  ]);
  const cli = {
    peer: "temporal activity execute ×" + steps,
    command: `temporal activity execute --type noop --task-queue ${ctx.taskQueue} ... (${steps} times)`,
    samples: [],
    unit: "s" as const,
    error: TEMPORAL_CLI_MISSING,
  };

  const vsSdk = ratio(medianOf(nx), medianOf(sdk));
  const vsOwn = ratio(medianOf(nx), medianOf(own));
  return {
    id: "B1",
    title: `sequential: ${steps} no-op activity steps`,
    measurements: [nx, sdk, own, cli],
    comparisons: [
      atMost("nxrun / sdk-client loop (median wall time)", vsSdk, 1.05),
      atMost("nxrun / nxrun-client loop (median wall time)", vsOwn, 1.05),
      info("CPU per run: nxrun / sdk-client loop", cpuRatio(nx, sdk)),
      info("CPU per run: nxrun / nxrun-client loop", cpuRatio(nx, own)),
    ],
    notes: [
      "Whole processes: node start-up, connection and every step's start + long poll, sequentially.",
      "The nxrun-client loop is the issue-5 peer (the same client layer nxrun uses, without engine, language or reporter).",
    ],
  };
}
