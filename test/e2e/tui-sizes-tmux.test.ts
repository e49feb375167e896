// The Ink view at the sizes people's terminals have (120x40, 80x24, 60x15), with a run taller than
// each: nxrun runs under tmux against the real server and test worker, a line printed before it must
// still be in the terminal's history afterwards, and tmux's pipe-pane keeps every byte nxrun wrote,
// so the test can tell that no escape sequence cleared the screen or the scrollback.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stack, uniqueId, writePipeline } from "../support/e2e/harness.js";
import {
  exitCodeInTmux,
  paneHistory,
  paneShowing,
  settledPane,
  startInTmux,
  stopTmux,
  tmux,
} from "../support/e2e/tmux.js";

afterAll(stopTmux);

const env = () => ({ TEMPORAL_ADDRESS: stack().address, TEMPORAL_NAMESPACE: stack().namespace });

/** Without escape sequences (CSI, and OSC up to BEL or ST): the text a terminal shows. */
const visible = (bytes: string) =>
  bytes.replace(/\u001b\[[0-9;?<>=]*[ -/]*[@-~]/g, "").replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, "");

/** Longer than any of the widths, within the bound of text on a terminal (src/report/cut-text.ts). */
const LONG_MESSAGE = `the migration of the orders table was refused: ${Array.from(
  { length: 4 },
  (_, i) => `shard ${i + 1} holds a lock taken by session ${4000 + i} for a schema change`,
).join(", ")}; retry once the lock is released`;

/**
 * 8 chains of 6 short steps (48 lines when they fit, more than any of the sizes), a step that fails
 * twice before it succeeds (a retry countdown), one whose message is long, and one on a queue no
 * worker polls (a schedule-to-start timeout). The failing ones do not stop the run, which completes.
 */
function tallPipeline(key: string): string {
  const steps: string[] = [];
  for (let chain = 0; chain < 8; chain++) {
    for (let link = 0; link < 6; link++) {
      const id = `c${chain}_s${link}`;
      steps.push(`  - id: ${id}
    activity: slow
    input: { ms: ${400 + ((chain * 7 + link * 3) % 5) * 250}, recordKey: ${key}-${id} }${link === 0 ? "" : `\n    needs: [c${chain}_s${link - 1}]`}`);
    }
  }
  return `
nxrun: 1
name: tall-run
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
  retry: { maximumAttempts: 5, initialInterval: 3s, backoffCoefficient: 1 }
steps:
  - id: flaky
    activity: fail
    input: { message: "flaky failure on this attempt, the upstream answered 503", type: FlakyFailure, succeedOnAttempt: 3 }
  - id: refused
    activity: fail
    onError: continue
    input: { message: "${LONG_MESSAGE}", type: MigrationRefused, nonRetryable: true }
  - id: unpolled
    activity: echo
    onError: continue
    taskQueue: ${uniqueId("nobody-polls")}
    timeouts: { scheduleToStart: 6s, startToClose: 1m }
    retry: { maximumAttempts: 1 }
    input: 1
${steps.join("\n")}
`;
}

describe.each([
  { columns: 120, rows: 40 },
  { columns: 80, rows: 24 },
  { columns: 60, rows: 15 },
])("a run taller than a $columns x $rows terminal", ({ columns, rows }) => {
  it("keeps the scrollback, fits the live region, shows trouble whole enough, and ends with the summary", async () => {
    const session = `tall-${columns}x${rows}`;
    const file = writePipeline(tallPipeline(uniqueId("tall")));
    const rawLog = join(file, "..", "terminal.log");
    const banner = `printed before nxrun ${uniqueId("banner")}`;
    const { exitFile } = startInTmux(session, [file], env(), { banner, rawLog, columns, rows });

    // While it runs: the retry's countdown is on screen beside its attempt and type, never cut off.
    const retrying = await paneShowing(session, /retrying in \d+ s/, 60_000);
    expect(retrying.split("\n").length).toBeLessThanOrEqual(rows);
    expect(retrying).toMatch(/^ *↻ attempt \d of 5 failed: FlakyFailure.* · retrying in \d+ s$/m);
    // The footer is the last line: its counts whole, with the time.
    expect(retrying.split("\n").at(-1)).toMatch(/^▶ \d+( running)? .*· \d/);

    const code = await exitCodeInTmux(exitFile, 120_000);
    // The failing steps say `onError: continue`: the run completes.
    expect(code).toBe("0");
    const screen = await settledPane(session);
    const history = paneHistory(session);
    const bytes = readFileSync(rawLog, "utf8");

    // The scrollback is the user's: nothing cleared the screen or the history.
    expect(bytes).not.toContain("\u001b[3J");
    expect(bytes).not.toContain("\u001b[2J");
    expect(history).toContain(banner);
    // The last frame ends its line: the shell's next output starts on a line of its own.
    expect(visible(bytes).endsWith("\n")).toBe(true);

    // Each step ends on the terminal once: printed above the live region, or in the final record.
    for (let chain = 0; chain < 8; chain++) {
      for (let link = 0; link < 6; link++) {
        const finished = history.match(new RegExp(`^[│├└ ]*[✔✖⊘↷] c${chain}_s${link} `, "gm")) ?? [];
        expect(finished, `c${chain}_s${link}`).toHaveLength(1);
      }
    }
    // The final record: each failure whole (wrapped to the width), and the summary line last.
    const joined = tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session)
      .split("\n")
      .map((line) => line.trim())
      .join(" ");
    expect(joined.replace(/\s+/g, " ")).toContain(`MigrationRefused (non-retryable): ${LONG_MESSAGE}`);
    expect(joined.replace(/\s+/g, " ")).toContain(
      "(SCHEDULE_TO_START: no worker picked it up in time; is a worker polling its task queue?)",
    );
    expect(screen.split("\n").at(-1)).toMatch(/^✔ Run completed in \d/);
  });
});
