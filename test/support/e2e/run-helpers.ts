/** Helpers shared by the `nxrun run` end-to-end tests: pipelines with the stack's names, reports, counts. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRecord, StepRecord } from "../../../src/engine/events.js";
import { type NxrunOptions, type NxrunResult, runNxrun, stack, uniqueId, writePipeline } from "./harness.js";

/** Writes a pipeline whose `{{queue}}`, `{{endpoint}}`, `{{idleQueue}}`, `{{idleEndpoint}}` are the stack's. */
export function pipelineFile(yaml: string): string {
  const s = stack();
  return writePipeline(
    yaml
      .replaceAll("{{queue}}", s.taskQueue)
      .replaceAll("{{endpoint}}", s.endpoint)
      .replaceAll("{{idleQueue}}", s.idleTaskQueue)
      .replaceAll("{{idleEndpoint}}", s.idleEndpoint),
  );
}

export interface RunResult extends NxrunResult {
  runId: string;
  /** The --report file, parsed (undefined when nxrun wrote none). */
  report: RunRecord | undefined;
}

/** Runs `nxrun run <file> --run-id <fresh id> --report <tmp> ...args`. */
export async function runPipelineFile(
  file: string,
  args: string[] = [],
  options: NxrunOptions & { runId?: string } = {},
): Promise<RunResult> {
  const runId = options.runId ?? uniqueId("run");
  const reportPath = join(mkdtempSync(join(tmpdir(), "nxrun-report-")), "run.json");
  const result = await runNxrun(["run", file, "--run-id", runId, "--report", reportPath, ...args], options);
  let report: RunRecord | undefined;
  try {
    report = JSON.parse(readFileSync(reportPath, "utf8")) as RunRecord;
  } catch {
    report = undefined;
  }
  return { ...result, runId, report };
}

/** A step's record in the report (throws with the report when missing, for a readable failure). */
export function stepOf(result: RunResult, id: string): StepRecord {
  const found = result.report?.steps.find((s) => s.id === id);
  if (!found)
    throw new Error(`no step ${id} in the report:\n${JSON.stringify(result.report, null, 2)}\n${result.stderr}`);
  return found;
}

/** Everything nxrun printed, for assertion messages. */
export function output(result: NxrunResult): string {
  return `exit ${result.code} signal ${result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}
