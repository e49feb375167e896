/**
 * `nxrun watch` against a run in another process, on the real server with the real worker: in the
 * Ink view in a real terminal (tmux) to the run's end, with the run's exit code, its steps, the
 * forEach's "n/N" and the run's outputs (masked by the run itself); in plain output; and Ctrl-C
 * (SIGINT from a process, C-c in tmux) stopping the watcher while the run goes on to complete.
 * The NDJSON form checks the events themselves; test/e2e/runs/run-state.test.ts has `status`.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { type NxrunResult, runNxrun, stack, uniqueId, waitFor, waitForCount } from "../../support/e2e/harness.js";
import { output, pipelineFile } from "../../support/e2e/run-helpers.js";
import { exitCodeInTmux, paneShowing, settledPane, startInTmux, stopTmux, tmux } from "../../support/e2e/tmux.js";

afterAll(stopTmux);

const SECRET = "s3cr3t-watch-value";
const ITEMS = 5;
/**
 * prepare -> fan (5 items, one at a time, `ms` each) -> finish; the outputs hold the secret. Where a
 * test must catch the run mid-way, items take long enough for a watcher to start on a loaded machine.
 */
const succeeding = (ms = 700) =>
  pipelineFile(`
nxrun: 1
name: watched-tty
secrets:
  token: { env: WATCH_TOKEN }
defaults:
  taskQueue: {{queue}}
steps:
  - id: prepare
    activity: echo
    input: { v: "{% 'token is ' & $secrets.token %}" }
  - id: fan
    forEach: "{% [1..${ITEMS}] %}"
    concurrency: 1
    activity: sleepFor
    input: { ms: ${ms}, after: "{% $steps.prepare.output.v %}" }
  - id: finish
    activity: echo
    input: { total: "{% $sum($steps.fan.output.slept) %}", note: "{% $steps.prepare.output.v %}" }
outputs:
  total: "{% $steps.finish.output.total %}"
  note: "{% $steps.finish.output.note %}"
`);

/** One 30 s step that a Ctrl-C of the run abandons (the run exits at once). */
const long = () =>
  pipelineFile(`
nxrun: 1
name: watched-long
defaults:
  taskQueue: {{queue}}
steps:
  - id: long
    activity: sleepFor
    cancellation: abandon
    input: { ms: 30000 }
`);

const failing = () =>
  pipelineFile(`
nxrun: 1
name: watched-tty-failure
defaults:
  taskQueue: {{queue}}
steps:
  - id: wait
    activity: sleepFor
    input: { ms: 2500 }
  - id: boom
    needs: [wait]
    activity: fail
    input: { nonRetryable: true, message: "boom on purpose" }
`);

interface WatchedRun {
  runId: string;
  /** The run's own process's end. */
  done: Promise<NxrunResult>;
  child: ChildProcess;
}

/** Starts `nxrun run pipeline` in its own process under a new run ID; resolves once its manifest is on the server. */
async function startRun(pipeline: string, prefix: string): Promise<WatchedRun> {
  const runId = uniqueId(prefix);
  let child: ChildProcess | undefined;
  const done = runNxrun(["run", pipeline, "--run-id", runId], {
    env: { WATCH_TOKEN: SECRET },
    onSpawn: (spawned) => {
      child = spawned;
    },
  });
  await waitFor("the run's manifest", async () => (await runNxrun(["status", runId, "-o", "json"])).code === 0, {
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  return { runId, done, child: child as ChildProcess };
}

/** What the tests read of `nxrun status -o json`. */
interface StatusJson {
  run: { state: string; steps: Array<{ id: string; state: string }> } | null;
}

const env = () => ({ TEMPORAL_ADDRESS: stack().address, TEMPORAL_NAMESPACE: stack().namespace });

/**
 * The watched run's own process ends with `code`, and the server's own record says so: for 0 (a
 * `succeeding` run) every execution of the run completed, one per ID; for 1 (a `failing` run) `boom` failed.
 */
async function runEnded({ runId, done }: WatchedRun, code: 0 | 1): Promise<NxrunResult> {
  const run = await done;
  expect(run.code, output(run)).toBe(code);
  if (code === 1) {
    await waitForCount("activity", `ActivityId = '${runId}.boom' AND ExecutionStatus = 'Failed'`, 1);
  } else {
    const count = ITEMS + 2;
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.' AND ExecutionStatus = 'Completed'`, count);
    await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.'`, count);
  }
  return run;
}

/** An onSpawn for a watcher: the first time its stdout shows `seen`, `signal` goes to `target` (the watcher itself when none). */
function signalOnceShown(seen: RegExp, signal: NodeJS.Signals, target?: ChildProcess): (watcher: ChildProcess) => void {
  return (watcher) => {
    let sent = false;
    watcher.stdout?.on("data", (chunk: Buffer) => {
      if (!sent && seen.test(chunk.toString())) {
        sent = true;
        (target ?? watcher).kill(signal);
      }
    });
  };
}

describe("nxrun watch in the Ink view (tmux)", () => {
  it("follows a succeeding run to its end: its steps, n/N items, its masked outputs, exit 0", async () => {
    const started = await startRun(succeeding(2000), "ttywatch");
    const { runId } = started;
    const session = "watch-ok";
    // The watcher's environment has no WATCH_TOKEN: the secret can only reach it through the server.
    const { exitFile } = startInTmux(session, ["watch", runId], env());
    const progress = await paneShowing(session, new RegExp(`fan .*[0-4]/${ITEMS}`));
    expect(progress).toContain(`run ${runId}`);
    expect(progress).toMatch(/✔ prepare/);
    expect(progress).toContain("Ctrl-C to stop watching (the run goes on)");
    expect(progress).not.toContain("Ctrl-C to cancel");
    expect(await exitCodeInTmux(exitFile)).toBe("0");
    const end = await settledPane(session);
    expect(end).toMatch(/✔ prepare/);
    expect(end).toMatch(new RegExp(`✔ fan .*${ITEMS}/${ITEMS}`));
    expect(end).toMatch(/✔ finish/);
    expect(end).toMatch(/✔ Run completed/);
    expect(end).toMatch(/^ {2}total = 10000$/m);
    expect(end).toContain('note = "token is ***"');
    expect(end).not.toContain(SECRET);
    await runEnded(started, 0);
  });

  it("follows a failing run to its end and exits 1 with it", async () => {
    const started = await startRun(failing(), "ttywatchfail");
    const { runId } = started;
    const session = "watch-fail";
    const { exitFile } = startInTmux(session, ["watch", runId], env());
    const code = await exitCodeInTmux(exitFile);
    const end = await settledPane(session);
    const run = await runEnded(started, 1);
    const st = await runNxrun(["status", runId]);
    expect(code, `${end}\n${output(run)}\n${st.stdout}`).toBe("1");
    expect(end).toMatch(/✔ wait/);
    expect(end).toMatch(/✖ boom/);
    expect(end).toContain("boom on purpose");
    expect(end, `${end}\n${output(run)}\n${st.stdout}`).toMatch(/✖ Run failed/);
  });

  it("C-c stops watching (exit 130) and the run goes on to complete", async () => {
    const started = await startRun(succeeding(2000), "ttywatchint");
    const { runId } = started;
    const session = "watch-int";
    const { exitFile } = startInTmux(session, ["watch", runId], env());
    await paneShowing(session, new RegExp(`fan .*[0-3]/${ITEMS}`));
    tmux("send-keys", "-t", session, "C-c");
    expect(await exitCodeInTmux(exitFile)).toBe("130");
    expect(await settledPane(session)).toContain(`stopped watching run ${runId}; the run itself goes on`);
    const run = await runEnded(started, 0);
    expect(run.stdout).not.toMatch(/cancel/i);
  });
});

describe("nxrun watch, plain and by signal", () => {
  it("-o plain follows the run: each step, the forEach's n/N, the masked outputs, exit 0", async () => {
    const started = await startRun(succeeding(), "plainwatch");
    const watch = await runNxrun(["watch", started.runId, "-o", "plain"]);
    expect(watch.code, output(watch)).toBe(0);
    expect(watch.stdout).toMatch(/ok\s+prepare/);
    expect(watch.stdout).toMatch(new RegExp(`ok\\s+fan .*\\(${ITEMS}/${ITEMS} done\\)`));
    expect(watch.stdout).toMatch(/ok\s+finish/);
    expect(watch.stdout).toMatch(/run\s+completed/);
    expect(watch.stdout).toMatch(/output\s+total = 3500/);
    expect(watch.stdout).toContain('note = "token is ***"');
    expect(`${watch.stdout}${watch.stderr}`).not.toContain(SECRET);
    await runEnded(started, 0);
  });

  it("SIGINT stops watching (exit 130), never cancels: the run completes, every execution once", async () => {
    const started = await startRun(succeeding(2000), "sigwatch");
    const { runId } = started;
    // Once the watcher shows the forEach under way, the run is mid-flight.
    const watch = await runNxrun(["watch", runId, "-o", "plain"], {
      onSpawn: signalOnceShown(/running\s+fan/, "SIGINT"),
    });
    expect(watch.code, output(watch)).toBe(130);
    expect(watch.stderr).toContain(`stopped watching run ${runId}; the run itself goes on`);
    await runEnded(started, 0);
    const status = JSON.parse((await runNxrun(["status", runId, "-o", "json"])).stdout) as {
      run: { state: string; steps: Array<{ id: string; state: string; itemCount?: number }> };
    };
    expect(status.run.state).toBe("completed");
    expect(status.run.steps.find((s) => s.id === "fan")).toMatchObject({ state: "completed", itemCount: ITEMS });
  });
});

type Event = { event: string; stepId?: string; record?: { items?: unknown[]; outputs?: unknown } };
const events = (stdout: string): Event[] =>
  stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Event);

describe("nxrun watch -o json", () => {
  it("follows a run to its end: every step's end, each forEach item before the step, the outputs, exit 0", async () => {
    const started = await startRun(succeeding(), "jsonwatch");
    const watch = await runNxrun(["watch", started.runId, "-o", "json"]);
    expect(watch.code, output(watch)).toBe(0);
    const all = events(watch.stdout);
    expect(all[0]?.event).toBe("runStart");
    expect(all.at(-1)?.event).toBe("runEnd");
    expect(all.at(-1)?.record?.outputs).toEqual({ total: 3500, note: "token is ***" });
    expect(all.filter((e) => e.event === "stepEnd").map((e) => e.stepId)).toEqual(["prepare", "fan", "finish"]);
    // The forEach ends only after all of its items did, and its record lists all of them.
    const fanEnd = all.findIndex((e) => e.event === "stepEnd" && e.stepId === "fan");
    const itemEnds = all.flatMap((e, i) => (e.event === "itemEnd" && e.stepId === "fan" ? [i] : []));
    expect(itemEnds).toHaveLength(ITEMS);
    expect(Math.max(...itemEnds)).toBeLessThan(fanEnd);
    expect(all[fanEnd]?.record?.items).toHaveLength(ITEMS);
    expect(watch.stdout).not.toContain(SECRET);
    // Read-only: one execution per step and item, all completed by the running process.
    await runEnded(started, 0);
  });

  it("exits 1 when the watched run fails, with its failure", async () => {
    const started = await startRun(failing(), "watchfail");
    const watch = await runNxrun(["watch", started.runId, "-o", "json"]);
    await runEnded(started, 1);
    expect(watch.code, output(watch)).toBe(1);
    expect(watch.stdout).toContain("boom on purpose");
  });

  it("exits 1 with the resume command when the watched run's nxrun is killed", async () => {
    const { runId, done, child } = await startRun(long(), "watchkill");
    const watch = await runNxrun(["watch", runId, "-o", "json"], {
      onSpawn: signalOnceShown(/"stepStart"/, "SIGKILL", child),
    });
    expect((await done).signal).toBe("SIGKILL");
    expect(watch.code, output(watch)).toBe(1);
    expect(watch.stderr).toContain(`run ${runId} stopped part-way`);
    expect(watch.stderr).toContain(`resume it with: nxrun run `);
    expect(watch.stderr).toContain(`--resume ${runId}`);
  });

  it("a killed run ends as status shows it: stopped part-way, the same states and counts", async () => {
    const file = pipelineFile(`
nxrun: 1
name: watched-killed
defaults:
  taskQueue: {{queue}}
steps:
  - id: prepare
    activity: echo
    input: { v: 1 }
  - id: long
    needs: [prepare]
    activity: sleepFor
    cancellation: abandon
    input: { ms: 30000 }
  - id: after
    needs: [long]
    activity: echo
    input: { v: 2 }
`);
    const { runId, done, child } = await startRun(file, "watchkilled");
    await waitFor("long to start", async () => {
      const status = JSON.parse((await runNxrun(["status", runId, "-o", "json"])).stdout) as StatusJson;
      return status.run?.steps.some((s) => s.id === "long" && s.state === "running") === true;
    });
    child.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");
    const watch = await runNxrun(["watch", runId, "-o", "plain"]);
    expect(watch.code, output(watch)).toBe(1);
    const status = JSON.parse((await runNxrun(["status", runId, "-o", "json"])).stdout) as StatusJson;
    expect(status.run?.state).toBe("stopped");
    const states = Object.fromEntries((status.run?.steps ?? []).map((s) => [s.id, s.state]));
    expect(states).toEqual({ prepare: "completed", long: "interrupted", after: "not started" });
    // The watcher's last line: status's words for the run, and one count per state status shows.
    const last = watch.stdout.trimEnd().split("\n").at(-1) ?? "";
    expect(last).toMatch(/run\s+stopped part-way \(its nxrun ended without finishing it\)/);
    const counts = new Map<string, number>();
    for (const state of Object.values(states)) counts.set(state, (counts.get(state) ?? 0) + 1);
    const said = /\(([^()]*)\)\s*$/.exec(last)?.[1]?.split(", ") ?? [];
    expect(said.sort()).toEqual([...counts].map(([state, n]) => `${n} ${state}`).sort());
    expect(watch.stdout).toMatch(/interrupted\s+long\b/);
    expect(watch.stderr).toContain(`run ${runId} stopped part-way`);
  });

  it("exits 130 when the watched run was interrupted (its own Ctrl-C)", async () => {
    const { runId, done, child } = await startRun(long(), "watchint");
    // The run's own SIGINT once the watcher saw its step start: it abandons the step and exits 130.
    const watch = await runNxrun(["watch", runId, "-o", "json"], {
      onSpawn: signalOnceShown(/"stepStart"/, "SIGINT", child),
    });
    const run = await done;
    expect(run.code, output(run)).toBe(130);
    expect(watch.code, output(watch)).toBe(130);
    expect(events(watch.stdout).at(-1)?.event).toBe("runEnd");
  });
});
