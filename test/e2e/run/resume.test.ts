/**
 * Resume end to end: nxrun killed with SIGKILL at random moments, then `--resume RUN_ID`, must end
 * complete with exactly one execution per step ID, as the server counts them. Temporal is the journal.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  countExecutions,
  expectNothingFor,
  handlerRecord,
  runNxrun,
  stack,
  uniqueId,
  waitFor,
  waitForCount,
} from "../../support/e2e/harness.js";
import { output, pipelineFile, runAndKill, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();

const ITEMS = 6;
const file = () =>
  pipelineFile(`
nxrun: 1
name: resumable
inputs:
  tag: { type: string, default: dflt }
defaults:
  taskQueue: {{queue}}
steps:
  - id: first
    activity: sleepFor
    # Each activity step: a lost attempt is retried after 15 s, not at the 10-minute default (on a
    # loaded machine the dev server sometimes loses a task it handed out: bench/findings.md, "The stalls").
    timeouts: { startToClose: 15s }
    input: { ms: 1500 }
  - id: op
    nexus: { endpoint: {{endpoint}}, service: TestService, operation: shout }
    # 2.5 s: the kills below land while the run is still going, with a second to spare (op's
    # sleep does not change any output).
    input: { text: "{% 'slept ' & $string($steps.first.output.slept) %}", ms: 2500 }
  - id: each
    forEach: "{% [1..${ITEMS}] %}"
    concurrency: 2
    activity: sleepFor
    timeouts: { startToClose: 15s }
    input: { ms: "{% 600 + $item * 100 %}" }
  - id: last
    activity: echo
    timeouts: { startToClose: 15s }
    input: { text: "{% $steps.op.output.text & '-' & $inputs.tag %}", total: "{% $sum($steps.each.output.slept) %}" }
outputs:
  text: "{% $steps.last.output.text %}"
  total: "{% $steps.last.output.total %}"
`);

const activityIds = (runId: string) => [
  `${runId}.first`,
  ...Array.from({ length: ITEMS }, (_, i) => `${runId}.each.${i}`),
  `${runId}.last`,
];

describe("resume after SIGKILL", () => {
  it("5 runs killed at random moments, each resumed with no inputs to the outputs of an uninterrupted run, one execution per step ID", async () => {
    const pipeline = file();
    const uninterrupted = await runPipelineFile(pipeline, ["-i", "tag=kill"]);
    expect(uninterrupted.code, output(uninterrupted)).toBe(0);
    expect(uninterrupted.report?.outputs).toEqual({ text: "SLEPT 1500-kill", total: 5700 });
    // The run takes at least 4 s of sleeps after its first line (printed once its manifest is written):
    // first (1.5 s) then op (2.5 s) on one branch, and beside them the forEach, whose pool of 2 ends
    // its last item (1.2 s, started at 1.8 s) at 3.0 s. A kill between 0 and 3 s therefore always
    // lands mid-run (a second before the end at the latest, for a late timer on a loaded machine),
    // anywhere from before the first start to inside op, with the forEach running or done. (A window
    // up to 3.5 s once outlasted a 3.3 s run, and the kill found nothing left to kill.)
    const runs = Array.from({ length: 5 }, (_, i) => ({
      runId: uniqueId(`resume${i}`),
      killAfterMs: Math.random() * 3000,
    }));
    const killedMidRun = await Promise.all(
      runs.map(async ({ runId, killAfterMs }) => {
        await runAndKill(pipeline, runId, ["-i", "tag=kill"], killAfterMs);

        // No -i: the inputs come from the run's manifest, not from the input's default.
        const resumed = await runPipelineFile(pipeline, ["--resume", runId], { runId });
        expect(resumed.code, output(resumed)).toBe(0);
        expect(resumed.report?.outputs).toEqual(uninterrupted.report?.outputs);
        expect(stepOf(resumed, "each").output).toEqual([700, 800, 900, 1000, 1100, 1200].map((slept) => ({ slept })));

        // The server's own count: every activity ID once, and the Nexus operation once.
        const ids = activityIds(runId);
        await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, ids.length);
        await waitForCount("nexus", `OperationId STARTS_WITH '${runId}.'`, 1);
        for (const id of ids) expect((await client.activities.describe(id)).status).toBe("completed");
        expect((await client.nexus.describe(`${runId}.op`)).status).toBe("completed");
        await waitForCount(
          "activity",
          `ActivityId STARTS_WITH '${runId}.' AND ExecutionStatus = 'Completed'`,
          ids.length,
        );
        return killAfterMs;
      }),
    );
    expect(killedMidRun).toHaveLength(5);
  });

  it("re-running a completed run ID starts nothing: it says the run is complete and exits 0", async () => {
    const pipeline = file();
    const runId = uniqueId("rerun");
    const first = await runPipelineFile(pipeline, [], { runId });
    expect(first.code, output(first)).toBe(0);
    const again = await runPipelineFile(pipeline, [], { runId });
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain(`run ${runId} is complete`);
    expect(again.stdout).toContain("nothing to start");
    // No session was opened: no report, no step line.
    expect(again.report).toBeUndefined();
    expect(again.stdout).not.toMatch(/running|reused/);
    const query = `ActivityId STARTS_WITH '${runId}.'`;
    await waitForCount("activity", query, activityIds(runId).length);
    // Visibility is eventually consistent: a stray second execution would show within seconds.
    await expectNothingFor(2000, async () =>
      expect(await countExecutions("activity", query)).toBe(activityIds(runId).length),
    );
  });
});

/** Whether `id` runs on the server now (not found yet: not running). */
const runningNow = (id: string) => async () =>
  (await client.activities.describe(id).catch(() => undefined))?.status === "running";

describe("resume after a rollback killed part-way", () => {
  it("starts the undone step again only once the killed session's compensation of it has closed", async () => {
    const runId = uniqueId("undo-kill");
    const pipeline = pipelineFile(`
nxrun: 1
name: undo-kill
defaults: { taskQueue: {{queue}} }
steps:
  - id: a
    activity: echo
    input: { v: 1 }
    compensate:
      activity: sleepFor
      input: { ms: 4000 }
  - id: b
    needs: [a]
    activity: fail
    retry: { maximumAttempts: 1 }
    input: { nonRetryable: true }
`);
    // Killed while a's compensation runs: the server goes on with it after nxrun is gone.
    await runAndKill(pipeline, runId, ["--output", "plain"], runningNow(`${runId}.a.compensate`));
    const resumed = await runNxrun(["run", pipeline, "--resume", runId, "--output", "plain"]);
    expect(resumed.code, output(resumed)).toBe(1);
    const undo = await client.activities.describe(`${runId}.a.compensate`);
    const again = await client.activities.describe(`${runId}.a@2`);
    expect(undo.closeTime, output(resumed)).toBeDefined();
    expect(again.startTime?.getTime() ?? 0, output(resumed)).toBeGreaterThanOrEqual(
      undo.closeTime?.getTime() ?? Infinity,
    );
    expect(resumed.stdout + resumed.stderr).toContain(`waited for ${runId}.a.compensate`);
  });
});

describe("resume after a forEach rollback killed part-way", () => {
  it("undoes first, once each, the completed items whose undo never started: latest first, 3 at a time; then reruns the step", async () => {
    const runId = uniqueId("items-kill");
    const key = uniqueId("items-undo");
    // Items end in index order (300 ms + 150 ms per index, 3 at a time): their undo goes 5, 4, 3, 2, 1, 0.
    // The gate is healthy on its second call only, so verify fails in the first session and passes
    // in the resume, which reruns the gate after the undone forEach.
    const pipeline = pipelineFile(`
nxrun: 1
name: items-kill
defaults: { taskQueue: {{queue}} }
steps:
  - id: items
    forEach: "{% [0..5] %}"
    concurrency: 3
    activity: slow
    timeouts: { startToClose: 1m }
    input: { ms: "{% 300 + $item * 150 %}", recordKey: ${key}-do }
    compensate:
      activity: slow
      timeouts: { startToClose: 1m }
      input: { ms: 2500, recordKey: ${key} }
  - id: gate
    needs: [items]
    activity: checkHealth
    input: { recordKey: ${key}-gate, healthyOnCall: 2 }
  - id: verify
    activity: fail
    retry: { maximumAttempts: 1 }
    input: { nonRetryable: true, message: smoke test failed, succeedOnAttempt: "{% $steps.gate.output.healthy ? 1 : 99 %}" }
`);
    const undoStarts = () => handlerRecord(key).filter((r) => r.event === "started");
    // Killed as the first item's compensation starts: the others of its three were maybe started, maybe not.
    await runAndKill(pipeline, runId, ["--output", "plain"], async () => undoStarts().length > 0);
    // status tells what the server did since the kill: the items undone by then compensated, the
    // others completed, the compensation's counts from its executions (some never started).
    const counts = (items: object | undefined) => JSON.stringify(Object.entries(items ?? {}).sort());
    await waitFor(
      "status to show the items the killed rollback undid",
      async () => {
        const shown = await runNxrun(["status", runId, "-o", "json"]);
        const { run } = JSON.parse(shown.stdout) as {
          run: { steps: Array<{ id: string; state: string; items?: object }> };
        };
        const steps = run.steps;
        const items = steps.find((s) => s.id === "items");
        const undo = steps.find((s) => s.id === "items.compensate");
        // The compensations started before the kill (the worker's records of them may come late).
        const n = undoStarts().length;
        const ok =
          counts(items?.items) === counts({ compensated: n, completed: 6 - n }) &&
          undo?.state === "interrupted" &&
          counts(undo.items) === counts({ completed: n });
        if (!ok) throw new Error(`status shows ${JSON.stringify([items, undo])}`);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const resumed = await runPipelineFile(pipeline, ["--resume", runId, "--output", "plain"], { runId });
    expect(resumed.code, output(resumed)).toBe(0);

    const indexes = [0, 1, 2, 3, 4, 5];
    const done = await Promise.all(indexes.map((i) => client.activities.describe(`${runId}.items.${i}`)));
    const undo = await Promise.all(indexes.map((i) => client.activities.describe(`${runId}.items.${i}.compensate`)));
    // Every completed item undone, by one execution each, started once (the worker saw one start of each).
    for (const d of undo) expect(d.status, output(resumed)).toBe("completed");
    const started = undoStarts().map((r) => r.id);
    expect([...started].sort()).toEqual(indexes.map((i) => `${runId}.items.${i}.compensate`).sort());
    // Latest completed first: a pool of 3 may swap starts only within a window of 3.
    const time = (d: { startTime?: Date; closeTime?: Date }, at: "startTime" | "closeTime") => d[at]?.getTime() ?? NaN;
    const latestFirst = [...indexes].sort((a, b) => time(done[b]!, "closeTime") - time(done[a]!, "closeTime"));
    const byStart = [...indexes].sort((a, b) => time(undo[a]!, "startTime") - time(undo[b]!, "startTime"));
    for (const i of indexes)
      expect(Math.abs(byStart.indexOf(i) - latestFirst.indexOf(i)), output(resumed)).toBeLessThan(3);
    // At most the step's concurrency at a time.
    const overlap = indexes.map(
      (i) =>
        undo.filter(
          (u) =>
            time(u, "startTime") <= time(undo[i]!, "startTime") && time(u, "closeTime") > time(undo[i]!, "startTime"),
        ).length,
    );
    expect(Math.max(...overlap)).toBeLessThanOrEqual(3);
    // The step started again only once all of its earlier work was undone, and nothing of the new attempt was undone.
    const again = await Promise.all(indexes.map((i) => client.activities.describe(`${runId}.items@2.${i}`)));
    const lastUndone = Math.max(...undo.map((u) => time(u, "closeTime")));
    for (const a of again) {
      expect(a.status).toBe("completed");
      expect(time(a, "startTime")).toBeGreaterThanOrEqual(lastUndone);
    }
    for (const i of indexes)
      await expect(client.activities.describe(`${runId}.items@2.${i}.compensate`)).rejects.toThrow();
    expect(stepOf(resumed, "items").status).toBe("completed");
    // The resume shows the undo it finished, its compensations started then and those it found done.
    // Under the label the killed session gave it: the undo of attempt 1, items.compensate.
    const finished = resumed.report?.steps.find((s) => s.id === "items.compensate");
    expect(finished?.status, output(resumed)).toBe("completed");
    expect(finished?.items?.map((i) => i.status)).toEqual(indexes.map(() => "completed"));
    expect(resumed.stdout).toContain("items.compensate");
    expect(resumed.stdout).not.toContain("items@1.compensate");
  });
});

describe("resume refuses to mix runs", () => {
  it("an input that differs from the run's is refused naming it; one that agrees is fine", async () => {
    const pipeline = file();
    const runId = uniqueId("inputs");
    // Killed while first runs: the refused resume below must find it started (a fixed delay could
    // fall before its start on a slow machine).
    await runAndKill(pipeline, runId, ["-i", "tag=first"], runningNow(`${runId}.first`));
    const differs = await runNxrun(["run", pipeline, "--resume", runId, "-i", "tag=second"]);
    expect(differs.code, output(differs)).toBe(2);
    expect(differs.stderr).toContain('input "tag": the run has "first", this resume gives "second"');
    expect(differs.stderr).not.toMatch(/\n\s+at /);
    // Nothing new was started by the refused resume: only what the killed run had started.
    const before = await client.activities.describe(`${runId}.first`);
    const agrees = await runPipelineFile(pipeline, ["--resume", runId, "-i", "tag=first"], { runId });
    expect(agrees.code, output(agrees)).toBe(0);
    expect(agrees.report?.outputs).toEqual({ text: "SLEPT 1500-first", total: 5700 });
    expect((await client.activities.describe(`${runId}.first`)).runId).toBe(before.runId);
  });

  it("an edited pipeline is refused naming each changed step and whether it ran; --allow-changed goes on", async () => {
    const pipeline = file();
    const runId = uniqueId("edited");
    await runAndKill(pipeline, runId, [], 2500);
    await waitFor(
      "first to complete",
      async () => (await client.activities.describe(`${runId}.first`)).status === "completed",
    );
    const edited = pipelineFile(
      readFileSync(pipeline, "utf8")
        .replace("input: { ms: 1500 }", "input: { ms: 1400 }")
        .replace("activity: echo", "activity: echo\n    summary: edited"),
    );
    const refused = await runNxrun(["run", edited, "--resume", runId]);
    expect(refused.code, output(refused)).toBe(2);
    expect(refused.stderr).toContain(`pipeline resumable has changed since run ${runId} started`);
    expect(refused.stderr).toContain("step first: changed (already ran)");
    expect(refused.stderr).toContain("step last: changed (not run yet)");
    expect(refused.stderr).not.toContain("step op:");
    expect(refused.stderr).toContain("--allow-changed");
    const allowed = await runPipelineFile(edited, ["--resume", runId, "--allow-changed"], { runId });
    expect(allowed.code, output(allowed)).toBe(0);
    // The note is printed as lines, not as one line holding a literal "\n".
    expect(allowed.stderr).toMatch(/\ngoing on anyway \(--allow-changed\)\n/);
    expect(allowed.stderr).not.toContain("\\n");
    // first completed before the edit: its result is kept, not rerun.
    expect(stepOf(allowed, "first").reused).toBe(true);
    expect(allowed.report?.outputs).toEqual({ text: "SLEPT 1500-dflt", total: 5700 });
  });

  it("another pipeline's run ID, an unknown run ID and a run without a manifest are refused with a way on", async () => {
    const pipeline = file();
    const done = await runPipelineFile(pipeline, []);
    expect(done.code, output(done)).toBe(0);
    const other = pipelineFile(readFileSync(pipeline, "utf8").replace("name: resumable", "name: another"));
    const wrong = await runNxrun(["run", other, "--resume", done.runId]);
    expect(wrong.code, output(wrong)).toBe(2);
    expect(wrong.stderr).toContain(`run ${done.runId} is a run of pipeline "resumable", not of "another"`);

    const unknown = await runNxrun(["run", pipeline, "--resume", "no-such-run-id"]);
    expect(unknown.code, output(unknown)).toBe(2);
    expect(unknown.stderr).toContain(`in namespace "${stack().namespace}" on ${stack().address}`);
    // A run stopped before anything started left nothing to resume: the hint starts it under its ID.
    expect(unknown.stderr).toContain(`nxrun run ${pipeline} --run-id no-such-run-id`);

    // What an nxrun without manifests left behind: executions, no manifest.
    const old = uniqueId("old");
    await client.activities.start({
      id: `${old}.first`,
      activityType: "sleepFor",
      taskQueue: stack().taskQueue,
      args: [{ ms: 10 }],
      startToClose: 10_000,
    });
    await waitForCount("activity", `ActivityId STARTS_WITH '${old}.'`, 1);
    const noManifest = await runNxrun(["run", pipeline, "--resume", old]);
    expect(noManifest.code, output(noManifest)).toBe(2);
    expect(noManifest.stderr).toContain(`run ${old} has no manifest`);
    expect(noManifest.stderr).toContain("--allow-changed");
    expect(noManifest.stderr).not.toMatch(/\n\s+at /);
    const goOn = await runPipelineFile(pipeline, ["--resume", old, "--allow-changed", "-i", "tag=old"], { runId: old });
    expect(goOn.code, output(goOn)).toBe(0);
    expect(stepOf(goOn, "first").reused).toBe(true);
  });

  it("two processes resuming the same run at once never start a step twice", async () => {
    const pipeline = file();
    const runId = uniqueId("twice");
    await runAndKill(pipeline, runId, ["-i", "tag=two"], 1000);
    const [a, b] = await Promise.all([
      runPipelineFile(pipeline, ["--resume", runId], { runId }),
      runPipelineFile(pipeline, ["--resume", runId], { runId }),
    ]);
    const codes = [a.code, b.code].sort();
    // One holds the run; the other is refused, or (when it came after the first had finished) reuses everything.
    expect(
      [
        [0, 0],
        [0, 2],
      ],
      `${output(a)}\n${output(b)}`,
    ).toContainEqual(codes);
    for (const r of [a, b]) {
      if (r.code === 2) expect(r.stderr).toContain(`run ${runId} is being run now by`);
      else expect(r.report?.outputs).toEqual({ text: "SLEPT 1500-two", total: 5700 });
    }
    // The server's own record: one execution per step ID (visibility lists every run of an ID).
    const ids = activityIds(runId);
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, ids.length);
    await waitForCount("nexus", `OperationId STARTS_WITH '${runId}.'`, 1);
    // And no stray second one shows later.
    await expectNothingFor(2000, async () =>
      expect(await countExecutions("activity", `ActivityId STARTS_WITH '${runId}.'`)).toBe(ids.length),
    );
  });
});
