// No false "no heartbeat" alarms: workers heartbeating every second under a 5 s heartbeat timeout,
// in TypeScript (the test worker) and in Python (test/workers/python/heartbeat_worker.py), each
// SDK throttling what it sends to one heartbeat per 0.8 of the timeout; and, beside them, the same
// activities stopping their heartbeats, which nxrun must call late before the server times them out.
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { stopProcess } from "../../../scripts/dev-server.js";
import type { ProgressEvent, StepRecord } from "../../../src/engine/events.js";
import { stack, uniqueId, writePipeline } from "../../support/e2e/harness.js";
import { startPythonWorker } from "../../support/e2e/python-worker.js";
import { output, runPipelineFile } from "../../support/e2e/run-helpers.js";
import { ndjsonEvents } from "../../support/output-schemas.js";

let python: ChildProcess | undefined;
afterAll(async () => {
  if (python) await stopProcess(python);
});

type Event = { event: string } & Partial<ProgressEvent> & { record?: StepRecord };

describe("late heartbeats", () => {
  it("warns only when the server's last heartbeat is overdue: never for workers beating every second", async () => {
    const pythonQueue = uniqueId("py-heartbeat");
    python = await startPythonWorker("heartbeat_worker.py", pythonQueue);
    const file = writePipeline(`
nxrun: 1
name: heartbeats
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { heartbeat: 5s, startToClose: 2m }
  retry: { maximumAttempts: 2, initialInterval: 1s }
steps:
  - id: ts_beats
    activity: progress
    input: { total: 14, stepMs: 1000 }
  - id: py_beats
    activity: heartbeatEvery
    taskQueue: ${pythonQueue}
    input: { seconds: 14, every: 1 }
  - id: ts_stops
    activity: progress
    onError: continue
    input: { total: 30, stepMs: 1000, stallAfter: 2, stallMs: 30000 }
  - id: py_stops
    activity: heartbeatEvery
    onError: continue
    taskQueue: ${pythonQueue}
    input: { seconds: 30, every: 1, stopAfter: 2 }
`);
    const result = await runPipelineFile(file, ["-o", "json"], { timeoutMs: 150_000 });
    const events = ndjsonEvents<Event>(result.stdout);
    const progressOf = (step: string) => events.filter((e) => e.event === "progress" && e.stepId === step);
    const endOf = (step: string) => events.findIndex((e) => e.event === "stepEnd" && e.record?.id === step);

    // Healthy workers: followed (their heartbeats are seen), never called late.
    for (const step of ["ts_beats", "py_beats"]) {
      expect(endOf(step), output(result)).toBeGreaterThan(0);
      expect(events[endOf(step)]?.record?.status).toBe("completed");
      const seen = progressOf(step);
      expect(
        seen.some((e) => e.progress?.heartbeat?.details !== undefined),
        step,
      ).toBe(true);
      expect(
        seen.filter((e) => e.progress?.heartbeat?.late === true),
        `${step} was called late`,
      ).toEqual([]);
    }
    // Workers that stopped: called late while the attempt was still running on the server (only a
    // started attempt can be late), then timed out by the server on its heartbeat timeout.
    for (const step of ["ts_stops", "py_stops"]) {
      const late = progressOf(step).findIndex((e) => e.progress?.heartbeat?.late === true);
      expect(late, `${step} was never called late`).toBeGreaterThanOrEqual(0);
      const lateEvent = progressOf(step)[late];
      expect(events.indexOf(lateEvent as Event)).toBeLessThan(endOf(step));
      expect(lateEvent?.progress).toMatchObject({ state: "started", heartbeat: { timeoutMs: 5000, late: true } });
      const end = events[endOf(step)]?.record;
      expect(end?.status, output(result)).toMatch(/failed|timedOut/);
      expect(JSON.stringify(end?.error ?? end?.lastFailure)).toMatch(/heartbeat|HEARTBEAT/i);
    }
  }, 180_000);
});
