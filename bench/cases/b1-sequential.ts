/** B1: a strictly sequential pipeline of no-op activity steps against a script calling a client in a loop. */
import { type BenchContext, nxrun, peer, timeCommands } from "../context.js";
import { sequentialPipeline } from "../pipelines.js";
import { atMost, type CaseResult, cpuRatio, info, type Measurement, medianOf, ratio } from "../results.js";
import { cliLoopArgv, findTemporalCli } from "../temporal-cli.js";

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

  const cli = findTemporalCli(ctx.env);
  const cliPeer = `temporal activity execute ×${steps}`;
  const specs = [
    { peer: "nxrun", command: { name: "b1-nxrun", argv: nxrun(file, "--output", "plain", ...conn) }, extra },
    { peer: "sdk-client loop", command: { name: "b1-sdk", argv: peer("sdk-client.js", ...loop) }, extra },
    { peer: "nxrun-client loop", command: { name: "b1-nxrun-client", argv: peer("nxrun-client.js", ...loop) }, extra },
  ];
  const cliArgv =
    "path" in cli
      ? cliLoopArgv(cli.path, steps, { address: ctx.address, namespace: ctx.namespace, taskQueue: ctx.taskQueue })
      : undefined;
  if (cliArgv) specs.push({ peer: cliPeer, command: { name: "b1-temporal-cli", argv: cliArgv }, extra });
  const [nx, sdk, own, timedCli] = await timeCommands(ctx, specs);
  const cliMeasurement: Measurement = timedCli ?? {
    peer: cliPeer,
    command: `temporal activity execute --type noop --task-queue ${ctx.taskQueue} ... (${steps} times)`,
    samples: [],
    unit: "s",
    error: "missing" in cli ? cli.missing : "not run",
  };
  if ("path" in cli && timedCli) timedCli.note = `${cli.version} (${cli.path})`;

  const vsSdk = ratio(medianOf(nx), medianOf(sdk));
  const vsOwn = ratio(medianOf(nx), medianOf(own));
  return {
    id: "B1",
    title: `sequential: ${steps} no-op activity steps`,
    measurements: [nx as Measurement, sdk as Measurement, own as Measurement, cliMeasurement],
    comparisons: [
      atMost("nxrun / sdk-client loop (median wall time)", vsSdk, 1.05),
      atMost("nxrun / nxrun-client loop (median wall time)", vsOwn, 1.05),
      info("CPU per run: nxrun / sdk-client loop", cpuRatio(nx, sdk)),
      info("CPU per run: nxrun / nxrun-client loop", cpuRatio(nx, own)),
      info("nxrun / temporal activity execute loop (median wall time)", ratio(medianOf(nx), medianOf(timedCli))),
    ],
    notes: [
      "Whole processes: node start-up, connection and every step's start + long poll, sequentially.",
      "The nxrun-client loop is the issue-5 peer (the same client layer nxrun uses, without engine, language or reporter).",
      "The temporal CLI peer is one bash process running `temporal activity execute` once per step: a process (and a connection) per step, as a shell script of CLI calls would.",
    ],
  };
}
