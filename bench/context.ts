/** What every case gets: the server it shares with its peers, sizes, and how to time and run things. */
import { join } from "node:path";
import { REPO } from "../scripts/dev-server.js";
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
  /** Stops the server and worker and starts new ones (empty); `address` changes. */
  freshServer(): Promise<void>;
  /** Empties the server in place (bench/stack.ts `reset`): `address` stays, so built commands stay valid. */
  resetServer(): Promise<void>;
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
    // OTEL_* and TRACEPARENT would trace the runs that are timed untraced (B2 times --trace apart).
    if (key.startsWith("TEMPORAL_") || key === "CI" || key.startsWith("NODE_OPTIONS")) continue;
    if (key.startsWith("OTEL_") || key === "TRACEPARENT") continue;
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

/** One command of a case, as timeCommands takes it. */
export interface TimedSpec {
  peer: string;
  command: BenchCommand;
  extra?: Partial<Measurement>;
  /** Variables this command runs with beside the bench environment's. */
  env?: NodeJS.ProcessEnv;
  /**
   * Commands with the same group run back to back in every round, their order within the group
   * reversed every other round: for a comparison made pair by pair (results.ts `pairedRatio`).
   */
  group?: string;
}

/**
 * The order of the commands in round `round`: the units (a group, or a command alone) rotate by one
 * each round, and a group's members swap order every other round, so no command always runs first.
 */
export function roundOrder(specs: readonly TimedSpec[], round: number): number[] {
  const units: number[][] = [];
  specs.forEach((spec, i) => {
    const last = units.at(-1);
    if (spec.group !== undefined && last && specs[last[0] as number]?.group === spec.group) last.push(i);
    else units.push([i]);
  });
  const order: number[] = [];
  for (let k = 0; k < units.length; k++) {
    const unit = units[(round + k) % units.length] as number[];
    order.push(...(round % 2 ? [...unit].reverse() : unit));
  }
  return order;
}

/**
 * Times a case's commands interleaved: round by round, each command once per round in a rotating
 * order (roundOrder), the first `ctx.warmup` rounds untimed. The server slows down as executions pile
 * up in it, so timing one command's runs after another's would favour whichever ran first. A command
 * that fails records its error and drops out; the others go on, so the samples of two commands that
 * both succeeded come from the same rounds, in round order. With `emptyServerEachRun` every run
 * (warm-up included) starts on an emptied server, so no run pays for the executions of the runs
 * before it (bench/findings.md, "Empty server per run").
 */
export async function timeCommands<const T extends readonly TimedSpec[]>(
  ctx: BenchContext,
  specs: T,
  options: { emptyServerEachRun?: boolean } = {},
): Promise<{ [K in keyof T]: Measurement }> {
  const measurements: Measurement[] = specs.map((spec) => ({
    peer: spec.peer,
    command: displayCommand(spec.command.argv),
    samples: [],
    unit: "s",
    ...spec.extra,
  }));
  const cpu: number[][] = specs.map(() => []);
  for (const m of measurements) process.stderr.write(`bench:   ${m.peer}: ${m.command}\n`);
  const rounds = ctx.warmup + ctx.runs;
  for (let round = 0; round < rounds; round++) {
    for (const i of roundOrder(specs, round)) {
      const spec = specs[i] as TimedSpec;
      const m = measurements[i] as Measurement;
      if (m.error) continue;
      try {
        if (options.emptyServerEachRun) await ctx.resetServer();
        const env = spec.env ? { ...ctx.env, ...spec.env } : ctx.env;
        const timed = await ctx.timer.time(spec.command, { runs: 1, warmup: 0, outDir: ctx.outDir, env });
        if (round < ctx.warmup) continue;
        m.samples.push(...timed.times);
        if (timed.cpuSeconds !== undefined) cpu[i]?.push(timed.cpuSeconds);
      } catch (error) {
        m.error = (error as Error).message;
      }
    }
  }
  measurements.forEach((m, i) => {
    const c = cpu[i] ?? [];
    if (c.length > 0 && c.length === m.samples.length) m.cpuSeconds = c.reduce((a, b) => a + b, 0) / c.length;
  });
  return measurements as { [K in keyof T]: Measurement };
}
