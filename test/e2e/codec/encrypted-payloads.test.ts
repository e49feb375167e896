/**
 * Encrypted payloads end to end: the example worker whose payload codec encrypts every payload and
 * failure with AES-GCM (examples/workers/encrypted-worker.ts), the example codec server over the same
 * key on its own loopback port (examples/workers/codec-server.ts), both started here, and nxrun in
 * between with --codec-endpoint. What the server holds is read back through the raw API (the SDK's
 * connection, no codec): everything nxrun stored is `binary/encrypted`.
 */
import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createNexusEndpoint,
  freePort,
  REPO,
  spawnUntilReady,
  startWorker,
  stopProcess,
  type WorkerProcess,
} from "../../../scripts/dev-server.js";
import { runNxrun, serverConnection, stack, uniqueId, waitFor, writePipeline } from "../../support/e2e/harness.js";
import { output, type RunResult, runPipelineFile, stepOf } from "../../support/e2e/run-helpers.js";
import { exitCodeInTmux, settledPane, startInTmux, stopTmux } from "../../support/e2e/tmux.js";

/** A secret in the auth value: it must appear nowhere nxrun writes, nor on the server. */
const AUTH = "Bearer codec-s3cret-7f3a9c";
const ENCRYPTED = "binary/encrypted";

const queue = uniqueId("nxrun-encrypted");
const endpoint = uniqueId("nxrun-encrypted-ep");
let codecUrl = "";
let codecServer: ChildProcess | undefined;
let worker: WorkerProcess | undefined;
/** Every raw describe answer read, as JSON: what the server holds, for the secret check. */
const rawAnswers: string[] = [];
/** Stand-ins for a codec server in trouble, in this process: see each test. */
const fakes: Server[] = [];

beforeAll(async () => {
  const port = await freePort();
  codecUrl = `http://127.0.0.1:${port}`;
  codecServer = await spawnUntilReady(
    process.execPath,
    [join(REPO, "dist", "examples", "workers", "codec-server.js"), "--port", String(port)],
    /codec server ready/,
    30_000,
    { ...process.env, CODEC_AUTH: AUTH },
  );
  await createNexusEndpoint(stack().address, { name: endpoint, taskQueue: queue });
  worker = await startWorker({
    script: join(REPO, "dist", "examples", "workers", "encrypted-worker.js"),
    address: stack().address,
    taskQueue: queue,
  });
});

afterAll(async () => {
  stopTmux();
  for (const fake of fakes) fake.close();
  await worker?.stop();
  if (codecServer) await stopProcess(codecServer);
});

/** An activity, a synchronous Nexus operation and an activity, each input mapped from outputs before it. */
const CHAIN = () => `
nxrun: 1
name: encrypted-chain
inputs:
  customerId: { type: string, default: cus-1001 }
vars:
  label: "{% 'seats for ' & $inputs.customerId %}"
defaults:
  taskQueue: ${queue}
  timeouts: { scheduleToClose: 1m }
steps:
  - id: customer
    activity: LookupCustomer
    summary: "{% 'look up ' & $inputs.customerId %}"
    input: { customerId: "{% $inputs.customerId %}" }
  - id: quote
    nexus: { endpoint: ${endpoint}, service: BillingService, operation: quote }
    input: { plan: "{% $steps.customer.output.plan %}", seats: "{% $steps.customer.output.seats %}" }
  - id: greet
    activity: Greet
    input:
      name: "{% $steps.customer.output.name & ' (' & $string($steps.quote.output.amount) & ' EUR, ' & $vars.label & ')' %}"
outputs:
  greeting: "{% $steps.greet.output.greeting %}"
`;

/** A reservation (compensated by an activity fed its encrypted output), then a migration that fails with a cause. */
const FAILURE = () => `
nxrun: 1
name: encrypted-failure
defaults:
  taskQueue: ${queue}
  timeouts: { scheduleToClose: 1m }
steps:
  - id: reserve
    activity: ReserveCapacity
    input: { service: tenants-db, regions: [eu-west-1] }
    compensate:
      activity: ReleaseCapacity
      input: { reservationId: "{% $steps.reserve.output.reservationId %}" }
  - id: migrate
    activity: ApplyMigration
    input: { database: tenants-db, migration: "0042" }
    needs: [reserve]
`;

const codecFlags = (url = codecUrl) => ["--codec-endpoint", url, "--codec-auth", AUTH];

type RawPayload = { metadata?: Record<string, Uint8Array> | null } | null | undefined;
const encodingOf = (p: RawPayload) => Buffer.from(p?.metadata?.encoding ?? []).toString();

/** Every payload the server holds for one of nxrun's executions, with where it was, through the raw API. */
async function rawPayloads(kind: "activity" | "nexus", id: string): Promise<Array<[string, RawPayload]>> {
  const c = await serverConnection();
  const namespace = stack().namespace;
  const found: Array<[string, RawPayload]> = [];
  const failure = (where: string, f: { encodedAttributes?: RawPayload; cause?: unknown } | null | undefined) => {
    for (let at = f, depth = 0; at; at = at.cause as typeof f, depth++) {
      if (at.encodedAttributes) found.push([`${where}.failure[${depth}].encodedAttributes`, at.encodedAttributes]);
    }
  };
  if (kind === "activity") {
    const r = await c.workflowService.describeActivityExecution({
      namespace,
      activityId: id,
      includeInput: true,
      includeOutcome: true,
    });
    rawAnswers.push(JSON.stringify(r));
    for (const p of r.input?.payloads ?? []) found.push([`${id} input`, p]);
    for (const p of r.outcome?.result?.payloads ?? []) found.push([`${id} result`, p]);
    if (r.info?.userMetadata?.summary) found.push([`${id} summary`, r.info.userMetadata.summary]);
    if (r.info?.userMetadata?.details) found.push([`${id} details`, r.info.userMetadata.details]);
    failure(id, r.outcome?.failure);
  } else {
    const r = await c.workflowService.describeNexusOperationExecution({
      namespace,
      operationId: id,
      includeInput: true,
      includeOutcome: true,
    });
    rawAnswers.push(JSON.stringify(r));
    if (r.input) found.push([`${id} input`, r.input]);
    if (r.result) found.push([`${id} result`, r.result]);
    failure(id, r.failure);
  }
  return found;
}

/** The IDs of a run's executions of one kind on the server (steps, manifest and records), by visibility. */
async function executionIds(kind: "activity" | "nexus", runId: string, atLeast: number): Promise<string[]> {
  const c = await serverConnection();
  const namespace = stack().namespace;
  return waitFor(`${atLeast} ${kind} executions of ${runId}`, async () => {
    const ids =
      kind === "activity"
        ? ((
            await c.workflowService.listActivityExecutions({ namespace, query: `ActivityId STARTS_WITH "${runId}"` })
          ).executions?.map((e) => e.activityId ?? "") ?? [])
        : ((
            await c.workflowService.listNexusOperationExecutions({
              namespace,
              query: `OperationId STARTS_WITH "${runId}"`,
            })
          ).operations?.map((o) => o.operationId ?? "") ?? []);
    return ids.length >= atLeast ? ids : undefined;
  });
}

/** Everything nxrun wrote or the server holds of the run, as text, for the secret check. */
function everything(result: RunResult): string {
  return `${result.stdout}\n${result.stderr}\n${JSON.stringify(result.report)}`;
}

/** A codec server in trouble on its own port: `answer` decides each reply (it may pass to the real one). */
async function fakeCodec(
  answer: (op: string, payloads: unknown[]) => Promise<{ status: number; body: string }>,
): Promise<string> {
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on("end", () => {
      const payloads = (JSON.parse(raw) as { payloads: unknown[] }).payloads;
      void answer(req.url ?? "", payloads).then(({ status, body }) => res.writeHead(status).end(body));
    });
  });
  fakes.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The server knows no activity of this ID (a describe is strongly consistent, unlike a list). */
async function expectNeverStarted(activityId: string): Promise<void> {
  const c = await serverConnection();
  const error = await c.workflowService.describeActivityExecution({ namespace: stack().namespace, activityId }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as { code?: number } | undefined)?.code, `${activityId} exists`).toBe(5);
}

/** What the real codec server answers, with the auth it wants. */
async function realCodec(op: string, payloads: unknown[]): Promise<{ status: number; body: string }> {
  const response = await fetch(`${codecUrl}${op}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: AUTH },
    body: JSON.stringify({ payloads }),
  });
  return { status: response.status, body: await response.text() };
}

describe("encrypted payloads through a codec server", () => {
  it("chains encrypted outputs through JSONata across activities and a Nexus operation; the server holds only ciphertext", async () => {
    const file = writePipeline(CHAIN());
    const result = await runPipelineFile(file, [...codecFlags(), "-o", "json"]);
    expect(result.code, output(result)).toBe(0);
    const greeting = "Hello, Ada Lovelace (114 EUR, seats for cus-1001)!";
    expect(result.report?.outputs).toEqual({ greeting });
    expect(stepOf(result, "customer").output).toMatchObject({ name: "Ada Lovelace", plan: "team", seats: 12 });
    expect(stepOf(result, "quote").output).toMatchObject({ amount: 114, currency: "EUR" });
    // The NDJSON events carry the plain values too.
    expect(result.stdout).toContain(greeting);
    expect(result.stdout).toContain('"plan":"team"');

    // Steps, the manifest, and the records (vars, outputs): every payload is ciphertext.
    const activities = await executionIds("activity", result.runId, 5);
    expect(activities).toEqual(
      expect.arrayContaining([
        `${result.runId}~manifest`,
        `${result.runId}~vars`,
        `${result.runId}~outputs`,
        stepOf(result, "customer").execution?.executionId,
        stepOf(result, "greet").execution?.executionId,
      ]),
    );
    const [operation] = await executionIds("nexus", result.runId, 1);
    const stored = [
      ...(await Promise.all(activities.map((id) => rawPayloads("activity", id)))).flat(),
      ...(await rawPayloads("nexus", operation as string)),
    ];
    const where = stored.map(([at]) => at);
    expect(where).toEqual(
      expect.arrayContaining([`${result.runId}~manifest input`, `${result.runId}~manifest details`]),
    );
    expect(where.filter((w) => w.endsWith(" result"))).toHaveLength(3);
    expect(where.filter((w) => w.endsWith(" summary")).length).toBeGreaterThanOrEqual(2);
    for (const [at, payload] of stored) expect(encodingOf(payload), at).toBe(ENCRYPTED);
    // The auth value never reaches nxrun's outputs, nor the server.
    expect(everything(result)).not.toContain("s3cret");
    expect(rawAnswers.join("\n")).not.toContain("s3cret");

    // status reads the run back through the codec: its outputs in the clear.
    const status = await runPipelineStatus(result.runId, ["--outputs", ...codecFlags()]);
    expect(status, status).toContain("Ada Lovelace");
    expect(status).not.toContain("s3cret");
  });

  it("reads an encoded failure's message and cause, and compensates with an encrypted output", async () => {
    const file = writePipeline(FAILURE());
    const result = await runPipelineFile(file, codecFlags());
    expect(result.code, output(result)).toBe(1);
    const migrate = stepOf(result, "migrate");
    expect(migrate.status).toBe("failed");
    expect(migrate.error?.message).toBe("migration 0042 failed on tenants-db");
    expect(migrate.error?.type).toBe("MigrationFailed");
    expect(migrate.error?.cause?.message).toContain('could not lock table "tenants"');
    expect(stepOf(result, "reserve").status).toBe("compensated");
    // On the server the failure is only "Encoded failure" with encrypted attributes.
    const stored = await rawPayloads("activity", migrate.execution?.executionId as string);
    const attributes = stored.filter(([at]) => at.includes("encodedAttributes"));
    expect(attributes.length).toBeGreaterThanOrEqual(2);
    for (const [at, payload] of attributes) expect(encodingOf(payload), at).toBe(ENCRYPTED);
    const c = await serverConnection();
    const raw = await c.workflowService.describeActivityExecution({
      namespace: stack().namespace,
      activityId: migrate.execution?.executionId as string,
      includeOutcome: true,
    });
    expect(raw.outcome?.failure?.message).toBe("Encoded failure");
    expect(everything(result)).not.toContain("s3cret");
  });

  it("shows the decoded failure and its cause in the Ink view", async () => {
    const session = "codec-failure";
    const { exitFile } = startInTmux(session, [writePipeline(FAILURE()), ...codecFlags()], {
      TEMPORAL_ADDRESS: stack().address,
      TEMPORAL_NAMESPACE: stack().namespace,
    });
    const code = await exitCodeInTmux(exitFile);
    const end = await settledPane(session, { join: true });
    expect(code, end).toBe("1");
    expect(end).toContain("MigrationFailed (non-retryable): migration 0042 failed on tenants-db");
    expect(end).toContain('↳ caused by LockTimeout (non-retryable): could not lock table "tenants"');
    expect(end).not.toContain("Encoded failure");
    expect(end).not.toContain("s3cret");
  });

  it("without the codec flags, fails at its first step naming the encoding and the flag", async () => {
    const result = await runPipelineFile(writePipeline(CHAIN()), []);
    expect(result.code, output(result)).toBe(2);
    expect(result.stderr).toContain("nxrun cannot read a payload in encoding binary/encrypted");
    expect(result.stderr).toContain("--codec-endpoint");
    expect(stepOf(result, "customer").status).toBe("failed");
    expect(stepOf(result, "customer").error?.message).toContain("binary/encrypted");
    expect(stepOf(result, "quote").status).toBe("skipped");
    expect(result.report?.outputs).toBeUndefined();
  });

  it("a codec server that is down starts nothing: exit 3 naming the endpoint, never the auth value", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await runPipelineFile(writePipeline(CHAIN()), codecFlags(closed));
    expect(result.code, output(result)).toBe(3);
    expect(result.stderr).toContain(`the codec server ${closed}/encode could not be reached to encode the input of`);
    expect(result.stderr).toContain("hint:");
    expect(everything(result)).not.toContain("s3cret");
    // Not even the manifest: nothing was stored that the codec did not encode.
    await expectNeverStarted(`${result.runId}~manifest`);
  });

  it("status and watch mask the codec's auth value in worker text, as the run does", async () => {
    // The worker quotes its input in the failure message: the server keeps it as the worker wrote it.
    const file = writePipeline(FAILURE().replace("database: tenants-db, migration", `database: "${AUTH}", migration`));
    const result = await runPipelineFile(file, codecFlags());
    expect(result.code, output(result)).toBe(1);
    expect(everything(result)).not.toContain("s3cret");
    const status = await runPipelineStatus(result.runId, codecFlags());
    expect(status, status).toContain("migration 0042 failed on");
    expect(status).not.toContain("s3cret");
    const watched = await runNxrun(["watch", result.runId, "-o", "plain", ...codecFlags()]);
    expect(watched.stdout, watched.stderr).toContain("migration 0042 failed on");
    expect(`${watched.stdout}${watched.stderr}`).not.toContain("s3cret");
  });

  it("a codec server that answers 500 ends in exit 3 naming the endpoint and what it was encoding", async () => {
    const url = await fakeCodec(async () => ({ status: 500, body: `internal error (auth ${AUTH})` }));
    const result = await runPipelineFile(writePipeline(CHAIN()), codecFlags(url));
    expect(result.code, output(result)).toBe(3);
    expect(result.stderr).toContain(`the codec server ${url}/encode refused to encode the input of`);
    expect(result.stderr).toContain("HTTP 500");
    expect(everything(result)).not.toContain("s3cret");
    await expectNeverStarted(`${result.runId}~manifest`);
  });

  it("a codec server that answers too few payloads fails the step with exit 3; --resume completes once it answers again", async () => {
    let broken = true;
    const url = await fakeCodec(async (op, payloads) => {
      const real = await realCodec(op, payloads);
      if (!broken || op !== "/decode" || real.status !== 200) return real;
      const answered = JSON.parse(real.body) as { payloads: unknown[] };
      return { status: 200, body: JSON.stringify({ payloads: answered.payloads.slice(1) }) };
    });
    const file = writePipeline(CHAIN());
    const first = await runPipelineFile(file, codecFlags(url));
    expect(first.code, output(first)).toBe(3);
    expect(first.stderr).toMatch(
      /the codec server .*\/decode answered 0 payloads for 1 to decode the outcome of activity/,
    );
    expect(stepOf(first, "customer").status).toBe("failed");
    expect(everything(first)).not.toContain("s3cret");

    broken = false;
    const resumed = await runPipelineFile(file, ["--resume", first.runId, ...codecFlags(url)], { runId: first.runId });
    expect(resumed.code, output(resumed)).toBe(0);
    expect(resumed.report?.outputs).toEqual({ greeting: "Hello, Ada Lovelace (114 EUR, seats for cus-1001)!" });
  });
});

/** `nxrun status <runId> ...flags` output. */
async function runPipelineStatus(runId: string, flags: string[]): Promise<string> {
  const result = await runNxrun(["status", runId, ...flags]);
  return `${result.code}\n${result.stdout}\n${result.stderr}`;
}
