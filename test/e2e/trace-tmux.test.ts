// `--trace` under the Ink view in a real terminal (tmux, a real pty): a collector that cannot be reached
// costs one warning, said after the view's last frame. A line written to the terminal while Ink draws
// lands inside its frames; here every frame read while the run goes, the settled pane and the bytes the
// terminal got show it never does, on a run that completes (test/e2e/run/trace.test.ts has the
// refusing collector and Ctrl-C).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stack, writePipeline } from "../support/e2e/harness.js";
import { exitCodeInTmux, pane, paneHistory, settledPane, startInTmux, stopTmux } from "../support/e2e/tmux.js";

afterAll(stopTmux);

const WARNING = "nxrun: warning: spans could not be sent to the OpenTelemetry collector";

describe("--trace with the Ink view", () => {
  it("says the unreachable collector once, after the view's last frame, never across it", async () => {
    // `quick` ends early, so its span is exported (and refused) while `slow` still runs under the view.
    const file = writePipeline(`
nxrun: 1
name: traced-view
defaults: { taskQueue: ${stack().taskQueue} }
steps:
  - id: quick
    activity: echo
    input: 1
  - id: slow
    needs: [quick]
    activity: sleepFor
    input: { ms: 9000 }
`);
    const session = "trace-dead-collector";
    const rawLog = join(file, "..", "terminal.log");
    const env = {
      TEMPORAL_ADDRESS: stack().address,
      TEMPORAL_NAMESPACE: stack().namespace,
      // Port 9 (discard) is closed on loopback: every export is refused at once.
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
    };
    const { exitFile } = startInTmux(session, [file, "--trace"], env, { rawLog });

    // The frames while the run goes, read as a person would see them, until nxrun exits.
    const frames: string[] = [];
    let exited = false;
    const code = exitCodeInTmux(exitFile, 90_000).finally(() => {
      exited = true;
    });
    while (!exited) {
      frames.push(pane(session));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(await code).toBe("0");
    const live = frames.filter((frame) => /▶ 1 running/.test(frame));
    // The run went on long enough for the exporter to fail under the view (its batch is sent every 5 s).
    expect(live.length).toBeGreaterThan(10);
    for (const frame of live) expect(frame).not.toContain("nxrun: warning");

    const screen = await settledPane(session, { join: true });
    const history = paneHistory(session);
    const bytes = readFileSync(rawLog, "utf8");
    // Once, and last: below the view's final record, which is whole (its header and summary once).
    expect(history.split(WARNING)).toHaveLength(2);
    expect(screen.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`^${WARNING}`));
    expect(history.match(/^traced-view {2}run /gm)).toHaveLength(1);
    expect(history.match(/✔ Run completed in/g)).toHaveLength(1);
    // In the bytes: after the warning, no cursor move or erase of Ink's (a redraw would start with one).
    const after = bytes.slice(bytes.indexOf(WARNING));
    expect(after).not.toMatch(/\u001b\[\d*[ABJK]/);
  });
});
