/**
 * Timing whole processes: hyperfine (Debian's package) when it is there or can be installed, else a
 * plain timing loop of our own (and RESULTS.md says which). Each command is timed in its own
 * hyperfine invocation so one failing peer costs only its own row.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A process to time: its argv, with the environment every bench process gets. */
export interface BenchCommand {
  name: string;
  argv: string[];
}

export interface TimedRuns {
  /** Wall time of each run, seconds. */
  times: number[];
  /** Mean user + system CPU time of a run, seconds (hyperfine only). */
  cpuSeconds?: number;
}

export interface TimingOptions {
  runs: number;
  warmup: number;
  /** Where hyperfine's JSON exports go. */
  outDir: string;
  env: NodeJS.ProcessEnv;
}

export interface Timer {
  /** "hyperfine 1.15.0" or "own timing loop (hyperfine ...reason...)". */
  readonly description: string;
  /** Wall times of each run, seconds; throws with the command's own error output when it fails. */
  time(command: BenchCommand, options: TimingOptions): Promise<TimedRuns>;
}

/** Quotes one argument for hyperfine's shell-words parser (and for sh). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function hyperfineVersion(): string | undefined {
  const result = spawnSync("hyperfine", ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Installs hyperfine with apt-get when it is missing and we may (root); returns why not otherwise. */
function installHyperfine(): string | undefined {
  if (spawnSync("sh", ["-c", "command -v apt-get"]).status !== 0) return "no apt-get on this machine";
  if (process.getuid?.() !== 0) return "not root, so apt-get install was not attempted (apt-get install hyperfine)";
  process.stderr.write("bench: installing hyperfine with apt-get...\n");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let result = spawnSync("apt-get", ["install", "-y", "-qq", "hyperfine"], { stdio: "inherit", env });
  if (result.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    result = spawnSync("apt-get", ["install", "-y", "-qq", "hyperfine"], { stdio: "inherit", env });
  }
  return result.status === 0 ? undefined : `apt-get install hyperfine failed (exit ${result.status})`;
}

/** Runs a command once, capturing the tail of its output (stdout and stderr): to explain a failure hyperfine only reports as an exit code. */
function runOnce(
  command: BenchCommand,
  env: NodeJS.ProcessEnv,
  captureStdout: boolean,
): Promise<{ code: number | null; ms: number; output: string }> {
  const [file, ...args] = command.argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, args, { env, stdio: ["ignore", captureStdout ? "pipe" : "ignore", "pipe"] });
    let output = "";
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, ms: performance.now() - started, output }));
  });
}

async function explainFailure(command: BenchCommand, env: NodeJS.ProcessEnv, what: string): Promise<never> {
  const again = await runOnce(command, env, true);
  const tail = again.output.trim().split("\n").slice(-15).join("\n");
  throw new Error(`${what}; run again it exited ${again.code}${tail ? `:\n${tail}` : ""}`);
}

class HyperfineTimer implements Timer {
  constructor(readonly description: string) {}

  async time(command: BenchCommand, options: TimingOptions): Promise<TimedRuns> {
    mkdirSync(options.outDir, { recursive: true });
    const exported = join(options.outDir, `${command.name.replace(/[^A-Za-z0-9_.-]+/g, "_")}.json`);
    const args = [
      "-N",
      "--style",
      "none",
      "--runs",
      String(options.runs),
      "--warmup",
      String(options.warmup),
      "--export-json",
      exported,
      "--command-name",
      command.name,
      command.argv.map(shellQuote).join(" "),
    ];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn("hyperfine", args, { env: options.env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, stderr }));
    });
    if (result.code !== 0) return explainFailure(command, options.env, `hyperfine: ${result.stderr.trim()}`);
    const json = JSON.parse(readFileSync(exported, "utf8")) as {
      results: { times: number[]; user: number; system: number }[];
    };
    const first = json.results[0];
    return { times: first?.times ?? [], ...(first ? { cpuSeconds: first.user + first.system } : {}) };
  }
}

class LoopTimer implements Timer {
  constructor(readonly description: string) {}

  async time(command: BenchCommand, options: TimingOptions): Promise<TimedRuns> {
    const times: number[] = [];
    for (let i = 0; i < options.warmup + options.runs; i++) {
      const run = await runOnce(command, options.env, false);
      if (run.code !== 0) {
        const tail = run.output.trim().split("\n").slice(-15).join("\n");
        throw new Error(`exited ${run.code}${tail ? `:\n${tail}` : ""}`);
      }
      if (i >= options.warmup) times.push(run.ms / 1000);
    }
    return { times };
  }
}

/** hyperfine if present (installed with apt-get when missing and possible), else our own loop. */
export function chooseTimer(preferLoop = false): Timer {
  if (preferLoop) return new LoopTimer("own timing loop (--no-hyperfine)");
  let version = hyperfineVersion();
  let why: string | undefined;
  if (!version) {
    why = installHyperfine();
    version = hyperfineVersion();
  }
  if (version) return new HyperfineTimer(`${version} (-N, wall time per run)`);
  return new LoopTimer(`own timing loop (spawn to exit, wall time): hyperfine unavailable: ${why ?? "not found"}`);
}
