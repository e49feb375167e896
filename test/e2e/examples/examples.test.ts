/**
 * Every pipeline in examples/ runs to its expected end against the real server, served by the examples'
 * own workers (TypeScript and Python), non-interactively (`--yes`, plain output), as a user would run
 * it. The assertions read nxrun's exit code and output, its run report, the server's view of the
 * executions, and the journal the example handlers wrote, so a claim by nxrun alone is not enough.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseJunit } from "junit2json";
import { marked, type Token, type Tokens } from "marked";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { EXAMPLE_STACK } from "../../../scripts/demo.js";
import { REPO } from "../../../scripts/dev-server.js";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import { type ExampleWorkers, startExampleWorkers } from "../../support/e2e/example-workers.js";
import { activityStatus, nexusStatus, runNxrun, stack, uniqueId, waitForCount } from "../../support/e2e/harness.js";
import { output, type RunResult, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { parseWorkflowCommands } from "../../support/github/workflow-commands.js";

const example = (name: string) => join(REPO, "examples", name);
const client = clientOver(openRpc({ address: stack().address, namespace: stack().namespace }), "nxrun-e2e");
let workers: ExampleWorkers;

beforeAll(async () => {
  workers = await startExampleWorkers();
});
afterAll(async () => {
  await workers?.stop();
  client.close();
});

function expectExit(result: RunResult, code: number): void {
  expect(result.code, output(result)).toBe(code);
}

describe("examples", () => {
  it("every example passes `nxrun check`", async () => {
    const files = [
      "hello",
      "nexus-chain",
      "ops-runbook",
      "ci-automation",
      "failure",
      "regional-config",
      "tenant-onboarding",
      "shared/provision-db",
    ].map((n) => example(`${n}.yaml`));
    const result = await runNxrun(["check", ...files]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("8 files checked: ok");
  });

  it("hello.yaml greets the input and prints the output", async () => {
    const result = await runPipelineFile(example("hello.yaml"), ["--yes", "--output", "plain", "-i", "name=Ada"]);
    expectExit(result, 0);
    expect(result.stdout).toContain('greeting = "Hello, Ada!"');
    expect(result.report?.outputs).toEqual({ greeting: "Hello, Ada!" });
    expect(await activityStatus(`${result.runId}.greet`)).toBe("COMPLETED");
  });

  it("nexus-chain.yaml: activity → sync Nexus operation → workflow-backed Nexus operation, inputs mapped", async () => {
    const result = await runPipelineFile(example("nexus-chain.yaml"), [
      "--yes",
      "--output",
      "plain",
      "-i",
      "customerId=cus-1002",
      "-i",
      "extraSeats=10",
    ]);
    expectExit(result, 0);
    // Grace Hopper: enterprise, 250 seats + 10 extra at 7.25 = 1885, plus 500 of support.
    expect(stepOf(result, "quote").output).toMatchObject({ plan: "enterprise", seats: 260, amount: 1885 });
    expect(result.report?.outputs).toEqual({
      customer: "Grace Hopper",
      invoice: "inv-cus-1002-2",
      total: "2,385.00 EUR",
      sentTo: "grace@example.com",
    });
    expect(result.stdout).toContain('total = "2,385.00 EUR"');
    expect(await activityStatus(`${result.runId}.customer`)).toBe("COMPLETED");
    expect(await nexusStatus(`${result.runId}.quote`)).toBe("COMPLETED");
    expect(await nexusStatus(`${result.runId}.invoice`)).toBe("COMPLETED");
  });

  it("ops-runbook.yaml rolls out under a change record served by the Python worker", async () => {
    const result = await runPipelineFile(example("ops-runbook.yaml"), [
      "--yes",
      "--output",
      "plain",
      "-i",
      'regions=["eu-west-1","us-east-1","ap-south-1"]',
    ]);
    expectExit(result, 0);
    const outputs = result.report?.outputs as Record<string, unknown>;
    expect(outputs).toMatchObject({
      changeServedBy: "python",
      deployed: ["eu-west-1", "us-east-1", "ap-south-1"],
      healthy: true,
      closedAs: "completed",
    });
    expect(outputs.change).toMatch(/^CHG-[0-9A-F]{6}$/);
    expect(result.stdout).toContain('changeServedBy = "python"');
    expect(stepOf(result, "approve").status).toBe("completed");
    expect(stepOf(result, "deploy").items?.map((i) => i.status)).toEqual(["completed", "completed", "completed"]);
    expect(await nexusStatus(`${result.runId}.verify`)).toBe("COMPLETED");

    // What the workers saw: the Python worker opened and closed this change; the audit ran in `finally`.
    const seen = workers.journal();
    const change = outputs.change;
    expect(seen.filter((e) => e.changeId === change && e.handler.startsWith("ChangeService."))).toMatchObject([
      { sdk: "python", handler: "ChangeService.openChange" },
      { sdk: "python", handler: "ChangeService.closeChange", outcome: "completed" },
    ]);
    for (const index of [0, 1, 2]) expect(await activityStatus(`${result.runId}.deploy.${index}`)).toBe("COMPLETED");
    expect(seen.find((e) => e.handler === "RecordAudit" && e.run === result.runId)).toMatchObject({
      status: "completed",
    });
  });

  it("regional-config.yaml sends each region's item to that region's own agent, and prices it on the endpoint an input names", async () => {
    const setting = uniqueId("maxConnections");
    const result = await runPipelineFile(example("regional-config.yaml"), [
      "--output",
      "plain",
      "-i",
      `setting=${setting}`,
      "-i",
      "urgent=true",
    ]);
    expectExit(result, 0);
    const queues = EXAMPLE_STACK.regions.map((region) => `nxrun-examples-${region}`);
    expect(result.report?.outputs).toEqual({ agents: queues, cost: 19 });
    // What the agents saw: each region's change ran on that region's task queue (an agent refuses
    // another region's work, so a wrong queue would have failed the item).
    const applied = workers.journal().filter((e) => e.handler === "ApplyRegionConfig" && e.setting === setting);
    expect(applied.map((e) => [e.region, e.taskQueue]).sort()).toEqual(
      EXAMPLE_STACK.regions.map((region) => [region, `nxrun-examples-${region}`]).sort(),
    );

    // Preflight evaluates the computed queues per region and finds every agent polling.
    const preflight = await runNxrun(["check", "--preflight", example("regional-config.yaml")]);
    expect(preflight.code, output(preflight)).toBe(0);
    expect(preflight.stdout).toContain("1 file checked: ok");
  });

  it("tenant-onboarding.yaml: the shared provision-db sub-pipeline, a health poll per region, a wait; outputs match the server's record", async () => {
    const tenant = uniqueId("t")
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-");
    const regions = ["us-east-1", "ap-south-1"];
    const result = await runPipelineFile(example("tenant-onboarding.yaml"), [
      "--output",
      "plain",
      "-i",
      `tenant=${tenant}`,
      "-i",
      `regions=${JSON.stringify(regions)}`,
      "-i",
      "settle=2s",
    ]);
    expectExit(result, 0);
    const outputs = result.report?.outputs as Record<string, unknown>;
    const { runId } = result;

    // uses + with: the sub-pipeline's executions are <run>.db.<substep>; its outputs are what the
    // server holds as those executions' results.
    const created = await client.activities.describe(`${runId}.db.createDb`);
    const migrated = await client.activities.describe(`${runId}.db.migrate`);
    expect(created.outcome).toMatchObject({ status: "completed" });
    expect(migrated.outcome).toMatchObject({ status: "completed" });
    const createdResult = (created.outcome as { result: { database: string; url: string } }).result;
    expect(outputs).toMatchObject({
      database: createdResult.database,
      url: createdResult.url,
      schemaVersion: (migrated.outcome as { result: { schemaVersion: number } }).result.schemaVersion,
      enabled: true,
    });
    expect(createdResult.url).toContain(`db-${tenant}.us-east-1.`);
    expect(stepOf(result, "db.createDb")).toMatchObject({ status: "completed", parent: "db" });

    // repeat per forEach item: each region polled until healthy; the server holds exactly one
    // execution per check, and the check the output names is the last one.
    expect(outputs.healthyOnCheck).toEqual({ "us-east-1": 3, "ap-south-1": 2 });
    for (const [index, region] of regions.entries()) {
      const checks = (outputs.healthyOnCheck as Record<string, number>)[region] ?? 0;
      await waitForCount("activity", `ActivityId STARTS_WITH '${runId}.waitHealthy.${index}.check-'`, checks);
      const last = await client.activities.describe(`${runId}.waitHealthy.${index}.check-${checks}`);
      expect((last.outcome as { result: unknown }).result).toMatchObject({ region, healthy: true, check: checks });
    }
    expect(stepOf(result, "waitHealthy").items?.map((i) => i.repeat?.attempt)).toEqual([3, 2]);
    expect(result.stdout).toMatch(
      /check\s+waitHealthy\[0\] check 1\/10, next in (?:\d+|0\.\d) s, last output \{"region":"us-east-1","healthy":false/,
    );
    // The handlers saw every check once, in order.
    const seen = workers.journal().filter((e) => e.handler === "CheckRegionHealth" && e.tenant === tenant);
    expect(seen.filter((e) => e.region === "us-east-1").map((e) => e.check)).toEqual([1, 2, 3]);
    expect(seen.filter((e) => e.region === "ap-south-1").map((e) => e.check)).toEqual([1, 2]);

    // wait: it began as its marker was scheduled on the server (the local clock, within the same
    // second, on a first run: src/engine/wait.ts) and ended 2 s later, before enable started.
    const marker = await client.activities.describe(`${runId}.settle`);
    const until = stepOf(result, "settle").waitUntil as string;
    expect(outputs.settledUntil).toBe(until);
    expect(Math.abs(Date.parse(until) - 2000 - (marker.startTime as Date).getTime())).toBeLessThan(1000);
    const enabled = await client.activities.describe(`${runId}.enable`);
    expect((enabled.startTime as Date).getTime()).toBeGreaterThanOrEqual(Date.parse(until) - 1000);
    expect((stepOf(result, "enable").startedAt ?? "") >= until).toBe(true);
    expect(workers.journal().find((e) => e.handler === "EnableTenant" && e.tenant === tenant)).toMatchObject({
      database: createdResult.database,
      regions,
    });
  });

  it("ops-runbook.yaml gives the same result when the endpoint targets the TypeScript ChangeService", async () => {
    // The pipeline only knows endpoint, service and operation names: point the Python endpoint's name at
    // another endpoint, served by the TypeScript implementation of the same contract.
    const dir = mkdtempSync(join(tmpdir(), "nxrun-examples-"));
    const file = join(dir, "ops-runbook-ts.yaml");
    writeFileSync(
      file,
      readFileSync(example("ops-runbook.yaml"), "utf8").replaceAll(
        `endpoint: ${EXAMPLE_STACK.pythonEndpoint}`,
        `endpoint: ${EXAMPLE_STACK.endpoint}`,
      ),
    );
    const result = await runPipelineFile(file, ["--yes", "--output", "plain", "-i", 'regions=["us-west-2"]']);
    expectExit(result, 0);
    expect(result.report?.outputs).toMatchObject({
      changeServedBy: "typescript",
      deployed: ["us-west-2"],
      healthy: true,
      closedAs: "completed",
    });
  });

  it("ops-runbook.yaml without --yes and without a terminal is refused at its confirm gate before anything starts", async () => {
    const result = await runPipelineFile(example("ops-runbook.yaml"), [
      "--output",
      "plain",
      "-i",
      'regions=["eu-west-1"]',
    ]);
    expectExit(result, 2);
    expect(result.stderr).toContain("error NX181 step approve asks for approval and nobody can answer");
    expect(result.stderr).toContain("hint: pass --yes");
    // Nothing was opened, reserved or deployed: there is nothing to undo.
    expect(result.report).toBeUndefined();
    await expect(nexusStatus(`${result.runId}.openChange`)).rejects.toThrow(/not found/i);
    await expect(activityStatus(`${result.runId}.reserve`)).rejects.toThrow(/not found/i);
  });

  it("ci-automation.yaml runs with plain output and writes a JUnit report", async () => {
    const junit = join(mkdtempSync(join(tmpdir(), "nxrun-junit-")), "junit.xml");
    const result = await runPipelineFile(example("ci-automation.yaml"), ["--output", "plain", "--junit", junit]);
    expectExit(result, 0);
    expect(result.report?.outputs).toEqual({
      checked: 4,
      failing: [],
      summary: "Nightly check of tenants-db: 4 tables checked, 0 failing",
    });
    // Plain output: one line per state change, no escape sequences.
    expect(result.stdout).not.toMatch(/\x1b\[/);
    const parsed = (await parseJunit(readFileSync(junit, "utf8"))) as {
      tests?: number;
      failures?: number;
      testsuite?: { testcase?: { name: string }[] }[];
    };
    expect(parsed.tests).toBe(6);
    expect(parsed.failures).toBe(0);
    expect(parsed.testsuite?.[0]?.testcase?.map((c) => c.name)).toEqual([
      "tables",
      "check[0]",
      "check[1]",
      "check[2]",
      "check[3]",
      "publish",
    ]);
  });

  it("examples/ci/github-actions.yml: its check and run steps, run as the runner would run them", () => {
    // Each `run:` of the two jobs in bash, in a checkout-like directory, with what the runner sets
    // (GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, GITHUB_RUN_ID/ATTEMPT) and `npx nxrun`
    // being this build. The namespace is the local dev server's, so TEMPORAL_API_KEY is left unset:
    // TEMPORAL_API_KEY over TLS is tested through nginx in test/e2e/tls/tls.test.ts.
    const workflow = parseYaml(readFileSync(join(REPO, "examples", "ci", "github-actions.yml"), "utf8")) as {
      on: Record<string, unknown>;
      jobs: Record<string, { env?: Record<string, string>; steps: { run?: string; env?: Record<string, string> }[] }>;
    };
    expect(Object.keys(workflow.on)).toContain("pull_request");
    // The API key comes from a secret, never from the file.
    expect(workflow.jobs.run?.env?.TEMPORAL_API_KEY).toMatch(/^\$\{\{ secrets\.TEMPORAL_API_KEY \}\}$/);
    const workspace = mkdtempSync(join(tmpdir(), "nxrun-gha-"));
    symlinkSync(join(REPO, "examples"), join(workspace, "examples"));
    const stepSummary = join(workspace, "step-summary.md");
    writeFileSync(stepSummary, "");
    const runId = uniqueId("gha").replace(/[^0-9a-z]/gi, "");
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: "true",
      CI: "true",
      GITHUB_STEP_SUMMARY: stepSummary,
      GITHUB_WORKSPACE: workspace,
      GITHUB_RUN_ID: runId,
      GITHUB_RUN_ATTEMPT: "1",
      MAX_LAG_MINUTES: "5",
      TEMPORAL_ADDRESS: stack().address,
      TEMPORAL_NAMESPACE: stack().namespace,
    };
    const nxrun = `'${process.execPath}' '${join(REPO, "bin", "nxrun.js")}'`;
    const outputs: string[] = [];
    for (const job of ["check", "run"]) {
      for (const step of workflow.jobs[job]?.steps ?? []) {
        if (step.run === undefined || step.run === "npm ci") continue;
        expect(step.run, "a step runs nxrun from the repository's own packages").toMatch(/^npx nxrun /);
        const script = step.run.replace(/^npx nxrun /, `${nxrun} `);
        outputs.push(execFileSync("bash", ["-e", "-c", script], { cwd: workspace, env, encoding: "utf8" }));
      }
    }
    // check: every example and test file clean, so no annotation; test: every case passed (a failed
    // one would have ended bash -e); preflight found the endpoints and pollers.
    expect(outputs).toHaveLength(4);
    expect(parseWorkflowCommands(outputs.join("\n"))).toEqual([]);
    expect(outputs[0]).toContain("files checked: ok");
    expect(outputs[1]).toMatch(/^(\d+) cases in \d+ files: \1 passed \(/m);
    expect(readFileSync(join(workspace, "nxrun-test-junit.xml"), "utf8")).toContain('failures="0"');
    const summary = readFileSync(join(workspace, "nxrun-summary.md"), "utf8");
    expect(readFileSync(stepSummary, "utf8")).toBe(summary);
    const tables: Tokens.Table[] = [];
    marked.walkTokens(marked.lexer(summary), (t: Token) => {
      if (t.type === "table") tables.push(t as Tokens.Table);
    });
    expect(tables[0]?.rows.find((r) => r[0]?.text === "Run ID")?.[1]?.text).toBe(`\`nightly-${runId}-1\``);
    expect(tables[1]?.rows.map((r) => [r[0]?.text, r[1]?.text])).toEqual([
      ["`tables`", "✅ completed"],
      ["`check`", "✅ completed"],
      ["`publish`", "✅ completed"],
    ]);
    expect(readFileSync(join(workspace, "nxrun-junit.xml"), "utf8")).toContain("<testsuite");
    expect(JSON.parse(readFileSync(join(workspace, "nxrun-run.json"), "utf8")).status).toBe("completed");
  });

  it("ci-automation.yaml reports the stale tables under a stricter limit", async () => {
    const result = await runPipelineFile(example("ci-automation.yaml"), ["--output", "plain", "-i", "maxLagMinutes=3"]);
    expectExit(result, 0);
    expect(result.report?.outputs).toMatchObject({ failing: ["audit_log"] });
  });

  it("failure.yaml exits 1 with the cause chain, compensates, skips what follows and audits", async () => {
    const result = await runPipelineFile(example("failure.yaml"), ["--yes", "--output", "plain"]);
    expectExit(result, 1);
    const printed = result.stdout + result.stderr;
    expect(printed).toContain("MigrationFailed");
    expect(printed).toMatch(/caused by LockTimeout.*could not lock table "tenants"/);
    const migrate = stepOf(result, "migrate");
    expect(migrate.status).toBe("failed");
    expect(migrate.error).toMatchObject({
      type: "MigrationFailed",
      nonRetryable: true,
      cause: { type: "LockTimeout", message: expect.stringContaining("could not lock table") },
    });
    expect(stepOf(result, "announce").status).toBe("skipped");
    expect(result.report?.status).toBe("failed");
    expect(await activityStatus(`${result.runId}.migrate`)).toBe("FAILED");
    expect(await activityStatus(`${result.runId}.reserve.compensate`)).toBe("COMPLETED");

    const reservationId = (stepOf(result, "reserve").output as { reservationId: string }).reservationId;
    const seen = workers.journal();
    expect(seen.find((e) => e.handler === "ReleaseCapacity" && e.reservationId === reservationId)).toBeTruthy();
    expect(seen.find((e) => e.handler === "RecordAudit" && e.run === result.runId)).toMatchObject({
      status: "failed",
      error: expect.stringContaining("migration 0042_add_tenant_index failed"),
    });
  });
});
