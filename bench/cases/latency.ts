/**
 * B2's per-execution latency, nxrun against the SDK peer on the same server (issue 14 item 6, the
 * stalls: bench/findings.md). Untimed runs after the timed rounds, interleaved: nxrun with `--report`
 * (each item's startedAt..closedAt: from its concurrency slot through start and await to its
 * outcome) and the @temporalio/client pool with NXRUN_BENCH_LATENCIES (from the call to its result).
 * Not from the timed runs: a report costs nxrun CPU that B2's timed figures must not include.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunRecord } from "../../src/engine/events.js";
import { type BenchContext, nxrun, peer } from "../context.js";
import { atMost, type Comparison, info, ratio } from "../results.js";

/** Latencies in ms of every execution of every round, per side. */
export interface Latencies {
  nxrun: number[];
  sdk: number[];
  rounds: number;
  error?: string;
}

/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

function run(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`exited ${code}: ${stderr.trim()}`))));
  });
}

/** Each item's startedAt..closedAt in a --report file, ms. */
function itemLatencies(reportFile: string): number[] {
  const record = JSON.parse(readFileSync(reportFile, "utf8")) as RunRecord;
  return record.steps.flatMap((step) =>
    (step.items ?? []).flatMap((item) =>
      item.startedAt && item.closedAt ? [Date.parse(item.closedAt) - Date.parse(item.startedAt)] : [],
    ),
  );
}

/** `rounds` runs of each side over the B2 pipeline and pool, alternating which goes first. */
export async function measureLatencies(
  ctx: BenchContext,
  file: string,
  count: number,
  concurrency: number,
  rounds: number,
): Promise<Latencies> {
  const dir = mkdtempSync(join(ctx.outDir, "latency-"));
  const conn = ["--address", ctx.address, "--namespace", ctx.namespace];
  const result: Latencies = { nxrun: [], sdk: [], rounds };
  try {
    for (let round = 0; round < rounds; round++) {
      const report = join(dir, `nxrun-${round}.json`);
      const sdkFile = join(dir, `sdk-${round}.txt`);
      const sides = [
        () => run(nxrun(file, "-i", `n=${count}`, "--output", "plain", "--report", report, ...conn), ctx.env),
        () =>
          run(
            peer(
              "sdk-client.js",
              ...conn,
              ...["--kind", "activity", "--count", String(count), "--concurrency", String(concurrency)],
              ...["--task-queue", ctx.taskQueue],
            ),
            { ...ctx.env, NXRUN_BENCH_LATENCIES: sdkFile },
          ),
      ];
      for (const side of round % 2 ? [...sides].reverse() : sides) await side();
      result.nxrun.push(...itemLatencies(report));
      result.sdk.push(
        ...readFileSync(sdkFile, "utf8")
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map(Number),
      );
    }
  } catch (error) {
    result.error = (error as Error).message;
  }
  return result;
}

const ms = (v: number) => `${Math.round(v)} ms`;

/** The rows: each side's p50 / p99 / max, and nxrun over the SDK at each (the tail must not be worse). */
export function latencyComparisons(latencies: Latencies): Comparison[] {
  const rows: Comparison[] = [];
  const at = (side: number[], q: number) => quantile(side, q);
  for (const [name, q] of [
    ["p50", 0.5],
    ["p99", 0.99],
    ["max", 1],
  ] as const) {
    rows.push(info(`per-execution latency ${name}: nxrun`, at(latencies.nxrun, q), ms));
    rows.push(info(`per-execution latency ${name}: sdk-client pool`, at(latencies.sdk, q), ms));
  }
  rows.push(
    atMost(
      "per-execution latency p50: nxrun / sdk-client pool",
      ratio(at(latencies.nxrun, 0.5), at(latencies.sdk, 0.5)),
      1.2,
    ),
    atMost(
      "per-execution latency p99: nxrun / sdk-client pool",
      ratio(at(latencies.nxrun, 0.99), at(latencies.sdk, 0.99)),
      1.2,
    ),
    info("per-execution latency max: nxrun / sdk-client pool", ratio(at(latencies.nxrun, 1), at(latencies.sdk, 1))),
  );
  return rows;
}
