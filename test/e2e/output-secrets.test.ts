// Every output of a real run that uses a secret (in inputs of executions, forEach items, an error
// message, an object key and an output), scanned for the secret's value: the Ink view on a real
// terminal, plain lines, NDJSON events, run.json and JUnit. The secret is masked in place: the text
// around it is kept ("rejected key ***"). The same runs check the real engine's events and report against
// specs/events.schema.json and specs/report.schema.json, and the JUnit file with a JUnit parser.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "junit2json";
import { afterAll, describe, expect, it } from "vitest";
import { runNxrun, stack, uniqueId, writePipeline } from "../support/e2e/harness.js";
import { exitCodeInTmux, settledPane, startInTmux, stopTmux } from "../support/e2e/tmux.js";
import { ndjsonEvents, schemaErrors, validateReport } from "../support/output-schemas.js";

afterAll(stopTmux);

const SECRET = `sk-${uniqueId("e2e")}-Zq9`;

function pipeline(): string {
  return writePipeline(`
nxrun: 1
name: secrets-scan
secrets:
  token: { env: NX_E2E_TOKEN }
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
steps:
  - id: send
    activity: echo
    input: { auth: "{% 'Bearer ' & $secrets.token %}" }
  - id: each
    forEach: "{% [1, 2] %}"
    activity: echo
    input: "{% $secrets.token & '-' & $item %}"
  - id: reject
    needs: [send]
    onError: continue
    activity: fail
    input: { message: "{% 'rejected key ' & $secrets.token %}", type: AuthRejected, nonRetryable: true }
  - id: keyed
    activity: echo
    input: "{% {'key-' & $secrets.token: 'value'} %}"
outputs:
  echoed: "{% $steps.send.output.auth %}"
  keyed: "{% $steps.keyed.output %}"
`);
}

describe("a run that uses a secret", () => {
  it("never shows it in NDJSON events, run.json or JUnit, which validate against their schemas", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-secrets-"));
    const report = join(dir, "run.json");
    const junit = join(dir, "junit.xml");
    const result = await runNxrun([pipeline(), "--output", "json", "--report", report, "--junit", junit], {
      env: { NX_E2E_TOKEN: SECRET },
    });
    const outputs = {
      stdout: result.stdout,
      stderr: result.stderr,
      report: readFileSync(report, "utf8"),
      junit: readFileSync(junit, "utf8"),
    };
    for (const [name, text] of Object.entries(outputs)) expect(text, name).not.toContain(SECRET);
    expect(result.code, result.stderr).toBe(0);

    const events = ndjsonEvents<{ event: string; item?: { index: number } }>(result.stdout);
    expect(events[0]?.event).toBe("runStart");
    expect(events.at(-1)?.event).toBe("runEnd");
    expect(events.filter((e) => e.event === "itemEnd")).toHaveLength(2);

    const record = JSON.parse(outputs.report);
    expect(validateReport(record), schemaErrors(validateReport)).toBe(true);
    expect(record.outputs).toEqual({ echoed: "Bearer ***", keyed: { "key-***": "value" } });
    const reject = record.steps.find((step: { id: string }) => step.id === "reject");
    expect(reject.status).toBe("failed");
    expect(reject.error.message).toBe("rejected key ***");

    const parsed = await parse(outputs.junit);
    const suite = parsed && "testsuite" in parsed ? parsed.testsuite?.[0] : undefined;
    expect(suite?.testcase?.map((c) => c.name)).toEqual(["send", "each[0]", "each[1]", "reject", "keyed"]);
    expect(suite?.testcase?.find((c) => c.name === "reject")?.failure?.[0]).toMatchObject({
      type: "AuthRejected",
      message: "rejected key ***",
    });
    const each = events.find((e) => e.event === "itemStart" && e.item?.index === 0);
    expect(JSON.stringify(each)).not.toContain(SECRET);
  });

  it("never shows it in plain lines", async () => {
    const result = await runNxrun([pipeline(), "--output", "plain"], { env: { NX_E2E_TOKEN: SECRET } });
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stderr).not.toContain(SECRET);
    expect(result.stdout).toMatch(/FAILED +reject .*AuthRejected \(non-retryable\): rejected key \*\*\* ←/);
    expect(result.stdout).toContain('echoed = "Bearer ***"');
    expect(result.stdout).toContain('keyed = {"key-***":"value"}');
  });

  it("never shows it on the terminal view", async () => {
    const { exitFile } = startInTmux("secrets", [pipeline()], {
      TEMPORAL_ADDRESS: stack().address,
      TEMPORAL_NAMESPACE: stack().namespace,
      NX_E2E_TOKEN: SECRET,
    });
    const code = await exitCodeInTmux(exitFile);
    const screen = await settledPane("secrets");
    expect(code, screen).toBe("0");
    expect(screen).not.toContain(SECRET);
    expect(screen).toContain("AuthRejected (non-retryable): rejected key ***");
    expect(screen).toContain('echoed = "Bearer ***"');
    expect(screen).toContain('keyed = {"key-***":"value"}');
  });
});

/** A run that fails after `send` completed: its output is produced, `lost`'s is not (src/engine/run-outputs.ts). */
function failingPipeline(): string {
  return writePipeline(`
nxrun: 1
name: secrets-failed
secrets:
  token: { env: NX_E2E_TOKEN }
defaults:
  taskQueue: ${stack().taskQueue}
  timeouts: { startToClose: 1m }
steps:
  - id: send
    activity: echo
    input: { auth: "{% 'Bearer ' & $secrets.token %}" }
  - id: boom
    needs: [send]
    activity: fail
    input: { message: broke, type: Broke, nonRetryable: true }
outputs:
  echoed: "{% $steps.send.output.auth %}"
  lost: "{% $steps.boom.output %}"
`);
}

describe("a failed run's outputs, masked", () => {
  it("are those of the steps that completed in NDJSON runEnd and run.json, which validate", async () => {
    const report = join(mkdtempSync(join(tmpdir(), "nxrun-failed-")), "run.json");
    const result = await runNxrun([failingPipeline(), "--output", "json", "--report", report], {
      env: { NX_E2E_TOKEN: SECRET },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).not.toContain(SECRET);
    const end = ndjsonEvents<{ event: string; record?: { status: string; outputs?: unknown } }>(result.stdout).at(-1);
    expect(end?.record).toMatchObject({ status: "failed", outputs: { echoed: "Bearer ***" } });
    const record = JSON.parse(readFileSync(report, "utf8"));
    expect(validateReport(record), schemaErrors(validateReport)).toBe(true);
    expect(record.outputs).toEqual({ echoed: "Bearer ***" });
  });

  it("are in plain lines and the terminal view's final record", async () => {
    const plain = await runNxrun([failingPipeline(), "--output", "plain"], { env: { NX_E2E_TOKEN: SECRET } });
    expect(plain.code, plain.stderr).toBe(1);
    expect(plain.stdout).not.toContain(SECRET);
    expect(plain.stdout).toContain('echoed = "Bearer ***"');
    expect(plain.stdout).not.toContain("lost =");

    const { exitFile } = startInTmux("failed-outputs", [failingPipeline()], {
      TEMPORAL_ADDRESS: stack().address,
      TEMPORAL_NAMESPACE: stack().namespace,
      NX_E2E_TOKEN: SECRET,
    });
    const code = await exitCodeInTmux(exitFile);
    const screen = await settledPane("failed-outputs");
    expect(code, screen).toBe("1");
    expect(screen).not.toContain(SECRET);
    expect(screen).toContain("outputs it produced");
    expect(screen).toContain('echoed = "Bearer ***"');
    expect(screen).not.toContain("lost =");
  });
});
