/**
 * The rollback of a `--resume RUN --from X` session stopped by Ctrl-C (issue 33, items 2, 6 and 8):
 * every completed execution with a `compensate` is undone exactly once, in reverse completion order,
 * the earlier attempts the session reran (`poll@1`, each item of `fan@1`) and the steps it read back
 * included; one an earlier rollback undid is never undone again. What ran is read from the server
 * (each compensation's execution, counted by ID) and from what the worker saw.
 */
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { activityStatus, handlerRecord, uniqueId, waitFor, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile, type RunResult, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";

// a <- poll <- fan (two items, one at a time) <- last. Each completed output carries the time its
// attempt was made (`made`), so the worker's record of an undo tells which attempt it undid.
const PIPELINE = `
nxrun: 1
name: from-undo
inputs:
  key: { type: string }
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 1m, heartbeat: 2s }
  retry: { maximumAttempts: 1 }
steps:
  - id: a
    activity: echo
    input: { step: a, made: "{% $millis() %}" }
    compensate:
      activity: recordEvent
      args: ["{% $inputs.key %}", { event: undo, step: a, made: "{% $output.made %}" }]
  - id: poll
    needs: [a]
    activity: echo
    input: { step: poll, made: "{% $millis() %}" }
    compensate:
      activity: recordEvent
      args: ["{% $inputs.key %}", { event: undo, step: poll, made: "{% $output.made %}" }]
  - id: fan
    needs: [poll]
    forEach: [x, y]
    concurrency: 1
    activity: echo
    input: { step: fan, item: "{% $item %}", made: "{% $millis() %}" }
    compensate:
      activity: recordEvent
      args: ["{% $inputs.key %}", { event: undo, step: fan, item: "{% $item %}", made: "{% $output.made %}" }]
  - id: last
    needs: [fan]
    activity: slow
    input: { recordKey: "{% $inputs.key & '-last' %}", ms: 2000, heartbeatMs: 200 }
    compensate:
      activity: recordEvent
      args: ["{% $inputs.key %}", { event: undo, step: last, made: 0 }]
`;

/** A `--resume --from poll` session, Ctrl-C once its `last` has started (the `starts`-th start of it). */
async function interruptedFrom(file: string, runId: string, key: string, starts: number): Promise<RunResult> {
  let child: ChildProcess | undefined;
  const running = runPipelineFile(file, ["--resume", runId, "--from", "poll"], {
    runId,
    onSpawn: (c) => (child = c),
  });
  await waitFor(`start ${starts} of ${runId}.last`, () =>
    handlerRecord(`${key}-last`).filter((r) => r.event === "started").length >= starts ? true : undefined,
  );
  child?.kill("SIGINT");
  const result = await running;
  expect(result.code, output(result)).toBe(130);
  return result;
}

/** What the worker's compensations saw, in the order they ran: the step, its item, its attempt's time. */
function undos(key: string): Array<{ step: unknown; item?: unknown; made: unknown }> {
  return handlerRecord(key).map(({ step, item, made }) => ({ step, ...(item === undefined ? {} : { item }), made }));
}

/** When the attempt a session's record holds for `id` (item `index` of a forEach) was made: its output's `made`. */
function madeAt(result: RunResult, id: string, index?: number): unknown {
  const record = stepOf(result, id);
  const out = (index === undefined ? record.output : record.items?.[index]?.output) as { made?: unknown } | undefined;
  expect(out?.made, `${id} ${index ?? ""}`).toEqual(expect.any(Number));
  return out?.made;
}

describe("a --from session stopped by Ctrl-C", () => {
  it("undoes every completed execution once, earlier attempts and read-back steps too, latest first", async () => {
    const key = uniqueId("from-undo");
    const file = pipelineFile(PIPELINE);
    const first = await runPipelineFile(file, ["-i", `key=${key}`]);
    expect(first.code, output(first)).toBe(0);
    const { runId } = first;

    // Session 2 reruns poll, fan and last (poll@2, fan@2, last@2) and reads a back; Ctrl-C during last@2.
    const second = await interruptedFrom(file, runId, key, 2);
    expect(stepOf(second, "a")).toMatchObject({ reused: true });
    expect(stepOf(second, "last").status).toBe("canceled");
    // Reverse completion order, by when each closed: this session's poll@2 and fan@2 items, then
    // the first session's last, fan items, poll, and a (read back); last@2 never completed.
    const undoneBySecond = [
      { step: "fan", item: "y", made: madeAt(second, "fan", 1) },
      { step: "fan", item: "x", made: madeAt(second, "fan", 0) },
      { step: "poll", made: madeAt(second, "poll") },
      { step: "last", made: 0 },
      { step: "fan", item: "y", made: madeAt(first, "fan", 1) },
      { step: "fan", item: "x", made: madeAt(first, "fan", 0) },
      { step: "poll", made: madeAt(first, "poll") },
      { step: "a", made: madeAt(first, "a") },
    ];
    expect(undos(key)).toEqual(undoneBySecond);
    expect(madeAt(second, "poll")).not.toEqual(madeAt(first, "poll"));
    // The report shows each undo under the attempt it undid, as its execution ID has it: the
    // earlier session's (poll.compensate) apart from this session's own (poll@2.compensate).
    for (const id of [
      "poll.compensate",
      "fan.compensate",
      "last.compensate",
      "a.compensate",
      "poll@2.compensate",
      "fan@2.compensate",
    ])
      expect(stepOf(second, id).status, id).toBe("completed");

    // The server: each compensation ran once, under the ID of the attempt it undid.
    const compensations = ["a", "poll", "poll@2", "last", "fan.0", "fan.1", "fan@2.0", "fan@2.1"].map(
      (k) => `${runId}.${k}.compensate`,
    );
    for (const id of compensations) expect(await activityStatus(id), id).toBe("COMPLETED");
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.' AND ActivityType = 'recordEvent'`, 8);

    // Session 3 reruns what the rollback undid (a@2, poll@3, fan@3) and last@3; Ctrl-C again: it
    // undoes only its own work, never an attempt an earlier rollback undid.
    const third = await interruptedFrom(file, runId, key, 3);
    expect(stepOf(third, "a").execution?.executionId).toBe(`${runId}.a@2`);
    expect(undos(key).slice(undoneBySecond.length)).toEqual([
      { step: "fan", item: "y", made: madeAt(third, "fan", 1) },
      { step: "fan", item: "x", made: madeAt(third, "fan", 0) },
      { step: "poll", made: madeAt(third, "poll") },
      { step: "a", made: madeAt(third, "a") },
    ]);
    for (const id of [
      ...compensations,
      ...["a@2", "poll@3", "fan@3.0", "fan@3.1"].map((k) => `${runId}.${k}.compensate`),
    ])
      await waitForCount("activity", `ActivityId = '${id}'`, 1);
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.' AND ActivityType = 'recordEvent'`, 12);
  });
});
