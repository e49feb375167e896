/**
 * The Python test workers (test/workers/python/), run from the project's venv (scripts/python-venv.sh,
 * which creates it once with the pinned temporalio and the test workers' packages).
 */
import { type ChildProcess, execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO, spawnUntilReady } from "../../../scripts/dev-server.js";
import { stack } from "./harness.js";

/** The venv's python: the last line scripts/python-venv.sh prints (progress goes to its stderr). */
export async function projectPython(): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [join(REPO, "scripts", "python-venv.sh")]);
  return stdout.trim().split("\n").pop() ?? "python3";
}

/** Starts test/workers/python/`script` on the test server and resolves once it polls `taskQueue`. */
export async function startPythonWorker(
  script: string,
  taskQueue: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const { address, namespace } = stack();
  const args = [
    join(REPO, "test", "workers", "python", script),
    "--address",
    address,
    "--namespace",
    namespace,
    "--task-queue",
    taskQueue,
  ];
  return spawnUntilReady(await projectPython(), args, /worker ready/, 120_000, { ...process.env, ...env });
}
