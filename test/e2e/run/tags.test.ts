/**
 * `searchAttributes:`, `headers:` and `details:` of a step (and of `defaults:`), read back from the
 * server that got them (Describe, a visibility query through `nxrun list -q`) and from the Web UI's
 * own API, which the page nxrun links to calls. This file starts its own server: with the UI on, and
 * with the custom search attributes registered as a team registers them (`--search-attribute`).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Connection } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createNexusEndpoint,
  type DevServer,
  startDevServer,
  startWorker,
  type WorkerProcess,
} from "../../../scripts/dev-server.js";
import type { RunRecord } from "../../../src/engine/events.js";
import { decodePayload } from "../../../src/temporal/payloads.js";
import { runNxrun, stack, uniqueId, waitFor, writePipeline } from "../../support/e2e/harness.js";

const QUEUE = "nxrun-tags";
const REGISTERED = {
  NxRegion: "Keyword",
  NxAttempt: "Int",
  NxTags: "KeywordList",
  NxDeployedAt: "Datetime",
  NxScore: "Double",
  NxCanary: "Bool",
  NxNote: "Text",
};

type Payloads = Record<string, { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }>;

/** Search attributes as a map of decoded values, each with the type the server stored with it. */
function decodeAttributes(fields: Payloads | null | undefined): Record<string, { type: string; value: unknown }> {
  return Object.fromEntries(
    Object.entries(fields ?? {}).map(([name, payload]) => [
      name,
      { type: new TextDecoder().decode(payload.metadata?.type ?? new Uint8Array()), value: decodePayload(payload) },
    ]),
  );
}

/** A payload as the Web UI's API sends it: JSON, base64 in `data`. */
type UiPayload = { data?: string };
interface UiExecutionInfo {
  userMetadata?: { summary?: UiPayload; details?: UiPayload };
  header?: { fields?: Record<string, UiPayload> };
  nexusHeader?: Record<string, string>;
  searchAttributes?: { indexedFields?: Record<string, UiPayload> };
}
const uiPayload = (payload: UiPayload | undefined): unknown =>
  payload?.data === undefined ? undefined : JSON.parse(Buffer.from(payload.data, "base64").toString("utf8"));

describe("search attributes, headers and details of a step", () => {
  let server: DevServer;
  let worker: WorkerProcess | undefined;
  let connection: Connection;
  let ui: string;
  beforeAll(async () => {
    server = await startDevServer({ ui: true, searchAttributes: REGISTERED });
    ui = server.uiUrl ?? "";
    await createNexusEndpoint(server.address, { name: QUEUE, taskQueue: QUEUE });
    worker = await startWorker({ script: stack().workerScript, address: server.address, taskQueue: QUEUE });
    connection = await Connection.connect({ address: server.address });
  });
  afterAll(async () => {
    await connection?.close();
    await worker?.stop();
    await server?.stop();
  });

  const pipelineText = (runTag: string) => `
nxrun: 1
name: tags
inputs:
  when: { type: string, default: "2026-01-31T12:00:00Z" }
secrets:
  token: { env: TAGS_TOKEN }
defaults:
  taskQueue: ${QUEUE}
  searchAttributes:
    NxNote: { text: "${runTag}" }
    NxCanary: { bool: false }
  headers: { team: ops }
steps:
  - id: add
    forEach: [eu, us]
    activity: add
    input: { a: 1, b: 2 }
    summary: "{% 'add in ' & $item %}"
    details: "{% '**region** ' & $item & ', token ' & $secrets.token %}"
    headers: { region: "{% $item %}", auth: "{% $secrets.token %}" }
    searchAttributes:
      NxRegion: { keyword: "{% $item %}" }
      NxAttempt: { int: "{% $index + 1 %}" }
      NxTags: { keywordList: [deploy, "{% $item %}"] }
      NxDeployedAt: { datetime: "{% $inputs.when %}" }
      NxScore: { double: 0.5 }
      NxCanary: { bool: true }
  - id: greet
    nexus: { endpoint: ${QUEUE}, service: TestService, operation: greet }
    input: { name: tags }
    details: "greeting"
    headers: { region: eu, retries: 3 }
    searchAttributes:
      NxRegion: { keyword: eu }
`;

  it("sends them with each start: Describe, a visibility query and the Web UI read them back; secrets masked", async () => {
    const runTag = uniqueId("tag");
    const file = writePipeline(pipelineText(runTag));
    const report = join(dirname(file), "run.json");
    const runId = uniqueId("tags");
    const result = await runNxrun([file, "--run-id", runId, "--output", "plain", "--report", report, "--ui-url", ui], {
      address: server.address,
      env: { TAGS_TOKEN: "tok-7f3a9c" },
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const record = JSON.parse(readFileSync(report, "utf8")) as RunRecord;
    expect(record.status).toBe("completed");

    const ws = connection.workflowService;
    const us = await ws.describeActivityExecution({ namespace: "default", activityId: `${runId}.add.1` });
    expect(decodeAttributes(us.info?.searchAttributes?.indexedFields as Payloads)).toEqual({
      NxRegion: { type: "Keyword", value: "us" },
      NxAttempt: { type: "Int", value: 2 },
      NxTags: { type: "KeywordList", value: ["deploy", "us"] },
      NxDeployedAt: { type: "Datetime", value: "2026-01-31T12:00:00Z" },
      NxScore: { type: "Double", value: 0.5 },
      NxCanary: { type: "Bool", value: true },
      NxNote: { type: "Text", value: runTag },
    });
    const headers = us.info?.header?.fields ?? {};
    expect(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, decodePayload(v)]))).toEqual({
      team: "ops",
      region: "us",
      auth: "***",
    });
    expect(decodePayload(us.info?.userMetadata?.summary)).toBe("add in us");
    expect(decodePayload(us.info?.userMetadata?.details)).toBe("**region** us, token ***");

    const greet = await ws.describeNexusOperationExecution({ namespace: "default", operationId: `${runId}.greet` });
    expect(greet.info?.nexusHeader).toMatchObject({ team: "ops", region: "eu", retries: "3" });
    expect(decodeAttributes(greet.info?.searchAttributes?.indexedFields as Payloads)).toMatchObject({
      NxRegion: { type: "Keyword", value: "eu" },
      NxNote: { type: "Text", value: runTag },
    });
    expect(decodePayload(greet.info?.userMetadata?.details)).toBe("greeting");

    // A team finds the run's executions by an attribute: `nxrun list -q` (visibility is eventually consistent).
    const listed = async (kind: string, query: string, expected: number) =>
      waitFor(`nxrun list --kind ${kind} -q "${query}" to list ${expected}`, async () => {
        const list = await runNxrun(["list", "--kind", kind, "-q", query, "--output", "json"], {
          address: server.address,
        });
        if (list.code !== 0) throw new Error(list.stderr);
        const ids = (JSON.parse(list.stdout) as Array<{ id: string }>).map((entry) => entry.id).sort();
        return ids.length === expected ? ids : undefined;
      });
    expect(await listed("activity", `NxNote = '${runTag}'`, 2)).toEqual([`${runId}.add.0`, `${runId}.add.1`]);
    expect(await listed("activity", `NxNote = '${runTag}' AND NxRegion = 'eu'`, 1)).toEqual([`${runId}.add.0`]);
    expect(await listed("activity", `NxNote = '${runTag}' AND NxTags = 'us' AND NxAttempt = 2`, 1)).toEqual([
      `${runId}.add.1`,
    ]);
    expect(await listed("nexus", `NxNote = '${runTag}' AND NxRegion = 'eu'`, 1)).toEqual([`${runId}.greet`]);

    // The Web UI: the page the run links to is served, and the UI's own API, from which that page reads
    // the execution, gives what the page shows: summary and details (the Markdown of `details:`),
    // headers and search attributes, the secret masked.
    const usRef = record.steps.find((step) => step.id === "add")?.items?.[1]?.execution;
    const usPage = `namespaces/default/activities/${runId}.add.1/${us.info?.runId}/details`;
    expect(usRef?.uiUrl).toBe(new URL(usPage, ui).href);
    const page = await fetch(usRef?.uiUrl ?? "");
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    const fromUi = async (path: string, executionRunId: string | null | undefined) => {
      const url = new URL(path, ui);
      url.searchParams.set("runId", executionRunId ?? "");
      const response = await fetch(url);
      const text = await response.text();
      expect(response.status, text).toBe(200);
      expect(text).not.toContain("tok-7f3a9c");
      return JSON.parse(text) as { info?: UiExecutionInfo };
    };
    const activity = await fromUi(
      `api/v1/namespaces/default/activities/${encodeURIComponent(`${runId}.add.1`)}`,
      us.info?.runId,
    );
    expect(uiPayload(activity.info?.userMetadata?.summary)).toBe("add in us");
    expect(uiPayload(activity.info?.userMetadata?.details)).toBe("**region** us, token ***");
    const uiHeaders = Object.entries(activity.info?.header?.fields ?? {}).map(([key, value]) => [
      key,
      uiPayload(value),
    ]);
    expect(Object.fromEntries(uiHeaders)).toEqual({ team: "ops", region: "us", auth: "***" });
    expect(uiPayload(activity.info?.searchAttributes?.indexedFields?.NxRegion)).toBe("us");

    const operation = await fromUi(
      `api/v1/namespaces/default/nexus-operations/${encodeURIComponent(`${runId}.greet`)}`,
      greet.info?.runId,
    );
    expect(uiPayload(operation.info?.userMetadata?.details)).toBe("greeting");
    expect(operation.info?.nexusHeader).toMatchObject({ team: "ops", region: "eu", retries: "3" });
    expect(uiPayload(operation.info?.searchAttributes?.indexedFields?.NxNote)).toBe(runTag);
  });

  it("check --preflight names an attribute the namespace lacks, or has with another type, at its step", async () => {
    const file = writePipeline(`
nxrun: 1
name: tags-preflight
steps:
  - id: ok
    activity: add
    taskQueue: ${QUEUE}
    searchAttributes: { NxRegion: { keyword: eu } }
  - id: missing
    activity: add
    taskQueue: ${QUEUE}
    searchAttributes: { NxNowhere: { keyword: eu } }
  - id: wrongType
    activity: add
    taskQueue: ${QUEUE}
    searchAttributes: { NxAttempt: { keyword: "1" } }
`);
    const result = await runNxrun(["check", "--preflight", file], { address: server.address });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(2);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(
      /pipeline\.yaml:9:5: error NX307 step missing: search attribute "NxNowhere" is not registered on namespace default/,
    );
    expect(output).toContain(
      "temporal operator search-attribute create --namespace default --name NxNowhere --type Keyword",
    );
    expect(output).toMatch(
      /pipeline\.yaml:13:5: error NX307 step wrongType: search attribute "NxAttempt" is registered on namespace default as int, not keyword/,
    );
    expect(output).not.toMatch(/step ok:/);
  });

  it("a start the server refuses (an unregistered attribute) fails the step with one clear error at its line", async () => {
    const file = writePipeline(`
nxrun: 1
name: tags-refused
steps:
  - id: refused
    activity: add
    taskQueue: ${QUEUE}
    input: { a: 1, b: 2 }
    searchAttributes: { NxNowhere: { keyword: eu } }
`);
    const result = await runNxrun([file, "--output", "plain"], { address: server.address });
    // The pipeline's mistake, not server trouble: the run fails as for any failed step.
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(
      /step 'refused' failed: \S*pipeline\.yaml:5:5: Temporal rejected StartActivityExecution: .*search attribute NxNowhere/,
    );
    expect(output).toContain("nxrun check --preflight");
    expect(output).not.toMatch(/\n\s+at /);
  });
});
