/**
 * A reader that goes away (`| head`) through a real shell pipe: `status` ends quietly with exit 0;
 * `run` goes on to its end (docs/cli.md, "A closed output"): every step runs, the report is written
 * and the exit code is the run's, with nothing on stderr about the pipe.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../../scripts/dev-server.js";
import type { RunRecord } from "../../../src/engine/events.js";
import { handlerRecord, type NxrunResult, stack, uniqueId } from "../../support/e2e/harness.js";
import { output, pipelineFile, runPipelineFile } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

/** `nxrun ARGS | head -n LINES` in bash; the code is nxrun's own (PIPESTATUS), its stderr kept apart. */
function intoHead(args: string[], lines: number): Promise<NxrunResult> {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-head-"));
  const script = `"$NODE" "$NXRUN" "$@" 2>"$DIR/stderr" | head -n ${lines}; echo "\${PIPESTATUS[0]}" >"$DIR/code"`;
  const child = spawn("bash", ["-c", script, "bash", ...args], {
    cwd: REPO,
    env: {
      ...process.env,
      CI: "true",
      NO_COLOR: "1",
      TEMPORAL_ADDRESS: stack().address,
      TEMPORAL_NAMESPACE: stack().namespace,
      NODE: process.execPath,
      NXRUN: join(REPO, "bin", "nxrun.js"),
      DIR: dir,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nxrun ${args.join(" ")} | head did not end in time; stdout:\n${stdout}`));
    }, 90_000);
    child.once("exit", () => {
      clearTimeout(timer);
      setImmediate(() =>
        resolve({
          code: Number(readFileSync(join(dir, "code"), "utf8").trim()),
          signal: null,
          stdout,
          stderr: readFileSync(join(dir, "stderr"), "utf8"),
        }),
      );
    });
  });
}

const NO_PIPE_NOISE = /EPIPE|internal error|\n\s+at /;

describe("a closed stdout, through | head", () => {
  it("status | head -1: one line, nothing on stderr, exit 0", async () => {
    // An output bigger than a pipe's buffer, so nxrun is still writing when head has gone.
    const file = pipelineFile(`
nxrun: 1
name: closed-status
defaults: { taskQueue: {{queue}}, timeouts: { startToClose: 1m } }
steps:
  - id: big
    activity: echo
    input: { pad: "{% $pad('', 200000, 'x') %}" }
`);
    const run = await runPipelineFile(file, ["-o", "plain"]);
    expect(run.code, output(run)).toBe(0);
    const result = await intoHead(["status", run.runId, "-o", "json"], 1);
    expect(result.stdout).toBe("{\n");
    expect(result.stderr).not.toMatch(NO_PIPE_NOISE);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("run -o plain | head -3: the run goes on to its end; its report and its exit code are the run's", async () => {
    const key = uniqueId("closed-run");
    const file = pipelineFile(`
nxrun: 1
name: closed-run
defaults: { taskQueue: {{queue}}, timeouts: { startToClose: 1m }, retry: { maximumAttempts: 1 } }
steps:
  - id: first
    activity: echo
    input: { n: 1 }
  - id: middle
    needs: [first]
    activity: slow
    input: { ms: 3000, recordKey: ${key} }
  - id: last
    needs: [middle]
    activity: fail
    input: { message: "last fails", nonRetryable: true }
`);
    const runId = uniqueId("closed");
    const report = join(mkdtempSync(join(tmpdir(), "nxrun-head-")), "run.json");
    const result = await intoHead(["run", file, "--run-id", runId, "-o", "plain", "--report", report], 3);
    expect(result.stdout.split("\n").filter(Boolean), output(result)).toHaveLength(3);
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).not.toMatch(NO_PIPE_NOISE);
    const record = JSON.parse(readFileSync(report, "utf8")) as RunRecord;
    expect(record.status).toBe("failed");
    expect(record.steps.map((s) => [s.id, s.status])).toEqual([
      ["first", "completed"],
      ["middle", "completed"],
      ["last", "failed"],
    ]);
    // The step that was running when head went away was not cancelled: it worked to its end.
    expect(handlerRecord(key).map((r) => r.event)).toEqual(["started", "completed"]);
    expect((await stackClient().activities.describe(`${runId}.last`)).status).toBe("failed");
  });
});
