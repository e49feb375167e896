// A server that answers the awaits "not now" (RESOURCE_EXHAUSTED) for longer than one call retries:
// a dev server whose per-namespace limit on concurrent long polls per API (`frontend.namespaceCount`,
// FrontendMaxConcurrentLongRunningRequestsPerInstance in the server) is 2, and a forEach of 8 activities that
// each run 8 s. Seven of the twelve PollActivityExecution calls are refused "namespace concurrent poller
// limit exceeded" until the first ones close. Awaiting a known execution keeps trying
// (src/temporal/retry-rule.ts), so the run completes, and the busy state shows while it lasts.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../../src/engine/events.js";
import { uniqueId, writePipeline } from "../../support/e2e/harness.js";
import { ownServer } from "../../support/e2e/own-server.js";
import { output, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { exitCodeInTmux, paneShowing, startInTmux, stopTmux } from "../../support/e2e/tmux.js";
import { ndjsonEvents } from "../../support/output-schemas.js";

const own = ownServer({ taskQueue: "nxrun-busy-server", dynamicConfig: { "frontend.namespaceCount": 5 } });
const taskQueue = own.taskQueue;
afterAll(stopTmux);

const pipeline = () =>
  writePipeline(`
nxrun: 1
name: busy
defaults:
  taskQueue: ${taskQueue}
steps:
  - id: naps
    forEach: "{% [1..12] %}"
    concurrency: 12
    activity: sleepFor
    input: { ms: 8000 }
    timeouts: { startToClose: 1m }
`);

describe("a server that says it is busy for longer than one call retries", () => {
  it("NDJSON: the run completes; items show the busy state (schema-valid) and then leave it", async () => {
    const result = await runPipelineFile(pipeline(), ["-o", "json"], {
      address: own.server.address,
      timeoutMs: 120_000,
    });
    expect(result.code, output(result)).toBe(0);
    expect(stepOf(result, "naps").status).toBe("completed");
    const events = ndjsonEvents(result.stdout);
    const progress = events.filter((e): e is ProgressEvent & { event: string } => e.event === "progress");
    const busy = progress.filter((e) => e.progress.server?.state === "busy");
    expect(busy.length, output(result)).toBeGreaterThan(0);
    expect(busy[0]?.progress).toMatchObject({
      trouble: true,
      server: { message: expect.stringMatching(/PollActivityExecution: namespace concurrent poller limit exceeded/) },
    });
    // Each item told busy is told again once the server answers it (the trouble ends before it closes).
    for (const index of new Set(busy.map((e) => e.index))) {
      const last = progress.filter((e) => e.index === index).at(-1);
      expect(last?.progress.server, `item ${index}`).toBeUndefined();
    }
  }, 150_000);

  it("plain: busy lines while it lasts, one per change, and the run completes", async () => {
    const result = await runPipelineFile(pipeline(), ["-o", "plain"], {
      address: own.server.address,
      timeoutMs: 120_000,
    });
    expect(result.code, output(result)).toBe(0);
    const lines = result.stdout.split("\n").filter((l) => /\bbusy\b/.test(l) && /naps\[\d+\]/.test(l));
    expect(lines.length, output(result)).toBeGreaterThan(0);
    expect(lines[0]).toMatch(
      /busy +naps\[\d+\]: server busy since \d\d:\d\d:\d\d, still waiting: Temporal at 127\.0\.0\.1:\d+ is rate limiting PollActivityExecution: namespace concurrent poller limit exceeded/,
    );
    // A line per change (the follower adds the worker), never one per refusal: no text twice.
    const texts = lines.map((l) => l.slice(l.indexOf("busy")));
    expect(new Set(texts).size, texts.join("\n")).toBe(texts.length);
  }, 150_000);

  it("the Ink view (tmux): the forEach counts the items the server keeps waiting, and shows the worst", async () => {
    const session = uniqueId("busy");
    const { exitFile } = startInTmux(session, ["run", pipeline()], {
      TEMPORAL_ADDRESS: own.server.address,
      TEMPORAL_NAMESPACE: "default",
    });
    const busy = await paneShowing(
      session,
      /\d+ items? in trouble · worst \[\d+\]: server busy since \d\d:\d\d:\d\d, still waiting: Temporal at/,
      60_000,
    );
    // Set NXRUN_CAPTURE_DIR to keep the capture (docs/tui-busy.txt is made this way).
    if (process.env.NXRUN_CAPTURE_DIR) writeFileSync(join(process.env.NXRUN_CAPTURE_DIR, "tui-busy.txt"), `${busy}\n`);
    await paneShowing(session, /Run completed/, 90_000);
    expect(await exitCodeInTmux(exitFile, 30_000)).toBe("0");
  }, 150_000);
});
