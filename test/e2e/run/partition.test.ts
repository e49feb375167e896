/**
 * A network partition that drops packets, between nxrun and the server (a proxy that stops
 * forwarding, test/support/e2e/partition-proxy.ts): no call fails, they only wait. nxrun says
 * "lost connection ... since ... (server not answering)" within 10 s of the cut, "reconnected"
 * once it heals, and the run goes on to complete. The since-time is the outage's start as nxrun
 * can know it: when it sent the first request that went unanswered, not its last answer; the
 * reconnected duration runs from then to the heal.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNxrun, stack, uniqueId, waitFor } from "../../support/e2e/harness.js";
import { type PartitionProxy, partitionProxy } from "../../support/e2e/partition-proxy.js";
import { output, pipelineFile, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { ndjsonEvents } from "../../support/output-schemas.js";

let proxy: PartitionProxy;
beforeAll(async () => {
  proxy = await partitionProxy(stack().address);
});
afterAll(async () => {
  await proxy?.close();
});

/** How long the server has said nothing before the cut: an old "since the last answer" falls outside the outage. */
const QUIET_BEFORE_CUT_MS = 500;
/** The request that was on its way at the cut, whose answer the cut held: it was sent that little before. */
const IN_FLIGHT_MS = 250;
/** Between nxrun sending a request and the proxy seeing it, or the proxy healing and nxrun reading the answer. */
const HOP_MS = 500;

/** `6.8s`, `12s`, `1m05s` (as nxrun prints a duration) in ms. */
function durationMs(text: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
}

describe("a network partition that drops packets", () => {
  it("is told within 10 s as the server not answering since the outage began, then reconnected after as long as it lasted", async () => {
    const file = pipelineFile(`
nxrun: 1
name: partition
defaults:
  taskQueue: {{queue}}
steps:
  - id: across
    activity: sleepFor
    input: { ms: 15000 }
    timeouts: { startToClose: 2m }
  - id: after
    activity: echo
    input: "{% $steps.across.output.slept %}"
`);
    let stdout = "";
    const runId = uniqueId("partition");
    const run = runPipelineFile(file, ["-o", "plain"], {
      runId,
      address: proxy.address,
      timeoutMs: 120_000,
      onSpawn: (child) => child.stdout?.on("data", (d: Buffer) => (stdout += d.toString())),
    });
    await waitFor("the step to be running", () => /running +across/.test(stdout), { timeoutMs: 60_000 });
    await waitFor("a moment between answers", () => Date.now() - proxy.serverSpokeAt >= QUIET_BEFORE_CUT_MS, {
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    proxy.cut();
    const cutAt = Date.now();
    await waitFor(
      "nxrun to say the server is not answering",
      () => /lost connection to .*server not answering/.test(stdout),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    expect(Date.now() - cutAt, stdout).toBeLessThanOrEqual(10_000);
    const healAt = Date.now();
    proxy.heal();
    const result = await run;

    expect(result.code, output(result)).toBe(0);
    const address = proxy.address.replace(/\./g, "\\.");
    const lost = new RegExp(
      `offline +lost connection to ${address}, retrying since (\\d\\d:\\d\\d:\\d\\d) \\(server not answering\\)`,
    );
    const back = new RegExp(`online +reconnected to ${address} after (\\S+)`);
    const shownSince = lost.exec(result.stdout)?.[1];
    const shownAfter = back.exec(result.stdout)?.[1];
    expect(shownSince, output(result)).toBeDefined();
    expect(shownAfter, output(result)).toBeDefined();
    expect(result.stdout.search(back)).toBeGreaterThan(result.stdout.search(lost));
    expect(stepOf(result, "after").output).toBe(15000);

    // The run's NDJSON has the same events to the millisecond.
    const watched = await runNxrun(["watch", runId, "-o", "json"]);
    const connection = ndjsonEvents<{ event: string; time: string; state: string; since: string }>(
      watched.stdout,
    ).filter((e) => e.event === "connection");
    expect(
      connection.map((e) => e.state),
      output(watched),
    ).toEqual(["lost", "reconnected"]);
    const [lostEvent, backEvent] = connection as [(typeof connection)[0], (typeof connection)[0]];
    const since = Date.parse(lostEvent.since);
    expect(backEvent.since).toBe(lostEvent.since);
    expect(shownSince).toBe(lostEvent.since.slice(11, 19));

    // Since lies within the outage: not before the cut (the server's last answer came before it),
    // and no later than the first request the cut held.
    const firstHeld = proxy.heldRequests[0];
    if (firstHeld === undefined) throw new Error(`the cut held no request\n${output(result)}`);
    expect(since).toBeGreaterThanOrEqual(cutAt - IN_FLIGHT_MS);
    expect(since).toBeLessThanOrEqual(firstHeld + HOP_MS);

    // Reconnected at the heal, after as long as the outage lasted from since: the hold's length,
    // less what passed before nxrun sent a request the cut left unanswered.
    const reconnectedAt = Date.parse(backEvent.time);
    const after = durationMs(shownAfter ?? "");
    expect(reconnectedAt - healAt).toBeGreaterThanOrEqual(0);
    expect(reconnectedAt - healAt).toBeLessThanOrEqual(HOP_MS);
    expect(Math.abs(after - (reconnectedAt - since))).toBeLessThanOrEqual(50);
    expect(after).toBeLessThanOrEqual(healAt - cutAt + IN_FLIGHT_MS + HOP_MS);
    expect(after).toBeGreaterThanOrEqual(healAt - firstHeld - HOP_MS);

    // Replayed later, the plain lines read the same: the duration is the outage's, not the clock's.
    const replayed = await runNxrun(["watch", runId, "-o", "plain"]);
    expect(lost.exec(replayed.stdout)?.[1], output(replayed)).toBe(shownSince);
    expect(back.exec(replayed.stdout)?.[1], output(replayed)).toBe(shownAfter);
  }, 150_000);
  it("two Ctrl-Cs during it: exit 130 within the terminate grace, with the runEnd event and the --report still written", async () => {
    const file = pipelineFile(`
nxrun: 1
name: partition-ctrl-c
defaults:
  taskQueue: {{queue}}
steps:
  - id: held
    activity: sleepFor
    input: { ms: 60000 }
    timeouts: { startToClose: 2m }
`);
    let stdout = "";
    let child: ChildProcess | undefined;
    const run = runPipelineFile(file, ["-o", "json"], {
      address: proxy.address,
      timeoutMs: 120_000,
      onSpawn: (spawned) => {
        child = spawned;
        spawned.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
      },
    });
    try {
      await waitFor("the step to be running", () => stdout.includes('"event":"stepUpdate"'), { timeoutMs: 60_000 });
      proxy.cut();
      child?.kill("SIGINT");
      await waitFor("the run to be cancelling", () => stdout.includes('"event":"cancelling"'), { timeoutMs: 30_000 });
      child?.kill("SIGINT");
      const secondAt = Date.now();
      const result = await run;
      // The terminate grace (5 s) and the bounded writes after it (3 s), with room for a loaded machine.
      expect(Date.now() - secondAt, output(result)).toBeLessThan(15_000);
      expect(result.code, output(result)).toBe(130);
      expect(result.stderr).toContain("the server did not answer the terminate requests");
      const last = ndjsonEvents<{ event: string }>(result.stdout).at(-1);
      expect(last?.event, output(result)).toBe("runEnd");
      expect(result.report?.runId, output(result)).toBe(result.runId);
      expect(result.report?.status).not.toBe("completed");
    } finally {
      proxy.heal();
    }
  }, 150_000);
});
