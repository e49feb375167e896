/**
 * The library as the README documents it: its "Library" example, taken from README.md as it stands and
 * run as a program against the real server and the examples' TypeScript worker; then what the README
 * promises of `runPipeline`: inputs resolved with defaults and validated as the CLI does, a manifest
 * that `nxrun status` reads (none with `manifest: false`), and a resume by run ID.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { marked, type Token, type Tokens } from "marked";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_STACK } from "../../../scripts/demo.js";
import { REPO, startWorker, type WorkerProcess } from "../../../scripts/dev-server.js";
import { isUserError, loadPipeline, runPipeline } from "../../../src/index.js";
import { readManifest } from "../../../src/runs/manifest/store.js";
import { connect } from "../../../src/temporal/connect.js";
import type { TemporalClient } from "../../../src/temporal/types.js";
import { runNxrun, stack, uniqueId } from "../../support/e2e/harness.js";
import { pipelineFile } from "../../support/e2e/run-helpers.js";

let worker: WorkerProcess;
let client: TemporalClient;

beforeAll(async () => {
  worker = await startWorker({
    script: join(REPO, "dist", "examples", "workers", "main.js"),
    address: stack().address,
    taskQueue: EXAMPLE_STACK.taskQueue,
    env: { NXRUN_EXAMPLES_JOURNAL: join(mkdtempSync(join(tmpdir(), "nxrun-library-")), "journal.jsonl") },
  });
  client = await connect({ address: stack().address, namespace: stack().namespace });
});
afterAll(async () => {
  client?.close();
  await worker?.stop();
});

/** The README's "Library" section's JavaScript block, as written. */
function readmeExample(): string {
  const tokens = marked.lexer(readFileSync(join(REPO, "README.md"), "utf8"));
  const start = tokens.findIndex((t: Token) => t.type === "heading" && (t as Tokens.Heading).text === "Library");
  expect(start, "README.md has a Library section").toBeGreaterThanOrEqual(0);
  const code = tokens.slice(start + 1).find((t: Token) => t.type === "code") as Tokens.Code | undefined;
  expect(code?.lang).toBe("js");
  return code?.text ?? "";
}

describe("the library", () => {
  it("the README's example runs as written: defaults applied, the run completed, and nxrun status knows it", async () => {
    const source = readmeExample();
    expect(source).toContain('from "nxrun"');
    // The package's own name resolves to its build: the program imports what `main` points at.
    const program = source.replace(
      'from "nxrun"',
      `from ${JSON.stringify(pathToFileURL(join(REPO, "dist", "src", "index.js")).href)}`,
    );
    const file = join(mkdtempSync(join(tmpdir(), "nxrun-library-")), "example.mjs");
    writeFileSync(file, program);
    const { stdout } = await promisify(execFile)(process.execPath, [file], {
      cwd: REPO,
      env: { ...process.env, TEMPORAL_ADDRESS: stack().address },
    });
    expect(stdout).toContain("greet: completed");
    const runId = /^run (\S+) completed: Hello, World!$/m.exec(stdout)?.[1];
    expect(runId, stdout).toBeDefined();

    const status = await runNxrun(["status", runId as string]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain("completed");
    expect(status.stdout).toContain("greet");
  });

  it("refuses a missing required input and one its schema refuses before starting anything, as the CLI does", async () => {
    const file = pipelineFile(`
nxrun: 1
name: library-inputs
inputs:
  tag: { type: string }
  count: { type: integer, minimum: 1, default: 2 }
steps:
  - id: echo
    activity: echo
    taskQueue: {{queue}}
    input: { tag: "{% $inputs.tag %}", count: "{% $inputs.count %}" }
outputs:
  got: "{% $steps.echo.output %}"
`);
    const loaded = await loadPipeline(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const missingId = uniqueId("lib-missing");
    const missing = await runPipeline(loaded.pipeline, { client, runId: missingId, inputs: {} }).catch((e) => e);
    expect(isUserError(missing)).toBe(true);
    expect(String(missing.message)).toContain('NX151 input "tag" is required');
    const invalid = await runPipeline(loaded.pipeline, { client, inputs: { tag: "a", count: 0 } }).catch((e) => e);
    expect(isUserError(invalid)).toBe(true);
    expect(String(invalid.message)).toContain("count");
    expect((await readManifest(client, missingId)).found).toBe(false);

    // Given only tag: count takes its default; the run keeps a manifest holding the resolved inputs.
    const runId = uniqueId("lib-run");
    const record = await runPipeline(loaded.pipeline, { client, runId, inputs: { tag: "a" } });
    expect(record.status).toBe("completed");
    expect(record.outputs).toEqual({ got: { tag: "a", count: 2 } });
    const read = await readManifest(client, runId);
    expect(read.found && read.manifest?.inputs).toEqual({ tag: "a", count: 2 });
    expect(read.found && read.end).toEqual({ status: "completed", exitCode: 0 });

    // A resume by run ID needs no inputs: they come from the manifest; every result is read back.
    const resumed = await runPipeline(loaded.pipeline, { client, runId, resume: true });
    expect(resumed.status).toBe("completed");
    expect(resumed.outputs).toEqual({ got: { tag: "a", count: 2 } });
    expect(resumed.steps.find((s) => s.id === "echo")?.reused).toBe(true);

    // manifest: false runs without one.
    const bareId = uniqueId("lib-bare");
    const bare = await runPipeline(loaded.pipeline, { client, runId: bareId, inputs: { tag: "b" }, manifest: false });
    expect(bare.outputs).toEqual({ got: { tag: "b", count: 2 } });
    expect((await readManifest(client, bareId)).found).toBe(false);
  });

  it("keeps the run's events as nxrun run does: status reads each step's record, watch replays the run", async () => {
    const file = pipelineFile(`
nxrun: 1
name: library-journal
steps:
  - id: first
    activity: echo
    taskQueue: {{queue}}
    input: { n: 1 }
  - id: second
    needs: [first]
    activity: echo
    taskQueue: {{queue}}
    input: { n: "{% $steps.first.output.n + 1 %}" }
`);
    const loaded = await loadPipeline(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const runId = uniqueId("lib-journal");
    const seen: string[] = [];
    const record = await runPipeline(loaded.pipeline, {
      client,
      runId,
      inputs: {},
      reporter: { onStepEnd: (event) => seen.push(event.stepId) },
    });
    expect(record.status).toBe("completed");
    expect(seen).toEqual(["first", "second"]);
    const read = await readManifest(client, runId);
    expect(read.found && read.manifest?.session.journal).toBe(true);
    // Outputs come only from the steps' own records (the journal), never from the executions.
    const status = await runNxrun(["status", runId, "-o", "json"]);
    expect(status.code, status.stderr).toBe(0);
    const steps = (JSON.parse(status.stdout) as { run: { steps: Array<{ id: string; output?: unknown }> } }).run.steps;
    expect(steps.map((s) => [s.id, s.output])).toEqual([
      ["first", { n: 1 }],
      ["second", { n: 2 }],
    ]);
    const watch = await runNxrun(["watch", runId, "-o", "json"]);
    expect(watch.code, watch.stderr).toBe(0);
    const events = watch.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; stepId?: string; record?: { status?: string } });
    expect(events[0]?.event).toBe("runStart");
    expect(events.filter((e) => e.event === "stepEnd").map((e) => e.stepId)).toEqual(["first", "second"]);
    expect(events.at(-1)).toMatchObject({ event: "runEnd", record: { status: "completed" } });
  });

  it("checks what the inputs decide before starting anything, as nxrun run does", async () => {
    const file = pipelineFile(`nxrun: 1
name: library-before-run
inputs:
  settle: { type: string }
steps:
  - id: first
    activity: echo
    taskQueue: {{queue}}
    input: { step: first }
  - id: settle
    needs: [first]
    wait: "{% $inputs.settle %}"
  - id: gate
    needs: [settle]
    confirm: "go on?"
`);
    const loaded = await loadPipeline(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const runId = uniqueId("lib-before");
    const refused = await runPipeline(loaded.pipeline, { client, runId, inputs: { settle: "5" } }).catch((e) => e);
    expect(isUserError(refused)).toBe(true);
    expect(String(refused.message)).toMatch(/pipeline\.yaml:12:15: error NX180 step settle: a wait of "5"/);
    // The confirm step nobody answers (no yes, no onConfirm) is refused in the same check.
    expect(String(refused.message)).toContain("NX181");
    // A program has no --yes: the hint names the option it has.
    expect(String(refused.message)).toContain("hint: set yes: true in the run's options");
    expect(String(refused.message)).not.toContain("--yes");
    expect((await readManifest(client, runId)).found).toBe(false);
    await expect(client.activities.describe(`${runId}.first`)).rejects.toThrow();

    // With a wait it can read and yes: true, the same pipeline runs.
    const ok = await runPipeline(loaded.pipeline, { client, inputs: { settle: "1ms" }, yes: true });
    expect(ok.status).toBe("completed");
  });
});
