/**
 * `npm run demo` non-interactively, as CI runs it: it starts its own dev server and the example workers,
 * runs ops-runbook.yaml to its outputs, and leaves no process behind, also when interrupted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../../scripts/dev-server.js";
import { waitFor } from "../../support/e2e/harness.js";

interface DemoRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node scripts/demo.mjs ...args` (what `npm run demo -- ...args` runs), without a terminal. */
function startDemo(args: string[]): DemoRun {
  const child = spawn(process.execPath, [join(REPO, "scripts", "demo.mjs"), ...args], {
    cwd: REPO,
    env: { ...process.env, CI: "true", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => setImmediate(() => resolve({ code, signal }))),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The process IDs the demo says it started. */
function startedPids(stderr: string): number[] {
  return [...new Set([...stderr.matchAll(/pid (\d+)/g)].map((m) => Number(m[1])))];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function expectAllGone(pids: number[]): Promise<void> {
  expect(pids.length).toBe(3); // dev server, TypeScript worker, Python worker
  await waitFor("the demo's processes to be gone", () => pids.every((pid) => !alive(pid)), { timeoutMs: 15_000 });
}

describe("npm run demo", () => {
  it("runs ops-runbook.yaml non-interactively to its outputs and stops what it started", {
    timeout: 600_000,
  }, async () => {
    const demo = startDemo(["--output", "plain", "--yes"]);
    const { code } = await demo.exited;
    const all = `stdout:\n${demo.stdout()}\nstderr:\n${demo.stderr()}`;
    expect(code, all).toBe(0);
    expect(demo.stdout()).toMatch(/output +change = "CHG-[0-9A-F]{6}"/);
    expect(demo.stdout()).toContain('changeServedBy = "python"');
    expect(demo.stdout()).toContain('deployed = ["us-east-1","us-west-2","eu-west-1","ap-south-1"]');
    expect(demo.stdout()).toContain('closedAs = "completed"');
    // The demo's own messages are on stderr, short, and end with the teardown.
    expect(demo.stderr()).toMatch(/demo: Temporal dev server on 127\.0\.0\.1:\d+/);
    expect(demo.stderr()).toMatch(/demo: stopped dev server \(pid \d+\)/);
    await expectAllGone(startedPids(demo.stderr()));
  });

  it("prints the Web UI's address; with --keep, keeps server, UI and workers up after the run until SIGINT", {
    timeout: 600_000,
  }, async () => {
    const demo = startDemo(["--output", "plain", "--yes", "--keep"]);
    await waitFor("the demo to keep things up", () => /demo: --keep: /.test(demo.stderr()), { timeoutMs: 300_000 });
    const all = () => `stdout:\n${demo.stdout()}\nstderr:\n${demo.stderr()}`;
    const ui = /Temporal Web UI: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(demo.stderr())?.[1];
    expect(ui, all()).toBeDefined();
    // Printed before the run: the line naming the UI comes before nxrun's first line.
    expect(demo.stderr().indexOf("Temporal Web UI:")).toBeLessThan(demo.stderr().indexOf("demo: nxrun "));
    expect(demo.stdout(), all()).toMatch(/run +completed/);
    // nxrun linked its executions to this UI, and after the run the UI still serves their pages.
    const page = new RegExp(`web ui +openChange (${ui}namespaces/default/\\S+/details)`).exec(demo.stdout())?.[1];
    expect(page, all()).toBeDefined();
    expect((await fetch(page ?? "")).status).toBe(200);
    expect((await fetch(new URL("api/v1/namespaces", ui))).status).toBe(200);
    const pids = startedPids(demo.stderr());
    expect(pids.every(alive)).toBe(true);
    demo.child.kill("SIGINT");
    const { code } = await demo.exited;
    // The run's own exit code, not the interrupt that ended the keeping.
    expect(code, all()).toBe(0);
    await expectAllGone(pids);
  });

  it("forwards SIGINT to nxrun (cancel, compensate, finally), then stops everything", {
    timeout: 600_000,
  }, async () => {
    const demo = startDemo(["--output", "plain", "--yes"]);
    await waitFor("the deploy step to start", () => /running +deploy/.test(demo.stdout()), { timeoutMs: 300_000 });
    demo.child.kill("SIGINT");
    const { code } = await demo.exited;
    const all = `stdout:\n${demo.stdout()}\nstderr:\n${demo.stderr()}`;
    expect(code, all).toBe(130);
    // nxrun's cancellation contract ran against the still-running server before the teardown.
    expect(demo.stdout(), all).toMatch(/ok +reserve\.compensate/);
    expect(demo.stdout(), all).toMatch(/ok +openChange\.compensate/);
    expect(demo.stdout(), all).toMatch(/ok +audit \(finally\)/);
    expect(demo.stderr()).toMatch(/demo: stopped /);
    await expectAllGone(startedPids(demo.stderr()));
  });
});
