/**
 * The `temporal` CLI peer of B1: NXRUN_BENCH_TEMPORAL, else the CLI whose dev server the bench runs
 * (scripts/temporal-cli.sh), if it has `activity execute`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO } from "../scripts/dev-server.js";

export type TemporalCli = { path: string; version: string } | { missing: string };

const HOW_TO_GET =
  "set NXRUN_BENCH_TEMPORAL to a temporal CLI 1.9.1 or newer (it has `activity execute`), or put one on PATH";

/** Finds the CLI and checks that it knows `activity execute`. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): TemporalCli {
  const path =
    env.NXRUN_BENCH_TEMPORAL ||
    spawnSync("bash", [join(REPO, "scripts", "temporal-cli.sh")], { encoding: "utf8" }).stdout.trim() ||
    "temporal";
  const help = spawnSync(path, ["activity", "execute", "--help"], { encoding: "utf8" });
  if (help.error || help.status !== 0) {
    const why = help.error
      ? `${path}: ${help.error.message}`
      : `\`${path} activity execute --help\` exited ${help.status}`;
    return { missing: `not available (${why}): ${HOW_TO_GET}` };
  }
  const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim();
  return { path, version };
}

/**
 * argv of one process that runs `temporal activity execute` `count` times in sequence, each with a
 * fresh activity id, stopping at the first failure (so a failure fails the timed run).
 */
export function cliLoopArgv(
  cli: string,
  count: number,
  opts: { address: string; namespace: string; taskQueue: string },
): string[] {
  const script =
    'for i in $(seq 1 "$1"); do "$0" activity execute --address "$2" --namespace "$3" ' +
    '--task-queue "$4" --type noop --activity-id "b1-cli-$$-$i" --start-to-close-timeout 30s ' +
    "> /dev/null || exit 1; done";
  return ["bash", "-c", script, cli, String(count), opts.address, opts.namespace, opts.taskQueue];
}
