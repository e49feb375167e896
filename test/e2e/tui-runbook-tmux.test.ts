// The runbook steps in the Ink view, in a real terminal (tmux, a real pty) against the real server and
// test worker: a `uses` step's sub-steps drawn under it, a repeat's "check n/limit, next in N s, last
// output ..." line, a repeated forEach's items polling, and a wait's countdown. Frames of the same
// lines: test/unit/report/tui-runbook.test.tsx.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stack, uniqueId } from "../support/e2e/harness.js";
import { exitCodeInTmux, paneShowing, settledPane, startInTmux, stopTmux } from "../support/e2e/tmux.js";

afterAll(stopTmux);

const env = () => ({ TEMPORAL_ADDRESS: stack().address, TEMPORAL_NAMESPACE: stack().namespace });

function files(named: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-tui-runbook-"));
  for (const [name, yaml] of Object.entries(named)) writeFileSync(join(dir, name), yaml);
  return join(dir, Object.keys(named)[0] ?? "");
}

describe("the runbook steps in the Ink view under tmux", () => {
  it("draws uses sub-steps under their step, repeat and polling lines, and a wait's countdown", async () => {
    const key = uniqueId("tuirunbook");
    const queue = stack().taskQueue;
    const file = files({
      "runbook.yaml": `
nxrun: 1
name: tui-runbook
defaults:
  taskQueue: ${queue}
steps:
  - id: db
    uses: ./provision.yaml
    with: { name: tenant }
  - id: poll
    activity: checkHealth
    input: { recordKey: ${key}, healthyOnCall: 3 }
    repeat: { until: "{% $output.healthy %}", every: 3s, limit: 20 }
  - id: polls
    forEach: [1, 2]
    activity: checkHealth
    input: { recordKey: "{% '${key}-' & $string($item) %}", healthyOnCall: 3 }
    repeat: { until: "{% $output.healthy %}", every: 3s, limit: 20 }
  - id: settle
    needs: [poll, polls, db]
    wait: 8s
`,
      "provision.yaml": `
nxrun: 1
name: provision
inputs:
  name: { type: string }
defaults:
  taskQueue: ${queue}
steps:
  - id: create
    activity: greet
    input: { name: "{% $inputs.name %}" }
  - id: migrate
    needs: [create]
    activity: sleepFor
    input: { ms: 5000 }
`,
    });
    const session = "runbook";
    const { exitFile } = startInTmux(session, [file], env());

    // poll and polls run their first checks side by side: wait for a screen showing both polling
    // (the first one to finish its check can be drawn a frame before the other).
    const polling = await paneShowing(session, /check 1\/20, next in \d s[\s\S]*↻ 2 items polling · /);
    // The sub-steps under db, one column further right, in plan order.
    const lines = polling.split("\n");
    const row = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const db = row(/ db\s/);
    expect(db).toBeGreaterThan(-1);
    expect(lines[db + 1]).toMatch(/ db\.create\s/);
    expect(lines[db + 2]).toMatch(/ db\.migrate\s/);
    expect(lines[db + 1]?.indexOf("db.create")).toBeGreaterThan(lines[db]?.indexOf("db") ?? 0);
    // The repeat's line, under its step.
    const check = row(/↻ check 1\/20, next in \d s, last output \{"healthy":false,"call":1\}/);
    expect(check, polling).toBeGreaterThan(-1);
    expect(lines[check - 1]).toMatch(/ poll\s/);
    // A repeated forEach: its items polling, the one furthest into its checks shown.
    expect(polling).toMatch(
      /↻ 2 items polling · \[[01]\]: check [12]\/20, next in \d s, last output \{"healthy":false/,
    );

    const waiting = await paneShowing(session, /settle\s+\S+\s+wait, [5-8] s left/, 60_000);
    expect(waiting).toMatch(/✔ db\.migrate/);
    expect(waiting).not.toContain("polling");

    const code = await exitCodeInTmux(exitFile);
    const end = await settledPane(session);
    expect(code, end).toBe("0");
    expect(end).toMatch(/✔ settle/);
    expect(end).toMatch(/↻ check 3\/20, last output \{"healthy":true,"call":3\}/);
  });
});
