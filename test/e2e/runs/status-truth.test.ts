/**
 * `status`, `watch` and `runs` tell what the run itself told, on the real server with the real
 * worker: a watcher's NDJSON is the run's own, line for line (compensations, a used pipeline's steps,
 * repeat checks of forEach items, the runEnd's error), live and late; `status` shows a finished wait
 * as completed, a repeat whose `until` threw as failed with that error, each item once, the
 * compensations and the sub-pipeline's steps as rows, and the completed steps' outputs masked;
 * canceled and abandoned steps as the run recorded them; `runs` newest first with a stopped run
 * among them.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { type NxrunResult, runNxrun, stack, uniqueId, waitFor, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";
import { ndjsonEvents, schemaErrors, validateStatus } from "../../support/output-schemas.js";

const client = stackClient();

const SECRET = "s3cr3t-truth-value";
const env = { TRUTH_TOKEN: SECRET };

/** open (compensated) -> settle (a 1 s wait) -> db (a used pipeline, compensated) -> fan (3 items, 2 checks each) -> soft (fails, tolerated) -> poll (its until throws). */
function truthPipeline(): string {
  const file = pipelineFile(`
nxrun: 1
name: truth
secrets:
  token: { env: TRUTH_TOKEN }
defaults:
  taskQueue: {{queue}}
steps:
  - id: open
    activity: echo
    input: { v: "{% 'token is ' & $secrets.token %}" }
    compensate:
      activity: echo
      input: { undo: open }
  - id: settle
    needs: [open]
    wait: 1s
  - id: db
    needs: [settle]
    uses: ./sub.yaml
    with: { n: 1 }
  - id: fan
    needs: [db]
    forEach: "{% [1, 2, 3] %}"
    activity: echo
    input: { i: "{% $item %}" }
    repeat: { until: "{% $attempt >= 2 %}", every: 1s, limit: 5 }
  - id: soft
    needs: [fan]
    activity: fail
    onError: continue
    input: { nonRetryable: true, message: "soft failure" }
  - id: poll
    needs: [soft]
    activity: echo
    input: { x: 1 }
    repeat: { until: "{% $error('until threw on purpose') %}", every: 1s, limit: 3 }
`);
  writeFileSync(
    join(dirname(file), "sub.yaml"),
    `
nxrun: 1
name: truth-sub
inputs:
  n: { type: integer }
defaults:
  taskQueue: ${stack().taskQueue}
steps:
  - id: inner
    activity: echo
    input: { n: "{% $inputs.n %}" }
    compensate:
      activity: echo
      input: { undo: "{% $inputs.n %}" }
outputs:
  n: "{% $steps.inner.output.n %}"
`,
  );
  return file;
}

/** Starts `nxrun run file -o json` and resolves once its first line (runStart) is out. */
function startRun(file: string, runId: string): { done: Promise<NxrunResult>; started: Promise<void> } {
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => {
    started = resolve;
  });
  const done = runNxrun(["run", file, "--run-id", runId, "-o", "json"], {
    env,
    onSpawn: (child: ChildProcess) => child.stdout?.on("data", () => started()),
  });
  return { done, started: startedPromise };
}

interface StatusStep {
  id: string;
  state: string;
  attempts: number;
  section: string;
  parent?: string;
  failure?: string;
  itemCount?: number;
  items?: Record<string, number>;
  output?: unknown;
}

describe("status and watch tell what the run told", () => {
  const runId = uniqueId("truth");
  const file = truthPipeline();
  let run: NxrunResult;

  it("watch -o json prints the run's own NDJSON, line for line, live and after the run ended", async () => {
    const { done, started } = startRun(file, runId);
    await started;
    const live = await runNxrun(["watch", runId, "-o", "json"], { env });
    run = await done;
    expect(run.code, output(run)).toBe(1);
    expect(live.code, output(live)).toBe(1);
    const late = await runNxrun(["watch", runId, "-o", "json"]);
    expect(late.code, output(late)).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(live.stdout.trimEnd().split("\n")).toEqual(lines);
    expect(late.stdout.trimEnd().split("\n")).toEqual(lines);
    // What the old watcher lacked: compensations, the used pipeline's step, repeat checks, the runEnd's error.
    const events = lines.map((l) => JSON.parse(l) as { event: string; stepId?: string; record?: { error?: unknown } });
    const ends = events.filter((e) => e.event === "stepEnd").map((e) => e.stepId);
    expect(ends).toEqual(expect.arrayContaining(["db.inner", "open.compensate", "db.inner.compensate"]));
    expect(events.filter((e) => e.event === "itemEnd" && e.stepId === "fan")).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ event: "runEnd", record: { status: "failed", error: expect.anything() } });
    expect(run.stdout).not.toContain(SECRET);
  });

  it("status: the wait completed, the repeat failed by its until, each item once, compensations and sub-steps as rows", async () => {
    // Visibility lags the run: wait until it lists every execution of the run as closed.
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.' AND ExecutionStatus = 'Running'`, 0);
    const json = await runNxrun(["status", runId, "-o", "json"]);
    expect(json.code, output(json)).toBe(0);
    const status = JSON.parse(json.stdout) as { run: { state: string; steps: StatusStep[] } };
    expect(validateStatus(status), schemaErrors(validateStatus)).toBe(true);
    const step = (id: string) => status.run.steps.find((s) => s.id === id);
    expect(status.run.state).toBe("failed");
    expect(step("settle")).toMatchObject({ state: "completed", attempts: 1 });
    expect(step("settle")?.failure).toBeUndefined();
    expect(step("poll")).toMatchObject({ state: "failed", failure: expect.stringContaining("until threw on purpose") });
    expect(step("fan")).toMatchObject({ state: "completed", itemCount: 3, items: { completed: 3 } });
    expect(step("soft")).toMatchObject({ state: "failed", attempts: 1 });
    // Undone by the rollback (issue 33 item 2), and its output still shown.
    expect(step("db.inner")).toMatchObject({ state: "compensated", parent: "db", output: { n: 1 } });
    expect(step("open.compensate")).toMatchObject({ section: "compensate", state: "completed", attempts: 1 });
    expect(step("db.inner.compensate")).toMatchObject({ section: "compensate", state: "completed" });
    expect(step("open")?.output).toEqual({ v: "token is ***" });
    expect(json.stdout).not.toContain(SECRET);

    const text = await runNxrun(["status", runId, "--outputs"]);
    expect(text.code, output(text)).toBe(0);
    expect(text.stdout).toMatch(/^settle\s+completed\s+1\s/m);
    expect(text.stdout).toMatch(/^fan\s+completed\s+2\s+\S+\s+3\/3 done: 3 completed/m);
    expect(text.stdout).toMatch(/^poll\s+failed\s+.*until threw on purpose/m);
    expect(text.stdout).toMatch(/^ {2}db\.inner\s+compensated/m);
    expect(text.stdout).toMatch(/^open\.compensate\s+completed/m);
    expect(text.stdout).toContain(`  open = {"v":"token is ***"}`);
    expect(text.stdout).not.toContain("has no manifest");
    const plain = await runNxrun(["status", runId]);
    expect(plain.stdout).not.toMatch(/outputs of the completed steps|has no manifest/);
    expect(text.stdout).not.toContain(SECRET);
  });
});

describe("canceled and abandoned steps, and runs newest first", () => {
  const name = uniqueId("truth-order").toLowerCase();
  const longRun = () =>
    pipelineFile(`
nxrun: 1
name: ${name}
defaults:
  taskQueue: {{queue}}
steps:
  - id: hold
    activity: slow
    input: { recordKey: ${JSON.stringify(uniqueId("hold"))} }
  - id: left
    activity: sleepFor
    cancellation: abandon
    input: { ms: 20000 }
`);

  it("a Ctrl-C'd run: status shows the cancelled step canceled and the abandoned one abandoned", async () => {
    const runId = uniqueId("truth-cancel");
    const run = await runNxrun(["run", longRun(), "--run-id", runId, "-o", "json"], {
      onSpawn: (child) => {
        let seen = "";
        child.stdout?.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          const running = (id: string) =>
            seen.includes(`"event":"stepStart","time"`) && seen.includes(`"stepId":"${id}"`);
          if (running("hold") && running("left") && !child.killed) child.kill("SIGINT");
        });
      },
    });
    expect(run.code, output(run)).toBe(130);
    const status = await waitFor("status with both steps ended", async () => {
      const json = await runNxrun(["status", runId, "-o", "json"]);
      const parsed = JSON.parse(json.stdout) as { run: { steps: StatusStep[] } };
      const states = Object.fromEntries(parsed.run.steps.map((s) => [s.id, s.state]));
      return states.hold === "canceled" && states.left === "abandoned" ? parsed : undefined;
    });
    expect(validateStatus(status), schemaErrors(validateStatus)).toBe(true);
  });

  it("runs lists a stopped run (its manifest left open) below a newer completed one", async () => {
    const stoppedId = uniqueId("truth-stopped");
    const killed = await runNxrun(["run", longRun(), "--run-id", stoppedId], {
      onSpawn: (child) => {
        child.stdout?.on("data", (chunk: Buffer) => {
          if (/running\s+left/.test(chunk.toString())) child.kill("SIGKILL");
        });
      },
    });
    expect(killed.signal, output(killed)).toBe("SIGKILL");
    const quick = pipelineFile(`
nxrun: 1
name: ${name}
defaults:
  taskQueue: {{queue}}
steps:
  - id: hold
    activity: echo
    input: { v: 1 }
`);
    const newerId = uniqueId("truth-newer");
    const newer = await runNxrun(["run", quick, "--run-id", newerId]);
    expect(newer.code, output(newer)).toBe(0);
    const runs = await waitFor("runs listing both", async () => {
      const json = await runNxrun(["runs", "--pipeline", name, "-o", "json"]);
      const listed = (JSON.parse(json.stdout) as { runs: Array<{ runId: string; state: string; startedAt: string }> })
        .runs;
      return listed.some((r) => r.runId === stoppedId) && listed.some((r) => r.runId === newerId) ? listed : undefined;
    });
    const order = runs.map((r) => r.runId).filter((id) => id === stoppedId || id === newerId);
    expect(order).toEqual([newerId, stoppedId]);
    expect(runs.find((r) => r.runId === stoppedId)?.state).toBe("stopped");
    const starts = runs.map((r) => Date.parse(r.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });
});

describe("a compensation the killed run left running", () => {
  it("is compensating, not running, in status, its -o json and watch (plain and NDJSON)", async () => {
    const runId = uniqueId("truth-undoing");
    const file = pipelineFile(`
nxrun: 1
name: truth-undoing
defaults:
  taskQueue: {{queue}}
steps:
  - id: open
    activity: echo
    input: { v: 1 }
    compensate: { activity: sleepFor, input: { ms: 30000 } }
  - id: gate
    needs: [open]
    activity: fail
    input: { nonRetryable: true, message: gate closed }
`);
    let child: ChildProcess | undefined;
    const running = runNxrun(["run", file, "--run-id", runId, "-o", "plain"], {
      onSpawn: (spawned) => {
        child = spawned;
      },
    });
    // Killed once the server runs the compensation (its 30 s outlive nxrun).
    await waitFor(
      "the compensation to run on the server",
      async () =>
        (await client.activities.describe(`${runId}.open.compensate`).catch(() => undefined))?.status === "running",
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    child?.kill("SIGKILL");
    const killed = await running;
    expect(killed.signal, output(killed)).toBe("SIGKILL");
    // The kill may come before the journal got the compensation: status finds it on the server.
    const status = await waitFor("status with the run stopped and its compensation", async () => {
      const json = await runNxrun(["status", runId, "-o", "json"]);
      const parsed = JSON.parse(json.stdout) as { run: { state: string; steps: StatusStep[] } };
      const shown = parsed.run.state === "stopped" && parsed.run.steps.some((s) => s.id === "open.compensate");
      return shown ? parsed : undefined;
    });
    expect(validateStatus(status), schemaErrors(validateStatus)).toBe(true);
    expect(status.run.steps.find((s) => s.id === "open.compensate")).toMatchObject({
      section: "compensate",
      state: "compensating",
    });
    const text = await runNxrun(["status", runId]);
    expect(text.stdout).toMatch(/open\.compensate\s+compensating\s/);

    const watchedJson = await runNxrun(["watch", runId, "-o", "json"]);
    const end = ndjsonEvents<{ event: string; record?: { steps: Array<{ id: string; status: string }> } }>(
      watchedJson.stdout,
    ).find((e) => e.event === "runEnd");
    expect(end?.record?.steps.find((s) => s.id === "open.compensate")?.status, output(watchedJson)).toBe(
      "compensating",
    );
    const watchedPlain = await runNxrun(["watch", runId, "-o", "plain"]);
    expect(watchedPlain.stdout).toMatch(/undoing\s+open\.compensate \(compensate\): compensation still running/);
    expect(watchedPlain.stdout).toMatch(/1 compensating/);
  });
});
