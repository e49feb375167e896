/**
 * The Temporal Web UI the dev server serves beside the frontend (`temporal server start-dev`, which
 * embeds github.com/temporalio/ui-server/v2), and nxrun's
 * links to it, checked over real HTTP. This file starts its own server with the UI on (and a test
 * worker and endpoint on it); the shared test server runs headless.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createNexusEndpoint,
  type DevServer,
  startDevServer,
  startWorker,
  temporalCli,
  type WorkerProcess,
} from "../../scripts/dev-server.js";
import type { RunRecord } from "../../src/engine/events.js";
import { runNxrun, stack, uniqueId, writePipeline } from "../support/e2e/harness.js";

const QUEUE = "nxrun-ui";

describe("the dev server's Web UI, and nxrun's links to it", () => {
  let server: DevServer;
  let worker: WorkerProcess | undefined;
  let ui: string;
  beforeAll(async () => {
    server = await startDevServer({ ui: true });
    ui = server.uiUrl ?? "";
    await createNexusEndpoint(server.address, { name: QUEUE, taskQueue: QUEUE });
    worker = await startWorker({ script: stack().workerScript, address: server.address, taskQueue: QUEUE });
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
  });

  it("answers on its port with the UI and its API, pointed at this server", async () => {
    expect(ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(new URL("namespaces/default/activities", ui));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/_app\/immutable/);
    const settings = (await (await fetch(new URL("api/v1/settings", ui))).json()) as { Version: string };
    // The UI the CLI itself reports ("temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)").
    const { stdout } = await promisify(execFile)(await temporalCli(), ["--version"]);
    expect(settings.Version).toBe(/UI ([\d.]+)\)/.exec(stdout)?.[1]);
    // The UI's API reaches this server's frontend: the namespace list comes from it.
    const namespaces = (await (await fetch(new URL("api/v1/namespaces", ui))).json()) as {
      namespaces: Array<{ namespaceInfo: { name: string } }>;
    };
    expect(namespaces.namespaces.map((n) => n.namespaceInfo.name)).toContain("default");
  });

  it("links each execution to the UI page that names it: plain lines, run.json, JUnit", async () => {
    const file = writePipeline(`
nxrun: 1
name: ui-links
defaults: { taskQueue: ${QUEUE} }
steps:
  - id: add
    activity: add
    input: { a: 1, b: 2 }
  - id: greet
    nexus: { endpoint: ${QUEUE}, service: TestService, operation: greet }
    input: { name: "{% 'n' & $string($steps.add.output.sum) %}" }
`);
    const report = join(dirname(file), "run.json");
    const junit = join(dirname(file), "junit.xml");
    const runId = uniqueId("ui");
    const result = await runNxrun(
      [file, "--run-id", runId, "--output", "plain", "--report", report, "--junit", junit, "--ui-url", ui],
      { address: server.address },
    );
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const record = JSON.parse(readFileSync(report, "utf8")) as RunRecord;
    const junitXml = readFileSync(junit, "utf8");
    for (const [stepId, section, describe] of [
      ["add", "activities", "activities"],
      ["greet", "nexus-operations", "nexus-operations"],
    ] as const) {
      const execution = record.steps.find((step) => step.id === stepId)?.execution;
      expect(execution?.runId).toBeTruthy();
      const url = execution?.uiUrl ?? "";
      // The URL nxrun printed, wrote to run.json and put in JUnit is one and the same.
      expect(result.stdout).toMatch(new RegExp(`web ui +${stepId} ${escapeRegExp(url)}$`, "m"));
      expect(junitXml).toContain(`Temporal Web UI: ${url}`);
      // It is this UI's page for that execution (the UI's route for a standalone activity / Nexus
      // operation) and the UI serves it ...
      const path = new URL(url).pathname.split("/").map(decodeURIComponent);
      expect(path).toEqual(["", "namespaces", "default", section, `${runId}.${stepId}`, execution?.runId, "details"]);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/_app\/immutable/);
      // ... and the UI's own API, which that page calls with the IDs in its path, describes it.
      const api = new URL(`api/v1/namespaces/default/${describe}/${encodeURIComponent(path[4] ?? "")}`, ui);
      if (section === "activities") api.searchParams.set("runId", execution?.runId ?? "");
      const described = await fetch(api);
      expect(described.status, await described.clone().text()).toBe(200);
      const body = (await described.json()) as { info?: { activityId?: string; operationId?: string; runId?: string } };
      expect(body.info?.activityId ?? body.info?.operationId).toBe(`${runId}.${stepId}`);
      expect(body.info?.runId).toBe(execution?.runId);
    }
  });

  it("a UI address that is not a URL warns once and the run still succeeds, unlinked", async () => {
    const file = writePipeline(`
nxrun: 1
name: ui-bad
temporal: { uiUrl: "not a url" }
steps:
  - id: add
    activity: add
    taskQueue: ${QUEUE}
    input: { a: 1, b: 2 }
`);
    const result = await runNxrun([file, "--output", "plain"], { address: server.address });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stderr).toBe(
      "nxrun: warning: the pipeline's temporal.uiUrl is not a URL; executions are not linked to the Web UI\n",
    );
    expect(result.stdout).not.toContain("web ui");
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
