/**
 * `run`, `status`, `watch` and `runs` called in this process (src/cli/main.ts) on memory streams and
 * an environment of the test's own, against the real dev server and worker: what each prints on
 * stdout and stderr and its exit code, and that the secrets come from the environment the command
 * was handed, not from this process's (docs/architecture.md, the terminal).
 */
import { describe, expect, it } from "vitest";
import { stack, uniqueId } from "../../support/e2e/harness.js";
import { pipelineFile } from "../../support/e2e/run-helpers.js";
import { type CliResult, nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

const SECRET = "s3cr3t-in-process-value";
/** Only the handed environment holds the secret: this process's has no such variable. */
const ENV = { NO_COLOR: "1", INPROC_TOKEN: SECRET };

const passing = () =>
  pipelineFile(`
nxrun: 1
name: in-process-ok
secrets:
  token: { env: INPROC_TOKEN }
defaults:
  taskQueue: {{queue}}
steps:
  - id: greet
    activity: echo
    input: { v: "{% 'token is ' & $secrets.token %}" }
outputs:
  said: "{% $steps.greet.output.v %}"
`);

const failing = () =>
  pipelineFile(`
nxrun: 1
name: in-process-fail
defaults:
  taskQueue: {{queue}}
steps:
  - id: boom
    activity: fail
    input: { nonRetryable: true, message: "boom on purpose" }
`);

/** `nxrun ARGS --address ... -n ...` against the test server, in this process. */
function nxrun(args: string[]): Promise<CliResult> {
  return nxrunInProcess([...args, "--address", stack().address, "-n", stack().namespace], { env: ENV });
}

const shown = (r: CliResult) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

describe("commands in-process on memory streams", () => {
  it("run prints the plain progress on the stdout it is handed, masks the handed secret, exit 0", async () => {
    expect(process.env.INPROC_TOKEN).toBeUndefined();
    const runId = uniqueId("inproc");
    const run = await nxrun(["run", passing(), "--run-id", runId]);
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/ok\s+greet/);
    expect(run.stdout).toMatch(/run\s+completed/);
    expect(run.stdout).toContain('said = "token is ***"');
    expect(run.stdout + run.stderr).not.toContain(SECRET);

    const status = await nxrun(["status", runId]);
    expect(status.code, shown(status)).toBe(0);
    expect(status.stdout).toContain(`run ${runId} of pipeline in-process-ok: completed`);
    expect(status.stdout).toMatch(/greet\s+completed/);
    expect(status.stderr).toBe("");
    const json = await nxrun(["status", runId, "-o", "json"]);
    expect(json.code, shown(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ runId, run: { state: "completed" } });

    // watch replays a run that has ended and exits with the run's own code.
    const watch = await nxrun(["watch", runId, "-o", "plain"]);
    expect(watch.code, shown(watch)).toBe(0);
    expect(watch.stdout).toMatch(/ok\s+greet/);
    expect(watch.stdout).toMatch(/run\s+completed/);
    expect(watch.stdout).not.toContain(SECRET);

    // The list of runs comes from visibility, which sees a new run a moment later.
    await expect
      .poll(async () => (await nxrun(["runs", "--pipeline", "in-process-ok"])).stdout, { timeout: 30_000 })
      .toContain(runId);
    const runs = await nxrun(["runs", "--pipeline", "in-process-ok", "-o", "json"]);
    expect(runs.code, shown(runs)).toBe(0);
    const listed = (JSON.parse(runs.stdout) as { runs: { runId: string; state: string }[] }).runs;
    expect(listed.find((r) => r.runId === runId)?.state).toBe("completed");
  });

  it("a failed run exits 1 with its failure on the handed streams; status and watch say so", async () => {
    const runId = uniqueId("inproc-fail");
    const run = await nxrun(["run", failing(), "--run-id", runId]);
    expect(run.code, shown(run)).toBe(1);
    expect(run.stdout).toMatch(/FAILED\s+boom .*boom on purpose/);
    expect(run.stdout).toMatch(/run\s+failed/);

    const status = await nxrun(["status", runId]);
    expect(status.code, shown(status)).toBe(0);
    expect(status.stdout).toContain(`run ${runId} of pipeline in-process-fail: failed (exit 1)`);

    const watch = await nxrun(["watch", runId, "-o", "plain"]);
    expect(watch.code, shown(watch)).toBe(1);
    expect(watch.stdout).toContain("boom on purpose");
  });

  it("status, watch and runs of nothing: exit 2 with the error on the handed stderr", async () => {
    const runId = uniqueId("inproc-none");
    for (const command of ["status", "watch"]) {
      const result = await nxrun([command, runId]);
      expect(result.code, shown(result)).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(new RegExp(`^error: .*${runId}`));
    }
    const runs = await nxrun(["runs", "--pipeline", `never-${runId}`]);
    expect(runs.code, shown(runs)).toBe(0);
    expect(runs.stdout).toBe(
      `no runs of pipeline never-${runId} in namespace ${stack().namespace} on ${stack().address}\n`,
    );
  });

  it("a server that is not there: exit 3 and one message on the handed stderr", async () => {
    const result = await nxrunInProcess(["status", "some-run", "--address", "127.0.0.1:1"], { env: ENV });
    expect(result.code, shown(result)).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^error: /);
  });
});
