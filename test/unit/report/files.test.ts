import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "junit2json";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReporters } from "../../../src/report/index.js";
import { junitXml } from "../../../src/report/junit.js";
import { schemaErrors, validateEvent, validateReport } from "../../support/output-schemas.js";
import { failingRun, RUN_ID, runStart, SECRET, T0 } from "../../support/unit/sequence.js";
import { terminalOver } from "../../support/unit/terminal.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nxrun-report-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const chunks: string[] = [];
  const stdout = { write: (chunk: string) => chunks.push(chunk), isTTY: false } as unknown as NodeJS.WriteStream;
  return { stdout, text: () => chunks.join("") };
}

describe("NDJSON events", () => {
  it("validate against specs/events.schema.json", () => {
    const out = capture();
    failingRun(
      createReporters({
        output: "json",
        secrets: [SECRET],
        terminal: terminalOver(out.stdout, {}),
        header: { address: "", namespace: "" },
      }),
    );
    const reporter = createReporters({
      output: "json",
      secrets: [],
      terminal: terminalOver(out.stdout, {}),
      header: { address: "", namespace: "" },
    });
    reporter.onCancelling?.({
      reason: "signal",
      steps: [{ stepId: "charge", cancellation: "waitCompleted", action: "waiting for the execution to close" }],
    });
    reporter.onTerminating?.({ executions: [{ kind: "nexus", executionId: `${RUN_ID}.charge` }] });
    reporter.onConfirm?.({ stepId: "approve", prompt: "Deploy?", answer: () => {} });
    const lines = out.text().trimEnd().split("\n");
    expect(lines.length).toBe(24);
    for (const line of lines) {
      const event = JSON.parse(line);
      expect(validateEvent(event), `${line}\n${schemaErrors(validateEvent)}`).toBe(true);
    }
  });
  it("the schema rejects what is not an event", () => {
    expect(validateEvent({ event: "stepEnd", time: new Date(T0).toISOString(), stepId: "x" })).toBe(false);
    expect(validateEvent({ event: "nope", time: new Date(T0).toISOString() })).toBe(false);
    expect(
      validateEvent({ event: "itemEnd", time: "yesterday", stepId: "x", item: { index: 0, status: "completed" } }),
    ).toBe(false);
  });
});

describe("--report and --junit", () => {
  it("are written in close() after a failed run, valid, with no secret", async () => {
    const report = join(dir, "run.json");
    const junit = join(dir, "junit.xml");
    const out = capture();
    const reporter = createReporters({
      output: "plain",
      report,
      junit,
      secrets: [SECRET],
      terminal: terminalOver(out.stdout, {}),
      header: { address: "", namespace: "" },
    });
    failingRun(reporter);
    await reporter.close?.();

    const reportText = await readFile(report, "utf8");
    const xml = await readFile(junit, "utf8");
    for (const text of [reportText, xml, out.text()]) expect(text).not.toContain(SECRET);

    const record = JSON.parse(reportText);
    expect(validateReport(record), schemaErrors(validateReport)).toBe(true);
    expect(record.inputs).toEqual({ env: "prod", token: "***" });
    expect(record.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
      "build:completed",
      "approve:completed",
      "fanout:failed",
      "charge:failed",
      "notify:completed",
    ]);

    const parsed = await parse(xml);
    const suite = parsed && "testsuite" in parsed ? parsed.testsuite?.[0] : undefined;
    expect(suite?.name).toBe("deploy");
    expect(suite?.tests).toBe(9);
    expect(suite?.failures).toBe(2);
    const cases = suite?.testcase ?? [];
    expect(cases.map((c) => c.name)).toEqual([
      "build",
      "approve",
      "fanout[0]",
      "fanout[1]",
      "fanout[2]",
      "fanout[3]",
      "fanout[4]",
      "charge",
      "notify",
    ]);
    const item3 = cases.find((c) => c.name === "fanout[3]");
    expect(item3?.failure?.[0]).toMatchObject({ message: 'item <3> & "broke"', type: "ItemError" });
    const charge = cases.find((c) => c.name === "charge");
    expect(charge?.failure?.[0]?.type).toBe("PaymentDeclined");
    expect(charge?.failure?.[0]?.message).toBe("card declined for token ***");
    expect(charge?.failure?.[0]?.inner).toBe(
      "PaymentDeclined (non-retryable): card declined for token ***\ncaused by: HttpError (retryable): upstream returned 502",
    );
    expect(cases.find((c) => c.name === "notify")?.classname).toBe("deploy.finally");
    // Build completed on its second attempt: the case's output says so.
    expect(cases.find((c) => c.name === "build")?.["system-out"]).toEqual([`execution ${RUN_ID}.build\nattempts: 2`]);
  });

  it("are written after an interrupt with no onRunEnd; unstarted steps are skipped", async () => {
    const report = join(dir, "interrupted.json");
    const junit = join(dir, "interrupted.xml");
    const reporter = createReporters({
      output: "json",
      report,
      junit,
      secrets: [SECRET],
      terminal: terminalOver(capture().stdout, {}),
      header: { address: "", namespace: "" },
    });
    reporter.onRunStart?.(runStart);
    reporter.onStepStart?.({
      stepId: "build",
      record: {
        id: "build",
        section: "steps",
        kind: "activity",
        status: "running",
        startedAt: new Date(T0).toISOString(),
      },
    });
    reporter.onCancelling?.({ reason: "signal", steps: [] });
    await reporter.close?.();
    const record = JSON.parse(await readFile(report, "utf8"));
    expect(validateReport(record), schemaErrors(validateReport)).toBe(true);
    expect(record.status).toBe("canceled");
    expect(record.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
      "build:running",
      "approve:skipped",
      "fanout:skipped",
      "charge:skipped",
      "notify:skipped",
    ]);
    const parsed = await parse(await readFile(junit, "utf8"));
    const suite = parsed && "testsuite" in parsed ? parsed.testsuite?.[0] : undefined;
    expect(suite?.skipped).toBe(5);
    expect(suite?.testcase?.[0]?.skipped?.[0]?.message).toBe("did not finish: the run was interrupted");
  });

  it("escapes XML and drops characters XML cannot carry", async () => {
    const record = failingRun({});
    const nasty = "<a b='c'>&\"\u0000\u0007]]>\ud800";
    record.steps[3] = { ...record.steps[3]!, id: nasty, error: { message: nasty, type: nasty } };
    const parsed = await parse(junitXml(record));
    const suite = parsed && "testsuite" in parsed ? parsed.testsuite?.[0] : undefined;
    const failure = suite?.testcase?.find((c) => c.name?.startsWith("<a"))?.failure?.[0];
    expect(failure?.message).toBe("<a b='c'>&\"]]>");
    expect(failure?.inner).toBe("<a b='c'>&\"]]>: <a b='c'>&\"]]>");
  });

  it("an unwritable path is a user error, not a crash", async () => {
    const reporter = createReporters({
      output: "json",
      report: join(dir, "missing-dir", "run.json"),
      secrets: [],
      terminal: terminalOver(capture().stdout, {}),
      header: { address: "", namespace: "" },
    });
    reporter.onRunStart?.(runStart);
    await expect(reporter.close?.()).rejects.toMatchObject({
      name: "OutputError",
      exitCode: 4,
      message: expect.stringContaining("cannot write the run report"),
    });
  });
});
