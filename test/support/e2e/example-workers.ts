/**
 * Starts the examples' own workers (examples/workers/: TypeScript, and the Python ChangeService worker
 * in the venv of scripts/python-venv.sh) against the test server, and creates the endpoints the
 * examples name (scripts/demo.ts EXAMPLE_STACK), exactly as `npm run demo` does. Each worker appends
 * what its handlers did to a journal file, so tests can prove what reached a worker.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_STACK } from "../../../scripts/demo.js";
import { createNexusEndpoint, REPO, spawnUntilReady, startWorker, stopProcess } from "../../../scripts/dev-server.js";
import { stack } from "./harness.js";
import { projectPython } from "./python-worker.js";

export interface JournalEntry {
  at: string;
  sdk: "typescript" | "python";
  handler: string;
  [field: string]: unknown;
}

export interface ExampleWorkers {
  /** Everything the example handlers journaled so far. */
  journal(): JournalEntry[];
  stop(): Promise<void>;
}

/** Starts both example workers and creates the examples' endpoints on the test server. */
export async function startExampleWorkers(): Promise<ExampleWorkers> {
  const { address, namespace } = stack();
  const journalFile = join(mkdtempSync(join(tmpdir(), "nxrun-examples-")), "journal.jsonl");
  const env = { NXRUN_EXAMPLES_JOURNAL: journalFile };
  const python = await projectPython();
  await createNexusEndpoint(address, { name: EXAMPLE_STACK.endpoint, taskQueue: EXAMPLE_STACK.taskQueue });
  await createNexusEndpoint(address, { name: EXAMPLE_STACK.pythonEndpoint, taskQueue: EXAMPLE_STACK.pythonTaskQueue });
  const [ts, py] = await Promise.all([
    startWorker({
      script: join(REPO, "dist", "examples", "workers", "main.js"),
      address,
      namespace,
      taskQueue: EXAMPLE_STACK.taskQueue,
      extraArgs: EXAMPLE_STACK.regions.flatMap((region) => ["--region", region]),
      env,
    }),
    spawnUntilReady(
      python,
      [
        join(REPO, "examples", "workers", "python", "worker.py"),
        "--address",
        address,
        "--namespace",
        namespace,
        "--task-queue",
        EXAMPLE_STACK.pythonTaskQueue,
      ],
      /worker ready/,
      120_000,
      { ...process.env, ...env },
    ),
  ]);
  return {
    journal() {
      let text = "";
      try {
        text = readFileSync(journalFile, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as JournalEntry);
    },
    async stop() {
      await Promise.all([ts.stop(), stopProcess(py)]);
    },
  };
}
