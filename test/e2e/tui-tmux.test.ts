// The Ink view in a real terminal: nxrun runs under tmux (a real pty, so stdout is a TTY and Ctrl-C is
// turned into SIGINT by the terminal) against the real server and test worker. The test reads the pane
// as a person would, sends Ctrl-C once and then again, and checks what the screen said each time.
// Set NXRUN_CAPTURE_DIR to keep the pane captures (docs/tui-*.txt are made this way).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stack, uniqueId, writePipeline } from "../support/e2e/harness.js";
import { exitCodeInTmux, paneShowing, settledPane, startInTmux, stopTmux, tmux } from "../support/e2e/tmux.js";

afterAll(stopTmux);

/** Keeps a pane capture when NXRUN_CAPTURE_DIR is set. */
function keep(name: string, text: string): void {
  const dir = process.env.NXRUN_CAPTURE_DIR;
  if (dir) writeFileSync(join(dir, `tui-${name}.txt`), `${text}\n`);
}

const env = () => ({ TEMPORAL_ADDRESS: stack().address, TEMPORAL_NAMESPACE: stack().namespace });

describe("the Ink view under tmux", () => {
  it("shows progress, then what Ctrl-C does, then terminates on the second Ctrl-C", async () => {
    const key = uniqueId("tui");
    const file = writePipeline(`
nxrun: 1
name: tui-demo
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 5m, heartbeat: 10s }
steps:
  - id: warmup
    activity: echo
    input: { hello: world }
  - id: work
    needs: [warmup]
    activity: slow
    summary: works until cancelled, then cleans up for a minute
    input: { recordKey: ${key}, cleanupMs: 60000 }
  - id: fan
    needs: [warmup]
    forEach: "{% [1..60] %}"
    concurrency: 1
    toleratedFailures: 20
    activity: fail
    input:
      message: "{% 'shard ' & $item & ' is read-only' %}"
      type: ShardReadOnly
      nonRetryable: true
      succeedOnAttempt: "{% $item % 7 = 0 ? 2 : 1 %}"
  - id: left
    activity: slow
    cancellation: abandon
    input: { recordKey: ${key}-abandoned, ms: 30000 }
`);
    const session = "cancel";
    const { exitFile } = startInTmux(session, [file], env());

    const start = await paneShowing(session, /fan .*\d+\/60/);
    keep("start", start);
    expect(start).toMatch(/^tui-demo {2}run tui-demo-/m);
    expect(start).toContain(`${stack().address} · namespace ${stack().namespace}`);
    expect(start).toMatch(/✔ warmup/);
    expect(start).toMatch(/├ [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] work .*works until cancelled/);
    expect(start).toContain("Ctrl-C to cancel");

    // Items 7, 14, ... fail (non-retryable); the rest complete.
    const progress = await paneShowing(session, /fan .* (1[5-9]|[2-5]\d)\/60 .*▶ 1 running/);
    keep("foreach", progress);
    expect(progress).toMatch(/✖ \[6\] ShardReadOnly \(non-retryable\): shard 7 is read-only/);
    expect(progress).toMatch(/✖ [1-9] failed/);

    tmux("send-keys", "-t", session, "C-c");
    const cancelling = await paneShowing(session, "Ctrl-C again to terminate");
    keep("cancelling", cancelling);
    expect(cancelling).toContain("Cancelling: interrupted.");
    expect(cancelling).toMatch(/work +waitCompleted +requesting cancellation, waiting for the execution to close/);
    // The panel follows the steps: `left` was abandoned at once, so it is no longer waited for.
    expect(cancelling).toMatch(/↗ left /);
    expect(cancelling).not.toMatch(/left +abandon +abandoning/);

    tmux("send-keys", "-t", session, "C-c");
    const code = await exitCodeInTmux(exitFile, 30_000);
    const end = await settledPane(session);
    keep("terminated", end);
    expect(code).toBe("130");
    expect(end).toMatch(/Terminating \d+ executions? nxrun was waiting on|☠ work|terminated/);
  });

  it("a second Ctrl-C that lands on a finally step is named as the cause, not the step", async () => {
    const key = uniqueId("tui-finally");
    const file = writePipeline(`
nxrun: 1
name: tui-second-interrupt
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 5m, heartbeat: 10s }
steps:
  - id: work
    activity: slow
    input: { recordKey: ${key} }
finally:
  - id: audit
    activity: slow
    input: { recordKey: ${key}-audit, ms: 120000 }
`);
    const session = "second-interrupt";
    const { exitFile } = startInTmux(session, [file], env());
    await paneShowing(session, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] work /);
    tmux("send-keys", "-t", session, "C-c");
    await paneShowing(session, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] audit /);
    tmux("send-keys", "-t", session, "C-c");
    const code = await exitCodeInTmux(exitFile, 30_000);
    const end = await settledPane(session);
    keep("second-interrupt", end);
    expect(code).toBe("130");
    expect(end).toMatch(/☠ audit/);
    expect(end).toContain("terminated by nxrun (interrupted twice)");
    // The run's error, wrapped to the width: read as one text.
    expect(end.replace(/\s+/g, " ")).toContain(
      "interrupted twice: the second Ctrl-C terminated the executions nxrun was waiting on",
    );
    expect(end).not.toContain("step 'audit' terminated");
    expect(end.split("\n").at(-1)).toMatch(/^✖ Run canceled in /);
  });

  it("stays responsive with a 1 MB failure message: it redraws, answers Ctrl-C at once, shows the message cut", async () => {
    const huge = (attempts: number) =>
      writePipeline(`
nxrun: 1
name: tui-huge-message
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
steps:
  - id: huge
    activity: fail
    retry: { maximumAttempts: ${attempts}, initialInterval: 2s, backoffCoefficient: 1 }
    input: { message: "the upstream answered with its whole page", type: HugeFailure, messageLength: 1000000 }
`);
    // Retrying: the view goes on redrawing (its clock moves) with the message on screen, and a
    // Ctrl-C is answered within a few frames, not minutes.
    const session = "huge-message";
    const first = startInTmux(session, [huge(20)], env(), { columns: 80, rows: 24 });
    const retrying = await paneShowing(session, /retrying in \d+ s/, 60_000);
    // The server may refuse a failure this large and record its own in its place (ServerFailure).
    expect(retrying).toMatch(/↻ attempt \d+ of 20 failed: \w+.* · retrying in \d+ s$/m);
    const clock = retrying.match(/· ([\d.]+m?s) {2}· Ctrl-C to cancel/)?.[1];
    await paneShowing(session, new RegExp(`· (?!${clock?.replace(".", "\\.")} )[\\d.]+m?s  · Ctrl-C to cancel`), 5_000);
    tmux("send-keys", "-t", session, "C-c");
    await paneShowing(session, /Cancelling: interrupted\.|Run canceled/, 5_000);
    expect(await exitCodeInTmux(first.exitFile, 30_000)).toBe("130");

    // Failed: the final record shows the message whole up to the bound of terminal text, then says
    // how much more there is and where.
    const second = startInTmux("huge-message-end", [huge(2)], env(), { columns: 80, rows: 24 });
    expect(await exitCodeInTmux(second.exitFile, 60_000)).toBe("1");
    const end = await settledPane("huge-message-end");
    expect(end.replace(/\s+/g, " ")).toMatch(
      /✖ HugeFailure \(retryable\): the upstream answered with its whole page .* … 999,\d{3} more characters, full text in --report/,
    );
    expect(end.length).toBeLessThan(10_000);
  });

  it("shows a failure with its type, whether it is retryable, and its cause chain", async () => {
    const file = writePipeline(`
nxrun: 1
name: tui-failure
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
steps:
  - id: ok
    activity: echo
    input: 1
  - id: broken
    needs: [ok]
    activity: fail
    input: { message: "the database refused the migration", type: MigrationFailed, nonRetryable: true }
`);
    const session = "failure";
    const { exitFile } = startInTmux(session, [file], env());
    const code = await exitCodeInTmux(exitFile);
    const end = await settledPane(session);
    keep("failure", end);
    expect(code).toBe("1");
    expect(end).toMatch(/✖ broken/);
    expect(end).toContain("MigrationFailed (non-retryable): the database refused the migration");
    expect(end).toContain("↳ caused by QuotaError (non-retryable): disk quota exceeded");
    expect(end).toMatch(/✖ Run failed/);
  });

  it("with the Web UI's address and no OSC 8 (tmux 3.3), prints the failed step's page in full after the view", async () => {
    const file = writePipeline(`
nxrun: 1
name: tui-ui-link
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
steps:
  - id: broken
    activity: fail
    input: { message: "refused", type: Refused, nonRetryable: true }
`);
    const session = "ui-link";
    const runId = uniqueId("tui-ui");
    const { exitFile } = startInTmux(session, [file, "--run-id", runId, "--ui-url", "http://127.0.0.1:8233/"], {
      ...env(),
      FORCE_HYPERLINK: "0",
    });
    const code = await exitCodeInTmux(exitFile);
    expect(code).toBe("1");
    // -J joins the lines the terminal wrapped: the URL is one line of output, longer than the pane.
    const joined = await settledPane(session, { join: true });
    expect(joined).toMatch(/✖ broken/);
    expect(joined).toMatch(
      new RegExp(
        `Temporal Web UI:\\n  broken  http://127\\.0\\.0\\.1:8233/namespaces/default/activities/${runId}\\.broken/[0-9a-f-]{36}/details\\n`,
      ),
    );
  });

  it("asks a confirm step's question; y approves and the run goes on", async () => {
    const file = writePipeline(`
nxrun: 1
name: tui-confirm
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
steps:
  - id: approve
    confirm: Ship it?
  - id: ship
    needs: [approve]
    activity: echo
    input: shipped
outputs:
  result: "{% $steps.ship.output %}"
`);
    const session = "confirm-yes";
    const { exitFile } = startInTmux(session, [file], env());
    const asking = await paneShowing(session, "Ship it? (y/n)");
    keep("confirm", asking);
    expect(asking).toContain("y/n to answer");
    tmux("send-keys", "-t", session, "y");
    const code = await exitCodeInTmux(exitFile, 30_000);
    const end = await settledPane(session);
    expect(code).toBe("0");
    expect(end).toMatch(/✔ approve/);
    expect(end).toMatch(/✔ ship/);
    expect(end).toContain('result = "shipped"');
    expect(end).not.toContain("(y/n)");
  });

  it("at 60 columns, answers a key that is not y or n with 'press y or n', the hint whole on its line", async () => {
    const file = writePipeline(`
nxrun: 1
name: tui-confirm-narrow
defaults:
  taskQueue: ${stack().taskQueue}
steps:
  - id: approve
    confirm: Ship the release to every production region now?
  - id: ship
    needs: [approve]
    activity: echo
    input: shipped
`);
    const session = "confirm-narrow";
    const { exitFile } = startInTmux(session, [file], env(), { columns: 60, rows: 15 });
    const asking = await paneShowing(session, "(y/n)");
    expect(asking).toMatch(/^y\/n to answer · Ctrl-C to cancel$/m);
    tmux("send-keys", "-t", session, "x");
    const nudged = await paneShowing(session, "press y or n");
    expect(nudged).toMatch(/\(y\/n\) press y or n/);
    tmux("send-keys", "-t", session, "n");
    const code = await exitCodeInTmux(exitFile, 30_000);
    const end = await settledPane(session);
    expect(code).toBe("1");
    expect(end).toContain("ConfirmDeclined");
  });

  it("Ctrl-C at a confirm prompt cancels the run like a Ctrl-C anywhere else (not a no)", async () => {
    const file = writePipeline(`
nxrun: 1
name: tui-confirm-interrupt
defaults:
  taskQueue: ${stack().taskQueue}
steps:
  - id: approve
    confirm: Ship it?
  - id: ship
    needs: [approve]
    activity: echo
    input: shipped
`);
    const session = "confirm-ctrl-c";
    const { exitFile } = startInTmux(session, [file], env());
    await paneShowing(session, "Ship it? (y/n)");
    tmux("send-keys", "-t", session, "C-c");
    const code = await exitCodeInTmux(exitFile, 30_000);
    const end = await settledPane(session);
    expect(code).toBe("130");
    expect(end).not.toMatch(/✔ ship/);
    expect(end).toMatch(/⊘ approve/);
    expect(end).not.toContain("ConfirmDeclined");
    expect(end).toMatch(/Run canceled/);
  });
});
