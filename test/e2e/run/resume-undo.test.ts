/**
 * A rollback killed part-way (a real SIGKILL), then `--resume`: before anything else starts, the
 * resume finishes the undo, for the items of a repeat step, of a forEach over uses and of a step
 * inside a used pipeline. From the server: every completed item's compensation ran exactly once
 * (one execution of each ID, one start the worker saw), with that item's values, latest completed
 * first (at most the step's concurrency at a time), and the step ran again only after.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  countExecutions,
  expectNothingFor,
  handlerRecord,
  runNxrun,
  stack,
  uniqueId,
  waitForCount,
} from "../../support/e2e/harness.js";
import { output, runAndKill, runPipelineFile } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();
const ITEMS = [0, 1, 2, 3];
const CONCURRENCY = 2;

/** Writes the files into one fresh folder (uses: paths are relative); returns the first one's path. */
function files(named: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-e2e-"));
  for (const [name, yaml] of Object.entries(named))
    writeFileSync(join(dir, name), yaml.replaceAll("{{queue}}", stack().taskQueue));
  return join(dir, Object.keys(named)[0] as string);
}

/** Fails the first session after `after` completed (its gate is healthy on its second call only). */
const gate = (after: string, key: string) => `
  - id: gate
    needs: [${after}]
    activity: checkHealth
    input: { recordKey: ${key}-gate, healthyOnCall: 2 }
  - id: verify
    activity: fail
    retry: { maximumAttempts: 1 }
    input: { nonRetryable: true, message: smoke test failed, succeedOnAttempt: "{% $steps.gate.output.healthy ? 1 : 99 %}" }
`;

/** The undo every item has: 2.5 s, so the kill at the first one's start finds the rest not started. */
const undo = (key: string, input: string) => `
    compensate:
      activity: slow
      timeouts: { startToClose: 1m }
      input: { ms: 2500, recordKey: ${key}, ${input} }`;

interface Item {
  /** The execution whose completion the compensation undoes (a repeat item's last check). */
  readonly work: string;
  readonly undo: string;
  /** The item's execution in the resume's new attempt of the step. */
  readonly again: string;
}

/**
 * Runs `pipeline`, kills it as the first compensation starts, resumes it, and checks from the
 * server that each of `items` was undone once, latest completed first, before the step ran again.
 * Returns each compensation's input.
 */
async function killAndResume(pipeline: string, runId: string, key: string, items: readonly Item[]) {
  const undoStarts = () => handlerRecord(key).filter((r) => r.event === "started");
  await runAndKill(pipeline, runId, ["--output", "plain"], async () => undoStarts().length > 0);
  const resumed = await runPipelineFile(pipeline, ["--resume", runId, "--output", "plain"], { runId });
  expect(resumed.code, output(resumed)).toBe(0);

  const done = await Promise.all(items.map((i) => client.activities.describe(i.work)));
  const undone = await Promise.all(
    items.map((i) => client.activities.describe(i.undo, undefined, { includeInput: true })),
  );
  for (const d of undone) expect(d.status, output(resumed)).toBe("completed");
  // Once each: one start the worker saw per compensation, one execution of it on the server.
  expect(
    undoStarts()
      .map((r) => r.id)
      .sort(),
  ).toEqual(items.map((i) => i.undo).sort());
  const query = `ActivityId STARTS_WITH '${runId}.' AND ActivityType = 'slow'`;
  await waitForCount("activity", query, items.length);
  await expectNothingFor(1500, async () => expect(await countExecutions("activity", query)).toBe(items.length));

  // Latest completed first, across both sessions: a pool of CONCURRENCY may swap starts within its width.
  const time = (d: { startTime?: Date; closeTime?: Date }, at: "startTime" | "closeTime") => d[at]?.getTime() ?? NaN;
  const indexes = items.map((_, i) => i);
  const latestFirst = [...indexes].sort((a, b) => time(done[b]!, "closeTime") - time(done[a]!, "closeTime"));
  const byStart = [...indexes].sort((a, b) => time(undone[a]!, "startTime") - time(undone[b]!, "startTime"));
  for (const i of indexes)
    expect(Math.abs(byStart.indexOf(i) - latestFirst.indexOf(i)), output(resumed)).toBeLessThan(CONCURRENCY);
  const overlap = undone.map(
    (u) =>
      undone.filter((v) => time(v, "startTime") <= time(u, "startTime") && time(v, "closeTime") > time(u, "startTime"))
        .length,
  );
  expect(Math.max(...overlap)).toBeLessThanOrEqual(CONCURRENCY);

  // The step ran again only once all of its earlier work was undone.
  const lastUndone = Math.max(...undone.map((u) => time(u, "closeTime")));
  for (const item of items) {
    const again = await client.activities.describe(item.again);
    expect(again.status).toBe("completed");
    expect(time(again, "startTime"), item.again).toBeGreaterThanOrEqual(lastUndone);
  }
  // status reads the run back as it ended: completed, the undo it finished shown, every compensation in it.
  const status = await runNxrun(["status", runId, "-o", "json"]);
  expect(status.code, output(status)).toBe(0);
  const { run } = JSON.parse(status.stdout) as {
    run: { state: string; steps: Array<{ id: string; section: string; state: string; executions?: string[] }> };
  };
  expect(run.state).toBe("completed");
  const undoViews = run.steps.filter((s) => s.section === "compensate");
  expect(
    // Each labelled by the attempt it undid (attempt 1: no @), as the killed session labelled it.
    undoViews.every((s) => /^[^@]+\.compensate$/.test(s.id) && s.state === "completed"),
    status.stdout,
  ).toBe(true);
  expect(undoViews.flatMap((s) => s.executions ?? []).sort()).toEqual(items.map((i) => i.undo).sort());
  return { resumed, inputs: undone.map((u) => u.input?.[0] as Record<string, unknown>) };
}

describe("resume after a rollback killed part-way", () => {
  it("finishes the undo of a repeat step's items, each with its last check's output", async () => {
    const runId = uniqueId("repeat-undo");
    const key = uniqueId("repeat-undo");
    // Each item polls until its second check says healthy; later items check slower, so they end later.
    const pipeline = files({
      "pipeline.yaml": `
nxrun: 1
name: repeat-undo
defaults: { taskQueue: {{queue}} }
steps:
  - id: polls
    forEach: "{% [0..3] %}"
    concurrency: ${CONCURRENCY}
    activity: checkHealth
    timeouts: { startToClose: 1m }
    input: { recordKey: "{% '${key}-poll-' & $item %}", healthyOnCall: 2, ms: "{% 100 + $item * 200 %}" }
    repeat: { until: "{% $output.healthy %}", every: 100ms, limit: 5 }${undo(key, `item: "{% $item %}", call: "{% $output.call %}"`)}
${gate("polls", key)}`,
    });
    const items = ITEMS.map((i) => ({
      work: `${runId}.polls.${i}.check-2`,
      undo: `${runId}.polls.${i}.compensate`,
      again: `${runId}.polls@2.${i}.check-1`,
    }));
    const { resumed, inputs } = await killAndResume(pipeline, runId, key, items);
    expect(inputs).toEqual(ITEMS.map((i) => ({ ms: 2500, recordKey: key, item: i, call: 2 })));
    expect(resumed.report?.steps.find((s) => s.id === "polls.compensate")?.status, output(resumed)).toBe("completed");
  });

  it("finishes the undo of a forEach over uses, each item's steps with that item's inputs", async () => {
    const runId = uniqueId("uses-undo");
    const key = uniqueId("uses-undo");
    const pipeline = files({
      "pipeline.yaml": `
nxrun: 1
name: uses-undo
defaults: { taskQueue: {{queue}} }
steps:
  - id: dbs
    forEach: "{% [0..3] %}"
    concurrency: ${CONCURRENCY}
    uses: ./db.yaml
    with: { name: "{% 'db' & $item %}", ms: "{% 200 + $item * 200 %}" }
${gate("dbs", key)}`,
      "db.yaml": `
nxrun: 1
name: db
inputs:
  name: { type: string }
  ms: { type: integer }
defaults: { taskQueue: {{queue}} }
steps:
  - id: create
    activity: sleepFor
    timeouts: { startToClose: 1m }
    input: { ms: "{% $inputs.ms %}" }${undo(key, `name: "{% $inputs.name %}", slept: "{% $output.slept %}"`)}
`,
    });
    const items = ITEMS.map((i) => ({
      work: `${runId}.dbs.${i}.create`,
      undo: `${runId}.dbs.${i}.create.compensate`,
      again: `${runId}.dbs@2.${i}.create`,
    }));
    const { resumed, inputs } = await killAndResume(pipeline, runId, key, items);
    expect(inputs).toEqual(ITEMS.map((i) => ({ ms: 2500, recordKey: key, name: `db${i}`, slept: 200 + i * 200 })));
    // Shown as what it undid: each item's step under the uses step.
    const shown = resumed.report?.steps.filter((s) => s.id.startsWith("dbs[") && s.section === "compensate");
    expect(shown?.every((s) => s.parent === "dbs" && /^dbs\[\d\]\.create\.compensate$/.test(s.id))).toBe(true);
  });

  it("finishes the undo of a forEach step inside a used pipeline, with the used pipeline's inputs", async () => {
    const runId = uniqueId("inner-undo");
    const key = uniqueId("inner-undo");
    const pipeline = files({
      "pipeline.yaml": `
nxrun: 1
name: inner-undo
defaults: { taskQueue: {{queue}} }
steps:
  - id: infra
    uses: ./hosts.yaml
    with: { zone: eu-west }
${gate("infra", key)}`,
      "hosts.yaml": `
nxrun: 1
name: hosts
inputs:
  zone: { type: string }
defaults: { taskQueue: {{queue}} }
steps:
  - id: hosts
    forEach: "{% [0..3] %}"
    concurrency: ${CONCURRENCY}
    activity: sleepFor
    timeouts: { startToClose: 1m }
    input: { ms: "{% 200 + $item * 200 %}" }${undo(key, `zone: "{% $inputs.zone %}", item: "{% $item %}"`)}
`,
    });
    const items = ITEMS.map((i) => ({
      work: `${runId}.infra.hosts.${i}`,
      undo: `${runId}.infra.hosts.${i}.compensate`,
      again: `${runId}.infra.hosts@2.${i}`,
    }));
    const { resumed, inputs } = await killAndResume(pipeline, runId, key, items);
    expect(inputs).toEqual(ITEMS.map((i) => ({ ms: 2500, recordKey: key, zone: "eu-west", item: i })));
    const shown = resumed.report?.steps.find((s) => s.id === "infra.hosts.compensate");
    expect(shown?.parent, output(resumed)).toBe("infra");
    expect(shown?.items).toHaveLength(ITEMS.length);
  });
});
