/**
 * B2 and B3: a forEach of no-op executions against Promise pools over each client and a raw gRPC loop;
 * nxrun also with a codec server and with `--trace` (spans to an OTLP sink on loopback).
 */
import { execFileSync } from "node:child_process";
import { freePort, spawnUntilReady, stopProcess } from "../../scripts/dev-server.js";
import { type BenchContext, nxrun, peer, timeCommands } from "../context.js";
import { fanOutPipeline, nexusFanOutPipeline } from "../pipelines.js";
import {
  atLeast,
  atMost,
  type CaseResult,
  cpuRatio,
  info,
  type Measurement,
  pairedRateRatio,
  ratePerSecond,
  ratio,
} from "../results.js";
import { type Latencies, latencyComparisons, measureLatencies } from "./latency.js";

/** Untimed runs of nxrun and the SDK pool for B2's per-execution latencies (bench/cases/latency.ts). */
const LATENCY_ROUNDS = 2;

/** Runs the fan-out of `count` executions of `kind` at `concurrency`, nxrun and every peer. */
async function fanOut(
  ctx: BenchContext,
  kind: "activity" | "nexus",
  count: number,
  concurrency: number,
): Promise<{
  measurements: Measurement[];
  nxrun: Measurement;
  raw: Measurement;
  own: Measurement;
  followOff: Measurement;
  codec: Measurement;
  traced: Measurement;
  /** OTLP bytes the sink took per traced run (warm-up runs included), to show spans were sent. */
  otlpBytesPerRun: number | undefined;
  describesPerExecution: number | undefined;
  latencies?: Latencies;
}> {
  const file =
    kind === "activity"
      ? fanOutPipeline(ctx.pipelinesDir, concurrency)
      : nexusFanOutPipeline(ctx.pipelinesDir, concurrency);
  const conn = ["--address", ctx.address, "--namespace", ctx.namespace];
  const pool = [...conn, "--kind", kind, "--count", String(count), "--concurrency", String(concurrency)];
  const target = kind === "activity" ? ["--task-queue", ctx.taskQueue] : ["--endpoint", ctx.endpoint];
  const tag = kind === "activity" ? "b2" : "b3";
  const extra = { executions: count };
  // A codec server on loopback (bench/peers/codec-echo.ts) for the runs with --codec-endpoint.
  const codecPort = await freePort();
  const codecServer = await spawnUntilReady(
    peer("codec-echo.js")[0] as string,
    [...peer("codec-echo.js").slice(1), "--port", String(codecPort)],
    /codec server ready/,
    30_000,
    ctx.env,
  );
  const codec = ["--codec-endpoint", `http://127.0.0.1:${codecPort}`];
  // An OpenTelemetry collector on loopback (bench/peers/otlp-sink.ts) for the runs with --trace.
  const sinkPort = await freePort();
  const sink = await spawnUntilReady(
    peer("otlp-sink.js")[0] as string,
    [...peer("otlp-sink.js").slice(1), "--port", String(sinkPort)],
    /otlp sink ready/,
    30_000,
    ctx.env,
  );
  const collector = `http://127.0.0.1:${sinkPort}`;
  const [nx, off, traced, sdk, own, raw, withCodec] = await timeCommands(
    ctx,
    [
      {
        peer: "nxrun",
        command: { name: `${tag}-nxrun`, argv: nxrun(file, "-i", `n=${count}`, "--output", "plain", ...conn) },
        extra,
        group: "following",
      },
      {
        peer: "nxrun, following off (--describe-rate 0)",
        command: {
          name: `${tag}-nxrun-nofollow`,
          argv: nxrun(file, "-i", `n=${count}`, "--output", "plain", "--describe-rate", "0", ...conn),
        },
        extra,
        group: "following",
      },
      // In the same group as nxrun: in every round the two run close together, for the paired ratio.
      {
        peer: "nxrun --trace (OTLP/HTTP to a sink on loopback)",
        command: {
          name: `${tag}-nxrun-trace`,
          argv: nxrun(file, "-i", `n=${count}`, "--output", "plain", "--trace", ...conn),
        },
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector },
        extra,
        group: "following",
      },
      {
        peer: "sdk-client pool",
        command: { name: `${tag}-sdk`, argv: peer("sdk-client.js", ...pool, ...target) },
        extra,
      },
      {
        peer: "nxrun-client pool",
        command: { name: `${tag}-nxrun-client`, argv: peer("nxrun-client.js", ...pool, ...target) },
        extra,
      },
      {
        peer: "grpc-raw pool (ceiling)",
        command: { name: `${tag}-grpc-raw`, argv: peer("grpc-raw.js", ...pool, ...target) },
        extra,
      },
      {
        peer: "nxrun, codec server on loopback (--codec-endpoint)",
        command: {
          name: `${tag}-nxrun-codec`,
          argv: nxrun(file, "-i", `n=${count}`, "--output", "plain", ...codec, ...conn),
        },
        extra,
      },
    ],
    { emptyServerEachRun: true },
  ).finally(() => stopProcess(codecServer));
  const otlpBytesPerRun = await exportedBytesPerRun(collector, ctx.warmup + ctx.runs).finally(() => stopProcess(sink));
  const describes = describesPerExecution(ctx, file, count);
  const latencies =
    kind === "activity" ? await measureLatencies(ctx, file, count, concurrency, LATENCY_ROUNDS) : undefined;
  return {
    measurements: [nx, off, traced, sdk, own, raw, withCodec],
    nxrun: nx,
    codec: withCodec,
    traced,
    otlpBytesPerRun,
    raw,
    own,
    followOff: off,
    describesPerExecution: describes,
    ...(latencies ? { latencies } : {}),
  };
}

/** What the OTLP sink took per traced run, from its /stats; undefined when it cannot say. */
async function exportedBytesPerRun(collector: string, runs: number): Promise<number | undefined> {
  try {
    const stats = (await (await fetch(`${collector}/stats`)).json()) as { requests: number; bytes: number };
    process.stderr.write(`bench:   OTLP sink took: ${JSON.stringify(stats)}\n`);
    return runs > 0 && stats.requests > 0 ? stats.bytes / runs : undefined;
  } catch (error) {
    process.stderr.write(`bench:   reading the OTLP sink's counts failed: ${(error as Error).message}\n`);
    return undefined;
  }
}

/**
 * The Describe and DescribeTaskQueue calls following made per execution, counted by a run of the
 * same pipeline through nxrun's engine over a counting client (bench/peers/follow-rpcs.ts).
 */
function describesPerExecution(ctx: BenchContext, file: string, count: number): number | undefined {
  try {
    const argv = peer(
      "follow-rpcs.js",
      "--address",
      ctx.address,
      "--namespace",
      ctx.namespace,
      "--pipeline",
      file,
      "--n",
      String(count),
    );
    // As long as a slow B2 run on a loaded machine may take (one took 14.5 min): a timeout is not the count.
    const out = execFileSync(argv[0] as string, argv.slice(1), { env: ctx.env, encoding: "utf8", timeout: 1_800_000 });
    const counts = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as {
      executions: number;
      describes: number;
      pollerChecks: number;
    };
    process.stderr.write(`bench:   following's calls: ${JSON.stringify(counts)}\n`);
    return counts.executions > 0 ? (counts.describes + counts.pollerChecks) / counts.executions : undefined;
  } catch (error) {
    process.stderr.write(`bench:   counting following's calls failed: ${(error as Error).message}\n`);
    return undefined;
  }
}

/**
 * nxrun with a codec server against without: information, since the codec's round trip is the
 * codec's (here an echo on loopback, so what is left is nxrun's side of it).
 */
function codecComparisons(run: { nxrun: Measurement; codec: Measurement }, rate: string) {
  return [
    info("CPU per execution: with a codec server / without", cpuRatio(run.codec, run.nxrun)),
    info(
      `${rate} with a codec server / without (at median wall time)`,
      ratio(ratePerSecond(run.codec), ratePerSecond(run.nxrun)),
    ),
  ];
}

/**
 * nxrun with `--trace` against without, the same rounds: issue 28's target is the CPU per execution;
 * the executions are the same, so the ratio per run is the ratio per execution.
 */
function traceComparisons(
  run: { nxrun: Measurement; traced: Measurement; otlpBytesPerRun: number | undefined },
  rate: string,
) {
  return [
    atMost("CPU per execution: --trace / without", cpuRatio(run.traced, run.nxrun), 1.1),
    info(`${rate} --trace / without (median of the per-round ratios)`, pairedRateRatio(run.traced, run.nxrun)),
    info(`${rate} --trace / without (at median wall time)`, ratio(ratePerSecond(run.traced), ratePerSecond(run.nxrun))),
    info("OTLP bytes exported per traced run", run.otlpBytesPerRun, (bytes) => `${Math.round(bytes)} B`),
  ];
}

const TRACE_NOTE =
  "With --trace: OTEL_EXPORTER_OTLP_ENDPOINT names bench/peers/otlp-sink.ts on loopback, which answers every export with 200 and counts the bytes; the run's spans (run, steps, items) go out in batches and are flushed at exit. It runs in the same group as nxrun and following off, so the three are timed in the same rounds.";

function latencyNote(latencies: Latencies): string {
  const what = `Per-execution latency: ${latencies.rounds} untimed runs of each after the timed ones (${latencies.nxrun.length} nxrun items from --report, startedAt..closedAt; ${latencies.sdk.length} sdk-client executions, call to result).`;
  return latencies.error ? `${what} Failed: ${latencies.error}` : what;
}

/** B2: forEach of no-op activities (2,000 at concurrency 200 in the full run). */
export async function benchFanOut(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const { b2Items: count, b2Concurrency: concurrency } = ctx.sizes;
  const run = await fanOut(ctx, "activity", count, concurrency);
  return {
    id: "B2",
    title: `fan-out: forEach of ${count} no-op activities, concurrency ${concurrency}`,
    measurements: run.measurements,
    comparisons: [
      atLeast(
        "nxrun / grpc-raw executions/s (at median wall time)",
        ratio(ratePerSecond(run.nxrun), ratePerSecond(run.raw)),
        0.95,
      ),
      // Same executions on both sides, so the ratio per run is the ratio per execution (issue 17's target).
      atMost("CPU per execution: nxrun / grpc-raw", cpuRatio(run.nxrun, run.raw), 1.15),
      info("CPU per run: nxrun / nxrun-client pool", cpuRatio(run.nxrun, run.own)),
      atLeast(
        "following on / off executions/s (median of the per-round ratios, on and off back to back)",
        pairedRateRatio(run.nxrun, run.followOff),
        0.97,
      ),
      info(
        "following on / off executions/s (at median wall time)",
        ratio(ratePerSecond(run.nxrun), ratePerSecond(run.followOff)),
      ),
      info("CPU per run: following on / off", cpuRatio(run.nxrun, run.followOff)),
      info("extra RPCs per execution from following (Describe + DescribeTaskQueue)", run.describesPerExecution),
      ...codecComparisons(run, "executions/s"),
      ...traceComparisons(run, "executions/s"),
      ...(run.latencies ? latencyComparisons(run.latencies) : []),
    ],
    notes: [
      "With a codec server: nxrun with --codec-endpoint to bench/peers/codec-echo.ts on loopback, which answers each batch with the payloads it was given (the worker has no codec); every start encodes and every outcome decodes through it. CPU is nxrun's process alone.",
      TRACE_NOTE,
      "Executions/s = executions / whole-process wall time (start-up and connection included for every peer alike).",
      "Following on is nxrun's default (--describe-rate 20); following off is --describe-rate 0; the two run back to back in every round, in alternating order, and their target ratio is the median of the rounds' ratios. The extra RPCs are counted by one more run of the pipeline through nxrun's engine over a counting client (bench/peers/follow-rpcs.ts).",
      ...(run.latencies ? [latencyNote(run.latencies)] : []),
      "Each execution is a Start plus a long Poll until its outcome; the worker (test/workers, maxConcurrent 1000) is shared.",
    ],
  };
}

/** B3: forEach of sync Nexus no-op operations (500 at concurrency 50 in the full run). */
export async function benchNexus(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const { b3Operations: count, b3Concurrency: concurrency } = ctx.sizes;
  const run = await fanOut(ctx, "nexus", count, concurrency);
  return {
    id: "B3",
    title: `Nexus: ${count} sync no-op operations, concurrency ${concurrency}`,
    measurements: run.measurements,
    comparisons: [
      atLeast(
        "nxrun / grpc-raw operations/s (at median wall time)",
        ratio(ratePerSecond(run.nxrun), ratePerSecond(run.raw)),
        0.95,
      ),
      // Same executions on both sides, so the ratio per run is the ratio per execution (issue 17's target).
      atMost("CPU per execution: nxrun / grpc-raw", cpuRatio(run.nxrun, run.raw), 1.15),
      info("CPU per run: nxrun / nxrun-client pool", cpuRatio(run.nxrun, run.own)),
      atLeast(
        "following on / off operations/s (median of the per-round ratios, on and off back to back)",
        pairedRateRatio(run.nxrun, run.followOff),
        0.97,
      ),
      info(
        "following on / off operations/s (at median wall time)",
        ratio(ratePerSecond(run.nxrun), ratePerSecond(run.followOff)),
      ),
      info("CPU per run: following on / off", cpuRatio(run.nxrun, run.followOff)),
      info("extra RPCs per execution from following (Describe + DescribeTaskQueue)", run.describesPerExecution),
      ...codecComparisons(run, "operations/s"),
      ...traceComparisons(run, "operations/s"),
    ],
    notes: [
      "Following on is nxrun's default (--describe-rate 20); following off is --describe-rate 0; the two run back to back in every round, in alternating order, and their target ratio is the median of the rounds' ratios. The extra RPCs are counted by one more run of the pipeline through nxrun's engine over a counting client (bench/peers/follow-rpcs.ts).",
      "With a codec server: nxrun with --codec-endpoint to bench/peers/codec-echo.ts on loopback, which answers each batch with the payloads it was given (the worker has no codec); every start encodes and every outcome decodes through it. CPU is nxrun's process alone.",
      TRACE_NOTE,
      "The sdk-client peer is @temporalio/client's NexusClient (client.nexus.createServiceClient(...).executeOperation).",
      "Each operation is a StartNexusOperationExecution plus PollNexusOperationExecution (wait stage CLOSED).",
    ],
  };
}
