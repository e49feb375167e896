/** Helpers shared by the `nxrun run` end-to-end tests: pipelines with the stack's names, reports, counts. */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { RunRecord, StepRecord } from "../../../src/engine/events.js";
import { type NxrunOptions, type NxrunResult, runNxrun, stack, uniqueId, waitFor, writePipeline } from "./harness.js";

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

/**
 * Runs `pipeline` as `runId` and SIGKILLs it `when` ms after its first line (its manifest is written
 * by then), or once `when()` holds.
 */
export async function runAndKill(
  pipeline: string,
  runId: string,
  args: string[],
  when: number | (() => Promise<boolean>),
) {
  let timer: NodeJS.Timeout | undefined;
  let child: ChildProcess | undefined;
  const running = runNxrun(["run", pipeline, "--run-id", runId, ...args], {
    onSpawn: (spawned: ChildProcess) => {
      child = spawned;
      if (typeof when === "number") {
        spawned.stdout?.once("data", () => {
          timer = setTimeout(() => spawned.kill("SIGKILL"), when);
        });
      }
    },
  });
  if (typeof when !== "number") {
    await waitFor("the moment to kill nxrun", when, { timeoutMs: 60_000, intervalMs: 100 });
    child?.kill("SIGKILL");
  }
  const first = await running;
  clearTimeout(timer);
  expect(first.signal, output(first)).toBe("SIGKILL");
}
