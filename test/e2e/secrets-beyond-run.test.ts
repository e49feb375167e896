/**
 * Secrets where the run's own reporters do not reach: the metadata nxrun sends to the server with
 * each start (a summary built from a secret, in the run and in a used pipeline), and what `status`
 * and `watch` read back from the server (a worker's failure message quoting the secret). The secret
 * holds a quote, a backslash and a newline, so its JSON-escaped form differs from it and must be
 * masked as well.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openRpc } from "../../src/temporal/connect.js";
import { decodePayload } from "../../src/temporal/payloads.js";
import { wf } from "../../src/temporal/proto.js";
import { runNxrun, stack, uniqueId } from "../support/e2e/harness.js";
import { output, type RunResult, runPipelineFile } from "../support/e2e/run-helpers.js";

const OWN = `pa"ss\\wo\nrd-${uniqueId("own")}`;
const USED = `sub\\${uniqueId("used")}"x`;
const ENV = { NX_OWN_TOKEN: OWN, NX_USED_TOKEN: USED };

/** Every form in which a secret must never show: itself and its JSON-escaped form. */
function expectNoSecret(text: string, what: string) {
  for (const secret of [OWN, USED]) {
    expect(text, what).not.toContain(secret);
    expect(text, what).not.toContain(JSON.stringify(secret).slice(1, -1));
  }
}

function files(): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-secret-meta-"));
  const queue = stack().taskQueue;
  writeFileSync(
    join(dir, "main.yaml"),
    `
nxrun: 1
name: secret-metadata
secrets:
  token: { env: NX_OWN_TOKEN }
defaults:
  taskQueue: ${queue}
  timeouts: { startToClose: 1m }
steps:
  - id: send
    activity: echo
    summary: "{% 'calling with ' & $secrets.token %}"
    input: { ok: true }
  - id: reject
    onError: continue
    activity: fail
    summary: "{% 'as JSON ' & $string({'t': $secrets.token}) %}"
    input:
      message: "{% 'bad token ' & $secrets.token & ' quoted ' & $string({'t': $secrets.token}) %}"
      type: AuthRejected
      nonRetryable: true
  - id: sub
    uses: ./sub.yaml
`,
  );
  writeFileSync(
    join(dir, "sub.yaml"),
    `
nxrun: 1
name: secret-metadata-sub
secrets:
  inner: { env: NX_USED_TOKEN }
defaults:
  taskQueue: ${queue}
  timeouts: { startToClose: 1m }
steps:
  - id: call
    activity: echo
    summary: "{% 'inner ' & $secrets.inner %}"
    input: { ok: true }
`,
  );
  return join(dir, "main.yaml");
}

/** The summary the server keeps for a standalone activity: what the Web UI shows. */
async function serverSummary(id: string): Promise<unknown> {
  const rpc = openRpc({ address: stack().address, namespace: stack().namespace });
  try {
    const response = await rpc.call(
      "DescribeActivityExecution",
      wf.DescribeActivityExecutionRequest,
      wf.DescribeActivityExecutionResponse,
      { namespace: stack().namespace, activityId: id },
      { idempotent: true },
    );
    const summary = response.info?.userMetadata?.summary;
    return summary ? decodePayload(summary) : undefined;
  } finally {
    rpc.close();
  }
}

describe("secrets beyond the run's own output", () => {
  let run: RunResult;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "nxrun-secret-files-"));
    run = await runPipelineFile(files(), ["-o", "plain", "--junit", join(dir, "junit.xml")], { env: ENV });
  });

  it("the run masks the JSON-escaped form in plain lines, the report and JUnit", () => {
    expect(run.code, output(run)).toBe(0);
    expectNoSecret(run.stdout, "stdout");
    expectNoSecret(run.stderr, "stderr");
    expectNoSecret(JSON.stringify(run.report), "report");
    expectNoSecret(readFileSync(join(dir, "junit.xml"), "utf8"), "junit");
    expect(run.stdout).toContain('bad token *** quoted {"t":"***"}');
  });

  it("sends every summary masked, in the run and in the used pipeline", async () => {
    expect(await serverSummary(`${run.runId}.send`)).toBe("calling with ***");
    expect(await serverSummary(`${run.runId}.reject`)).toBe('as JSON {"t":"***"}');
    expect(await serverSummary(`${run.runId}.sub.call`)).toBe("inner ***");
  });

  it("status masks the declared secrets it finds in the environment, in text and JSON, and says nothing more", async () => {
    const text = await runNxrun(["status", run.runId], { env: ENV });
    expect(text.code, output(text)).toBe(0);
    expectNoSecret(text.stdout + text.stderr, "status");
    expect(text.stdout).toContain("bad token *** quoted");
    expect(text.stderr).not.toContain("unmasked");
    const json = await runNxrun(["status", run.runId, "-o", "json"], { env: ENV });
    expect(json.code, output(json)).toBe(0);
    expectNoSecret(json.stdout, "status json");
    expect(json.stdout).toContain("bad token *** quoted");
  });

  it("status without the values says once which are not set, and that worker text may hold them", async () => {
    const result = await runNxrun(["status", run.runId], { env: { NX_OWN_TOKEN: OWN, NX_USED_TOKEN: undefined } });
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).not.toContain(OWN);
    const notes = result.stderr.split("\n").filter((line) => line.includes("unmasked"));
    expect(notes, result.stderr).toEqual([
      "note: $NX_USED_TOKEN is not set here: worker text below may hold secrets unmasked (set it as the run did to mask them)",
    ]);
  });

  it("watch masks them too, and says once when it cannot", async () => {
    const masked = await runNxrun(["watch", run.runId, "-o", "plain"], { env: ENV });
    expect(masked.code, output(masked)).toBe(0);
    expectNoSecret(masked.stdout + masked.stderr, "watch");
    expect(masked.stdout).toContain("bad token *** quoted");
    const unmasked = await runNxrun(["watch", run.runId, "-o", "plain"], {
      env: { NX_OWN_TOKEN: undefined, NX_USED_TOKEN: undefined },
    });
    expect(unmasked.stderr.split("\n").filter((line) => line.includes("unmasked"))).toEqual([
      "note: $NX_OWN_TOKEN, $NX_USED_TOKEN are not set here: worker text below may hold secrets unmasked (set them as the run did to mask them)",
    ]);
  });
});
