/**
 * `repeat:` end to end against the real server and the test worker's `checkHealth` activity, which
 * turns healthy on its n-th call and records every call it served: the record proves which attempts
 * really ran, the server's count proves how many executions exist.
 */
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { handlerRecord, uniqueId, waitFor, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();

const poll = (key: string, healthyOnCall: number | undefined, repeat: string, extra = "") =>
  pipelineFile(`
nxrun: 1
name: repeat-e2e
defaults:
  taskQueue: {{queue}}
steps:
  - id: poll
    activity: checkHealth
    input: { recordKey: ${key}${healthyOnCall === undefined ? "" : `, healthyOnCall: ${healthyOnCall}`}, ms: 300 }
    repeat: ${repeat}${extra}
  - id: after
    activity: echo
    input: { call: "{% $steps.poll.output.call %}", error: "{% $steps.poll.error.type %}" }
outputs:
  call: "{% $steps.after.output.call %}"
  error: "{% $steps.after.output.error %}"
`);

/** Runs the pipeline as `runId`, SIGKILLs nxrun once `when` holds, and expects it to have died of it. */
async function killWhen(file: string, runId: string, what: string, when: () => boolean | Promise<boolean>) {
  let child: ChildProcess | undefined;
  const killed = runPipelineFile(file, [], { runId, onSpawn: (c) => (child = c) });
  await waitFor(what, when, { timeoutMs: 60_000 });
  child?.kill("SIGKILL");
  const first = await killed;
  expect(first.signal, output(first)).toBe("SIGKILL");
}

describe.concurrent("repeat", () => {
  it("succeeds on attempt 3: three executions on the server, the last one's output is the step's", async () => {
    const key = uniqueId("repeat3");
    const file = poll(key, 3, `{ until: "{% $output.healthy and $attempt >= 1 %}", every: 1s, limit: 5 }`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    const step = stepOf(result, "poll");
    expect(step.status).toBe("completed");
    expect(step.output).toEqual({ healthy: true, call: 3 });
    expect(step.repeat).toMatchObject({ attempt: 3, limit: 5 });
    expect(step.execution?.executionId).toBe(`${result.runId}.poll.check-3`);
    expect(result.report?.outputs).toMatchObject({ call: 3 });
    expect(result.stdout).toMatch(
      /check\s+poll check 1\/5, next in (?:\d+|0\.\d) s, last output \{"healthy":false,"call":1\}/,
    );
    expect(result.stdout).toMatch(/check\s+poll check 2\/5/);
    expect(handlerRecord(key).map((r) => r.id)).toEqual([1, 2, 3].map((n) => `${result.runId}.poll.check-${n}`));
    await waitForCount("activity", `ActivityId STARTS_WITH '${result.runId}.poll.'`, 3);
  });

  it("reaching the limit fails the step with RepeatLimitReached; onError: continue lets the run go on", async () => {
    const key = uniqueId("repeatlimit");
    const file = poll(
      key,
      undefined,
      `{ until: "{% $output.healthy %}", every: 500ms, limit: 3 }`,
      "\n    onError: continue",
    );
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    const step = stepOf(result, "poll");
    expect(step.status).toBe("failed");
    expect(step.error?.type).toBe("RepeatLimitReached");
    expect(step.error?.message).toMatch(
      /still false after 3 checks \(limit 3\); last output \{"healthy":false,"call":3\}/,
    );
    expect(result.report?.outputs).toEqual({ call: 3, error: "RepeatLimitReached" });
    expect(handlerRecord(key)).toHaveLength(3);
    await waitForCount("activity", `ActivityId STARTS_WITH '${result.runId}.poll.'`, 3);
  });

  it("without onError: continue, the limit fails the run", async () => {
    const key = uniqueId("repeatfail");
    const file = poll(key, undefined, `{ until: "{% $output.healthy %}", every: 200ms, limit: 2 }`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(1);
    expect(stepOf(result, "poll").error?.type).toBe("RepeatLimitReached");
    expect(stepOf(result, "after").status).toBe("skipped");
  });

  it("killed mid-way and resumed: the count goes on, no attempt runs twice", async () => {
    const key = uniqueId("repeatresume");
    const file = poll(key, 5, `{ until: "{% $output.healthy %}", every: 1s, limit: 10 }`);
    const runId = uniqueId("represume");
    await killWhen(file, runId, "two checks to have run", () => handlerRecord(key).length >= 2);
    const before = handlerRecord(key).length;
    expect(before).toBeLessThan(5);

    const resumed = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(resumed.code, output(resumed)).toBe(0);
    expect(stepOf(resumed, "poll").output).toEqual({ healthy: true, call: 5 });
    expect(stepOf(resumed, "poll").repeat?.attempt).toBe(5);
    // Every call the handler served is a different attempt, in order: none ran twice.
    expect(handlerRecord(key).map((r) => r.id)).toEqual([1, 2, 3, 4, 5].map((n) => `${runId}.poll.check-${n}`));
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.poll.'`, 5);
    for (let n = 1; n <= 5; n++)
      expect((await client.activities.describe(`${runId}.poll.check-${n}`)).status).toBe("completed");
  });

  it("killed and resumed: the timeout still counts from attempt 1's start on the server", async () => {
    const key = uniqueId("repeattimeout");
    const file = poll(
      key,
      undefined,
      `{ until: "{% $output.healthy %}", every: 1s, timeout: 8s }`,
      "\n    onError: continue",
    );
    const runId = uniqueId("reptimeout");
    await killWhen(file, runId, "two checks to have run", () => handlerRecord(key).length >= 2);

    const resumed = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(resumed.code, output(resumed)).toBe(0);
    const step = stepOf(resumed, "poll");
    expect(step.error?.type).toBe("RepeatTimedOut");
    // The deadline is the server's schedule time of check 1 plus 8 s, not the resume's start plus 8 s.
    const first = await client.activities.describe(`${runId}.poll.check-1`);
    expect(first.startTime).toBeDefined();
    expect(step.repeat?.timeoutAt).toBe(new Date((first.startTime as Date).getTime() + 8000).toISOString());
    // No check began after the deadline: every check the server holds was scheduled before it.
    const checks = handlerRecord(key).map((r) => r.id as string);
    expect(new Set(checks).size).toBe(checks.length);
    for (const id of checks) {
      const started = (await client.activities.describe(id)).startTime as Date;
      expect(started.getTime()).toBeLessThan(Date.parse(step.repeat?.timeoutAt ?? ""));
    }
  });

  it("resumed after its timeout passed, a repeat that had ended is read back, not timed out", async () => {
    const key = uniqueId("repeatover");
    const runId = uniqueId("repover");
    const file = pipelineFile(`
nxrun: 1
name: repeat-over
defaults:
  taskQueue: {{queue}}
steps:
  - id: poll
    activity: checkHealth
    input: { recordKey: ${key}, healthyOnCall: 2 }
    repeat: { until: "{% $output.healthy %}", every: 300ms, timeout: 3s }
  - id: hold
    needs: [poll]
    activity: sleepFor
    input: { ms: 6000 }
`);
    const running = async () => {
      try {
        return (await client.activities.describe(`${runId}.hold`)).status === "running";
      } catch {
        return false;
      }
    };
    await killWhen(file, runId, "the step after the repeat to run", running);
    const first = (await client.activities.describe(`${runId}.poll.check-1`)).startTime as Date;
    await waitFor("the repeat's timeout to have passed", () => Date.now() > first.getTime() + 3500, {
      timeoutMs: 10_000,
    });

    const resumed = await runPipelineFile(file, ["--resume", runId], { runId });
    expect(resumed.code, output(resumed)).toBe(0);
    const poll = stepOf(resumed, "poll");
    expect(poll.status).toBe("completed");
    expect(poll.output).toEqual({ healthy: true, call: 2 });
    expect(poll.repeat?.attempt).toBe(2);
    expect(handlerRecord(key)).toHaveLength(2);
  });

  it("per forEach item: each item polls on its own, under its own IDs", async () => {
    const key = uniqueId("repeatitems");
    const file = pipelineFile(`
nxrun: 1
name: repeat-items
defaults:
  taskQueue: {{queue}}
steps:
  - id: poll
    forEach: [1, 2]
    activity: checkHealth
    input: { recordKey: "{% '${key}-' & $string($item) %}", healthyOnCall: "{% $item %}" }
    repeat: { until: "{% $output.healthy and $item = $output.call %}", every: 300ms, timeout: 1m }
`);
    const result = await runPipelineFile(file);
    expect(result.code, output(result)).toBe(0);
    expect(stepOf(result, "poll").output).toEqual([
      { healthy: true, call: 1 },
      { healthy: true, call: 2 },
    ]);
    expect(stepOf(result, "poll").items?.map((item) => item.repeat?.attempt)).toEqual([1, 2]);
    await waitForCount("activity", `ActivityId STARTS_WITH '${result.runId}.poll.0.check-'`, 1);
    await waitForCount("activity", `ActivityId STARTS_WITH '${result.runId}.poll.1.check-'`, 2);
  });
});
