/** The machine and versions a bench run measured on, for RESULTS.md. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { REPO } from "../scripts/dev-server.js";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  temporalServer: string;
  gitCommit: string;
  packages: Record<string, string>;
}

const PACKAGES = [
  "@temporalio/client",
  "@temporalio/worker",
  "@temporalio/proto",
  "@grpc/grpc-js",
  "ink",
  "react",
  "yaml",
  "ajv",
  "jsonata",
  "commander",
];

function output(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: "utf8", cwd: REPO });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function packageVersion(name: string): string {
  const file = join(REPO, "node_modules", name, "package.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version : "not installed";
}

/** Collects the machine description (cheap; no benchmarks run here). */
export function machineInfo(): MachineInfo {
  const cli = output("bash", [join(REPO, "scripts", "temporal-cli.sh")]);
  const server = cli ? output(cli, ["--version"]) : undefined;
  const commit = output("git", ["rev-parse", "--short", "HEAD"]) ?? "unknown";
  const dirty = output("git", ["status", "--porcelain", "--untracked-files=no"]);
  const nxrunVersion = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: `Linux ${release()}`,
    node: process.version,
    temporalServer: server ? `${server}: temporal server start-dev, in memory` : "unknown",
    gitCommit: dirty ? `${commit} (with uncommitted changes in the tree)` : commit,
    packages: { nxrun: nxrunVersion, ...Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])) },
  };
}

/** The 1, 5 and 15 minute load averages, formatted. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}
