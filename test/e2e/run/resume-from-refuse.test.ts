/**
 * `--resume RUN --from X` whose rerun steps read a step that never completed is refused before the
 * session opens, whatever the step's kind (issue 33, item 4): a forEach with a failed item or none
 * started, a wait that never began, a uses step whose own step failed, a repeat whose `until` never
 * held. Exit 2, one message placed at the step's line, nothing started, and no session: the run's
 * manifest is the one its last session wrote, so `status` shows that session. Read from the server.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runNxrun, stack } from "../../support/e2e/harness.js";
import { output, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { stackClient } from "../../support/e2e/temporal-client.js";

const client = stackClient();

/** Whether the server holds `<executionId>` (described by ID: visibility may lag). */
async function held(executionId: string): Promise<boolean> {
  try {
    await client.activities.describe(executionId);
    return true;
  } catch (error) {
    if ((error as Error).name === "NotFoundError") return false;
    throw error;
  }
}

/** The run ID of the run's manifest execution: each session writes a new one (src/runs/manifest/store.ts). */
async function sessionOf(runId: string): Promise<string> {
  return (await client.activities.describe(`${runId}~manifest`)).runId;
}

/** Writes the pipeline files into one folder, the stack's task queue in them; returns the folder. */
function files(byName: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-from-refuse-"));
  for (const [name, yaml] of Object.entries(byName))
    writeFileSync(join(dir, name), yaml.replaceAll("{{queue}}", stack().taskQueue));
  return dir;
}

const HEAD = `
defaults:
  taskQueue: {{queue}}
  timeouts: { startToClose: 15s }
  retry: { maximumAttempts: 1 }`;

/** Runs `nxrun run file --resume runId ...args`; expects the refusal and that nothing changed on the server. */
async function refused(file: string, runId: string, args: string[], untouched: string[]) {
  const session = await sessionOf(runId);
  const result = await runNxrun(["run", file, "--resume", runId, ...args]);
  expect(result.code, output(result)).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.match(/^error: /gm), result.stderr).toHaveLength(1);
  expect(await sessionOf(runId)).toBe(session);
  for (const id of untouched) expect(await held(`${runId}.${id}`), id).toBe(false);
  const status = await runNxrun(["status", runId]);
  expect(status.stdout).toContain("failed (exit 1)");
  expect(status.stdout).not.toMatch(/@2\b/);
  return result;
}

describe("--from refused by the run itself, what the check before the session cannot judge", () => {
  it("a repeat whose until reads another step and never held: exit 2, nothing started", async () => {
    const dir = files({
      "main.yaml": `
nxrun: 1
name: from-refuse-repeat-steps
${HEAD}
steps:
  - id: x
    activity: echo
    input: { want: 2 }
  - id: rep
    needs: [x]
    activity: echo
    input: { n: 1 }
    repeat: { until: "{% $output.n = $steps.x.output.want %}", every: 100ms, limit: 2 }
  - id: z
    needs: [rep]
    activity: echo
    input: { z: 1 }
`,
    });
    const file = join(dir, "main.yaml");
    const first = await runPipelineFile(file);
    expect(first.code, output(first)).toBe(1);
    const result = await runNxrun(["run", file, "--resume", first.runId, "--from", "z"]);
    // Read back, the repeat ends as it did (limit reached): not done, so the rerun is refused, not run and failed.
    expect(result.code, output(result)).toBe(2);
    expect(result.stderr).toContain(`${file}:13:5: --from z needs 'rep' (until was still false after 2 checks`);
    expect(result.stderr).toContain(`--resume ${first.runId} --from rep\n`);
    for (const id of ["z", "z@2", "rep.check-3", "x@2"]) expect(await held(`${first.runId}.${id}`), id).toBe(false);
  });
});

describe("--from refused before its session opens", () => {
  it("a forEach with a failed item, one never started, a wait never begun, a uses step whose step failed", async () => {
    const dir = files({
      "inner.yaml": `
nxrun: 1
name: inner
${HEAD}
steps:
  - id: x
    activity: echo
    input: { x: 1 }
  - id: y
    needs: [x]
    activity: fail
    input: { message: y broke, nonRetryable: true }
`,
      "main.yaml": `
nxrun: 1
name: from-refuse-kinds
${HEAD}
steps:
  - id: fan
    forEach: [1, 2]
    activity: fail
    input: { message: item broke, nonRetryable: true, succeedOnAttempt: "{% $item = 2 ? 99 : 1 %}" }
  - id: late
    needs: [fan]
    forEach: [1, 2]
    activity: echo
    input: { n: "{% $item %}" }
  - id: pause
    needs: [fan]
    wait: 1s
  - id: u
    uses: ./inner.yaml
  - id: z
    needs: [late, pause, u]
    activity: echo
    input: { z: 1 }
`,
    });
    const file = join(dir, "main.yaml");
    const first = await runPipelineFile(file);
    expect(first.code, output(first)).toBe(1);
    expect(stepOf(first, "fan").status).toBe("failed");

    const result = await refused(file, first.runId, ["--from", "z"], ["z", "z@2", "pause", "late.0", "late@2.0"]);
    // Placed at fan, the first of them in the file (line 10 of main.yaml).
    expect(result.stderr).toContain(
      `error: ${file}:10:5: --from z needs 'fan' (it ended failed (item 1)), 'late' (never started), 'pause' (never started), 'u' (a step of it never completed), which have not completed in run ${first.runId}; nothing was started`,
    );
    expect(result.stderr).toContain(`nxrun run ${file} --resume ${first.runId} --from fan --from u\n`);
  });

  it("a --from naming no step: the hint names the pipeline's steps, the closest first", async () => {
    const dir = files({
      "inner.yaml": `
nxrun: 1
name: inner
${HEAD}
steps:
  - id: create
    activity: echo
    input: { c: 1 }
  - id: seed
    needs: [create]
    activity: echo
    input: { s: 1 }
`,
      "main.yaml": `
nxrun: 1
name: from-refuse-names
${HEAD}
steps:
  - id: prep
    activity: echo
    input: { p: 1 }
  - id: db
    needs: [prep]
    uses: ./inner.yaml
finally:
  - id: audit
    activity: echo
    input: { a: 1 }
`,
    });
    const file = join(dir, "main.yaml");
    const first = await runPipelineFile(file);
    expect(first.code, output(first)).toBe(0);
    const session = await sessionOf(first.runId);
    // A finally step is a step of the pipeline: not "no such step"; each session runs it anew.
    const fin = await runNxrun(["run", file, "--resume", first.runId, "--from", "audit"]);
    expect(fin.code, output(fin)).toBe(2);
    expect(fin.stderr).toContain(
      "error: --from audit: a finally step, which every session that ends the run runs again; --from names a step of steps\n",
    );
    expect(fin.stderr).toContain("hint: --from takes a step of this pipeline: prep, db, db.create, db.seed;");
    const typo = await runNxrun(["run", file, "--resume", first.runId, "--from", "db.sed"]);
    expect(typo.code, output(typo)).toBe(2);
    expect(typo.stderr).toContain(
      "hint: did you mean --from db.seed? --from takes a step of this pipeline: db.seed, prep, db, db.create;",
    );
    // Nothing near: the steps inside the uses step the name starts with come first.
    const nope = await runNxrun(["run", file, "--resume", first.runId, "--from", "db.nope"]);
    expect(nope.code, output(nope)).toBe(2);
    expect(nope.stderr).toContain("error: --from db.nope: no such step in pipeline from-refuse-names\n");
    expect(nope.stderr).toContain("hint: --from takes a step of this pipeline: db.create, db.seed, prep, db;");
    expect(nope.stderr).not.toContain("migrate");
    expect(await sessionOf(first.runId)).toBe(session);
  });

  it("a repeat whose until never held, behind a confirm approved again", async () => {
    const dir = files({
      "main.yaml": `
nxrun: 1
name: from-refuse-repeat
inputs:
  want: { type: number, default: 2 }
${HEAD}
steps:
  - id: ok
    confirm: go on?
  - id: rep
    needs: [ok]
    activity: echo
    input: { n: 1 }
    repeat: { until: "{% $output.n = $inputs.want %}", every: 100ms, limit: 2 }
  - id: z
    needs: [rep]
    activity: echo
    input: { z: 1 }
`,
    });
    const file = join(dir, "main.yaml");
    const first = await runPipelineFile(file, ["--yes"]);
    expect(first.code, output(first)).toBe(1);
    expect(stepOf(first, "rep").error?.type).toBe("RepeatLimitReached");

    const result = await refused(file, first.runId, ["--from", "z", "--yes"], ["z", "z@2", "rep.check-3"]);
    expect(result.stderr).toContain(
      `error: ${file}:14:5: --from z needs 'rep' (until was still false after 2 check(s)), which has not completed in run ${first.runId}; nothing was started`,
    );
    expect(result.stderr).toContain(`--resume ${first.runId} --from rep\n`);
  });
});
