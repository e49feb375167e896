/** What every case gets: the server it shares with its peers, sizes, and how to time and run things. */
import { join } from "node:path";
import { REPO } from "../scripts/dev-server.js";
import { BENCH_ENDPOINT, BENCH_QUEUE } from "./pipelines.js";
import type { Measurement } from "./results.js";
import { type BenchCommand, shellQuote, type Timer } from "./timing.js";

export interface BenchSizes {
  b1Steps: number;
  b2Items: number;
  b2Concurrency: number;
  b3Operations: number;
  b3Concurrency: number;
  b4Items: number[];
  b7Steps: number;
}

export const FULL_SIZES: BenchSizes = {
  b1Steps: 50,
  b2Items: 2000,
  b2Concurrency: 200,
  b3Operations: 500,
  b3Concurrency: 50,
  b4Items: [2000, 5000, 10000],
  b7Steps: 1000,
};

/** --quick: small enough to check the bench works in a few minutes, too small to judge targets by. */
export const QUICK_SIZES: BenchSizes = {
  b1Steps: 10,
  b2Items: 200,
  b2Concurrency: 100,
  b3Operations: 100,
  b3Concurrency: 50,
  b4Items: [300, 600, 1200],
  b7Steps: 1000,
};

export interface BenchContext {
  quick: boolean;
  sizes: BenchSizes;
  /** Timed runs per command, and untimed warm-up runs before them. */
  runs: number;
  warmup: number;
  address: string;
  namespace: string;
  taskQueue: string;
  endpoint: string;
  /** Where generated pipelines are written (bench/pipelines). */
  pipelinesDir: string;
  /** Scratch: hyperfine exports, profiles (bench/out, ignored by git). */
  outDir: string;
  timer: Timer;
  /** The environment of every timed process: no TEMPORAL_* or CI leaking in from the caller. */
  env: NodeJS.ProcessEnv;
}

/** argv of `node bin/nxrun.js ...args`. */
export function nxrun(...args: string[]): string[] {
  return [process.execPath, join(REPO, "bin", "nxrun.js"), ...args];
}

/** argv of a compiled peer script under dist/bench/peers. */
export function peer(script: string, ...args: string[]): string[] {
  return [process.execPath, join(REPO, "dist", "bench", "peers", script), ...args];
}

/** The bench environment: the caller's, minus what would change what nxrun or a peer does. */
export function benchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("TEMPORAL_") || key === "CI" || key.startsWith("NODE_OPTIONS")) continue;
    env[key] = value;
  }
  env.NO_COLOR = "1";
  return env;
}

/** A command as a reader would type it: repository-relative and with `node` for the node binary. */
export function displayCommand(argv: readonly string[]): string {
  return argv
    .map((arg) => (arg === process.execPath ? "node" : arg.startsWith(`${REPO}/`) ? arg.slice(REPO.length + 1) : arg))
    .map(shellQuote)
    .join(" ");
}

/** Times one command with the context's timer; a failure becomes the measurement's error. */
export async function timeCommand(
  ctx: BenchContext,
  peerName: string,
  command: BenchCommand,
  extra: Partial<Measurement> = {},
): Promise<Measurement> {
  const shown = displayCommand(command.argv);
  process.stderr.write(`bench:   ${peerName}: ${shown}\n`);
  try {
    const timed = await ctx.timer.time(command, {
      runs: ctx.runs,
      warmup: ctx.warmup,
      outDir: ctx.outDir,
      env: ctx.env,
    });
    const cpu = timed.cpuSeconds === undefined ? {} : { cpuSeconds: timed.cpuSeconds };
    return { peer: peerName, command: shown, samples: timed.times, unit: "s", ...cpu, ...extra };
  } catch (error) {
    return { peer: peerName, command: shown, samples: [], unit: "s", ...extra, error: (error as Error).message };
  }
}

export { BENCH_ENDPOINT, BENCH_QUEUE };
