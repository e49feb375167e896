// A real worker (test/workers/activities.ts `hostile`) sends text that tries to drive the user's
// terminal (test/workers/hostile-text.ts: OSC 52 clipboard write, clear screen, CR overwrite, bidi
// overrides and isolates) as a failure message and its cause, as an output, as heartbeat details,
// and (through an expression) as a confirm prompt. On a terminal (plain lines; the Ink view in tmux,
// its raw bytes logged) none of those characters arrives raw and the escaped form is shown; the
// NDJSON events and run.json carry the exact text.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { terminalSafeJson } from "../../src/base/terminal-text.js";
import { runNxrun, stack, waitFor, writePipeline } from "../support/e2e/harness.js";
import { output } from "../support/e2e/run-helpers.js";
import { exitCodeInTmux, paneShowing, settledPane, startInTmux, stopTmux, tmux } from "../support/e2e/tmux.js";
import { HOSTILE, HOSTILE_CHARACTERS, HOSTILE_SHOWN } from "../workers/hostile-text.js";

afterAll(stopTmux);

function pipeline(): string {
  return writePipeline(`
nxrun: 1
name: hostile-text
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
steps:
  - id: speak
    activity: hostile
    input: { as: output }
  - id: beat
    activity: hostile
    input: { as: heartbeat, ms: 4000 }
  - id: boom
    needs: [speak]
    onError: continue
    activity: hostile
    input: { as: failure }
  - id: ask
    needs: [beat, boom]
    onError: continue
    confirm: "{% 'Ship ' & $steps.speak.output.text & '?' %}"
outputs:
  said: "{% $steps.speak.output.text %}"
`);
}

/** Which of the raw characters the text holds (none, on a terminal). */
function rawCharacters(text: string): string[] {
  return HOSTILE_CHARACTERS.filter((c) => text.includes(c)).map((c) => `U+${c.codePointAt(0)?.toString(16)}`);
}

describe("text from a worker that tries to drive the terminal", () => {
  it("reaches plain lines escaped: no raw control or bidi character on stdout or stderr", async () => {
    const result = await runNxrun([pipeline(), "--output", "plain"]);
    // Nobody can answer the confirm step in plain mode: it fails (tolerated, as boom is).
    expect(result.code, output(result)).toBe(0);
    expect(rawCharacters(result.stdout), output(result)).toEqual([]);
    expect(rawCharacters(result.stderr), output(result)).toEqual([]);
    expect(result.stdout).toContain(`HostileFailure (non-retryable): message ${HOSTILE_SHOWN}`);
    expect(result.stdout).toContain(`HostileCause (non-retryable): cause ${HOSTILE_SHOWN}`);
    // An output is shown as JSON (which escapes the C0 controls itself), then sanitized.
    expect(result.stdout).toContain(`said = "${HOSTILE_SHOWN}"`);
    expect(result.stdout).toContain(`ask: Ship ${HOSTILE_SHOWN}?`);
    expect(result.stdout).toMatch(/beat: .*\{"note":"clip\\u001b\]52;c;aGk=\\u0007 wipe/);
  });

  it("reaches NDJSON events and run.json exact, JSON-escaped", async () => {
    const report = join(mkdtempSync(join(tmpdir(), "nxrun-hostile-")), "run.json");
    const result = await runNxrun([pipeline(), "--output", "json", "--report", report]);
    expect(result.code, output(result)).toBe(0);
    // JSON escapes the C0 controls; DEL, C1, the bidi and other format characters are escaped on
    // stdout too (terminalSafeJson): the raw ones never appear, and a parser reads the same text.
    expect(result.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(result.stdout).toContain(terminalSafeJson(JSON.stringify(`message ${HOSTILE}`)));
    const events = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    const boomEnd = events.find((e) => e.event === "stepEnd" && e.stepId === "boom");
    expect(boomEnd.record.error.message).toBe(`message ${HOSTILE}`);
    expect(boomEnd.record.error.cause.message).toBe(`cause ${HOSTILE}`);
    const speakEnd = events.find((e) => e.event === "stepEnd" && e.stepId === "speak");
    expect(speakEnd.record.output).toEqual({ text: HOSTILE });
    const beats = events.filter((e) => e.event === "progress" && e.stepId === "beat" && e.progress.heartbeat?.details);
    expect(beats.length, output(result)).toBeGreaterThan(0);
    expect(beats[0].progress.heartbeat.details).toEqual({ note: HOSTILE });
    expect(events.find((e) => e.event === "confirm").prompt).toBe(`Ship ${HOSTILE}?`);
    expect(events.at(-1).record.outputs).toEqual({ said: HOSTILE });

    const record = JSON.parse(readFileSync(report, "utf8"));
    const boom = record.steps.find((s: { id: string }) => s.id === "boom");
    expect(boom.error.message).toBe(`message ${HOSTILE}`);
    expect(boom.error.cause.message).toBe(`cause ${HOSTILE}`);
    expect(record.outputs).toEqual({ said: HOSTILE });
  });

  it("reaches the Ink view in a real terminal escaped: the screen is not cleared, no raw sequence reaches the pty", async () => {
    const rawLog = join(mkdtempSync(join(tmpdir(), "nxrun-hostile-")), "pty.raw");
    const banner = "BANNER-BEFORE-NXRUN";
    const { exitFile } = startInTmux(
      "hostile",
      [pipeline()],
      { TEMPORAL_ADDRESS: stack().address, TEMPORAL_NAMESPACE: stack().namespace },
      { banner, rawLog },
    );
    const prompt = await paneShowing("hostile", "(y/n)", 60_000);
    expect(prompt).toContain(`Ship ${HOSTILE_SHOWN.slice(0, 40)}`);
    tmux("send-keys", "-t", "hostile", "y");
    const code = await exitCodeInTmux(exitFile);
    const screen = await settledPane("hostile");
    expect(screen.split("\n")[0], screen).toBe(banner);
    // The final record shows a failure whole, wrapped to the width at its spaces: read it as one text.
    expect(screen.replace(/\s+/g, " ")).toContain(`message ${HOSTILE_SHOWN}`.replace(/\s+/g, " "));
    expect(screen).toContain("HostileFailure");
    expect(screen).toContain("safe\\rEVIL");
    expect(screen).toContain('said = "clip\\u001b]52;c;aGk=\\u0007');
    expect(code, screen).toBe("0");

    // tmux hands the pane's bytes to pipe-pane's `cat`, which writes the log on its own time: read it
    // once it has stopped growing.
    let size = -1;
    const bytes = await waitFor(
      "the raw log to settle",
      () => {
        const now = readFileSync(rawLog);
        const settled = now.length === size;
        size = now.length;
        return settled ? now : undefined;
      },
      { intervalMs: 300, timeoutMs: 10_000 },
    );
    const raw = bytes.toString("latin1");
    expect(raw).toContain("HostileFailure");
    // Every escape sequence the pty got is one of the view's own CSI ones (colours, line erases,
    // cursor moves, synchronized output): no OSC (ESC ]), no clear screen, no BEL; every CR is the
    // terminal's own (LF becomes CR LF), none overwrites a line.
    expect(raw.match(/\x1b(?!\[)/g) ?? [], "an escape that is not CSI").toEqual([]);
    expect(raw.match(/\x1b\[[0-9;]*[JH]/g) ?? [], "a clear screen or cursor home").toEqual([]);
    expect(raw).not.toContain("\x07");
    expect(raw.match(/\r(?!\n)/g) ?? [], "a lone CR").toEqual([]);
    const utf8 = bytes.toString("utf8");
    expect(rawCharacters(utf8.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replaceAll("\r\n", "\n"))).toEqual([]);
    expect(utf8).toContain("\\u001b]52;c;aGk=\\u0007 wipe\\u001b[2J safe\\rEVIL \\u202eexe.t");
    // Heartbeat details were on screen while beat ran.
    expect(utf8).toContain('{"note":"clip\\u001b]52;c;aGk=\\u0007');
  });
});
