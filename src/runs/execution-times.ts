/** What status and watch read off a run's executions on the server, shared by run-state.ts and undo-state.ts. */
import type { RunExecution } from "./run-executions.js";

/** The latest run of each execution ID (a step or compensation a resume started again has two). */
export function latestPerId(executions: readonly RunExecution[]): RunExecution[] {
  const latest = new Map<string, RunExecution>();
  for (const e of executions) {
    const seen = latest.get(e.id);
    if (!seen || (e.startTime?.getTime() ?? 0) >= (seen.startTime?.getTime() ?? 0)) latest.set(e.id, e);
  }
  return [...latest.values()];
}

/** A row's start, close and duration from its first start and last close (ms), each when known. */
export function timesOf(
  first: number | undefined,
  last: number | undefined,
): { startedAt?: string; closedAt?: string; durationMs?: number } {
  return {
    ...(first === undefined ? {} : { startedAt: new Date(first).toISOString() }),
    ...(last === undefined ? {} : { closedAt: new Date(last).toISOString() }),
    ...(first !== undefined && last !== undefined ? { durationMs: last - first } : {}),
  };
}
