/**
 * `--junit junit.xml`: one <testcase> per step, each forEach item its own case (`step[3]`), failures
 * with message, type and the cause chain in the body, skipped steps as <skipped/>. The format is the
 * de-facto Ant/Surefire schema that CI services (GitHub, GitLab, Jenkins) read.
 */
import type { ItemRecord, Reporter, RunRecord, StepError, StepRecord, StepStatus } from "../engine/events.js";
import { causeChain, describeError, describeErrorChain, elapsedMs, isFailure } from "./format.js";
import { createRunCollector } from "./run-collector.js";
import { executionUiUrl, type UiLinks } from "./ui-links.js";
import { writeReportFile } from "./write-file.js";

interface TestCase {
  name: string;
  classname: string;
  seconds: number | undefined;
  status: StepStatus;
  error?: StepError;
  executionId?: string;
  /** The execution's page in the Temporal Web UI. */
  uiUrl?: string;
  attempt?: number;
  lastFailure?: StepError;
}

/** The JUnit XML for a record (its secrets already masked: redactEvents in src/report/index.ts). */
export function junitXml(record: RunRecord, links?: UiLinks): string {
  const cases = record.steps.flatMap((step) => casesOf(record.pipeline, step, links));
  const failures = cases.filter((c) => failsCase(c.status)).length;
  const skipped = cases.filter((c) => !failsCase(c.status) && c.status !== "completed").length;
  const seconds = elapsedMs(record.startedAt, record.closedAt, Date.now()) ?? 0;
  const suite = {
    name: record.pipeline,
    tests: cases.length,
    failures,
    errors: 0,
    skipped,
    time: (seconds / 1000).toFixed(3),
    timestamp: record.startedAt,
  };
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    // <testsuites> carries no `skipped` (nor `timestamp`): the common Jenkins/xunit schema
    // (junit-10.xsd) allows name, time, tests, failures and errors only, and refuses the file otherwise.
    `<testsuites ${attributes({ name: `nxrun ${record.runId}`, tests: suite.tests, failures, errors: 0, time: suite.time })}>`,
    `  <testsuite ${attributes({ ...suite, id: record.runId, hostname: record.address })}>`,
    `    <properties>`,
    ...Object.entries({
      runId: record.runId,
      file: record.file,
      address: record.address,
      namespace: record.namespace,
      status: record.status,
    }).map(([name, value]) => `      <property ${attributes({ name, value })}/>`),
    `    </properties>`,
    ...cases.flatMap(testcaseXml),
    `  </testsuite>`,
    `</testsuites>`,
  ];
  return `${lines.join("\n")}\n`;
}

function casesOf(pipeline: string, step: StepRecord, links: UiLinks | undefined): TestCase[] {
  const classname = step.section === "steps" ? pipeline : `${pipeline}.${step.section}`;
  const stepCase = caseOf(step.id, classname, step, links);
  if (!step.items || step.items.length === 0) return [stepCase];
  // An item still running when the run ended did not finish: reported as skipped.
  const itemCases = step.items.map((item: ItemRecord) => caseOf(`${step.id}[${item.index}]`, classname, item, links));
  // A forEach step that failed with no failing item (e.g. its list could not be evaluated) keeps its own case.
  const itemFailed = itemCases.some((c) => isFailure(c.status));
  return isFailure(step.status) && !itemFailed ? [stepCase, ...itemCases] : itemCases;
}

/** A case that is a <failure>: a failed step or item, and work the rollback could not undo. */
function failsCase(status: StepStatus): boolean {
  return isFailure(status) || status === "compensationFailed";
}

function seconds(startedAt: string | undefined, closedAt: string | undefined): number | undefined {
  if (startedAt === undefined || closedAt === undefined) return undefined;
  const ms = elapsedMs(startedAt, closedAt, 0);
  return ms === undefined ? undefined : ms / 1000;
}

/** A step's or an item's case: what its record says, and its execution's page in the Web UI. */
function caseOf(
  name: string,
  classname: string,
  record: StepRecord | ItemRecord,
  links: UiLinks | undefined,
): TestCase {
  return {
    name,
    classname,
    seconds: seconds(record.startedAt, record.closedAt),
    status: record.status,
    error: record.error,
    executionId: record.execution?.executionId,
    uiUrl: executionUiUrl(links, record.execution),
    attempt: record.attempt,
    lastFailure: record.lastFailure,
  };
}

/** The case's output: its execution, how many attempts it took, the last failed attempt's failure. */
function systemOut(test: TestCase): string[] {
  const lines: string[] = [];
  if (test.executionId) lines.push(`execution ${test.executionId}`);
  if (test.uiUrl) lines.push(`Temporal Web UI: ${test.uiUrl}`);
  if (test.attempt !== undefined) lines.push(`attempts: ${test.attempt}`);
  if (test.lastFailure) lines.push(`last failure: ${describeErrorChain(test.lastFailure)}`);
  return lines;
}

function testcaseXml(test: TestCase): string[] {
  const open = `    <testcase ${attributes({ name: test.name, classname: test.classname, time: test.seconds?.toFixed(3) ?? "0" })}`;
  const lines = systemOut(test);
  const out = lines.length > 0 ? [`      <system-out>${escapeText(lines.join("\n"))}</system-out>`] : [];
  const body = outcomeXml(test);
  if (body.length === 0 && out.length === 0) return [`${open}/>`];
  return [`${open}>`, ...body, ...out, `    </testcase>`];
}

function outcomeXml(test: TestCase): string[] {
  switch (test.status) {
    case "completed":
      return [];
    case "failed":
    case "timedOut":
    case "terminated": {
      const error = test.error ?? { message: test.status };
      const chain = causeChain(error).map((e, depth) => `${depth === 0 ? "" : "caused by: "}${describeError(e)}`);
      const type = error.type ?? test.status;
      return [
        `      <failure ${attributes({ message: error.message, type })}>${escapeText(chain.join("\n"))}</failure>`,
      ];
    }
    case "compensationFailed": {
      const message = "compensation failed: the run's rollback could not undo it (see its compensate case)";
      return [`      <failure ${attributes({ message, type: "CompensationFailed" })}>${escapeText(message)}</failure>`];
    }
    case "skipped":
    case "pending":
    case "running":
    case "canceled":
    case "abandoned":
    case "compensated":
    case "interrupted":
    case "compensating":
      return [`      <skipped ${attributes({ message: skipMessage(test.status, test.error) })}/>`];
    default: {
      const unknown: never = test.status;
      throw new Error(`unknown step status ${String(unknown)}`);
    }
  }
}

function skipMessage(
  status: "skipped" | "pending" | "running" | "canceled" | "abandoned" | "compensated" | "interrupted" | "compensating",
  error?: StepError,
): string {
  switch (status) {
    case "skipped":
      return error ? `skipped: ${error.message}` : "skipped";
    case "pending":
      return "not started: the run ended first";
    case "running":
      return "did not finish: the run was interrupted";
    case "canceled":
      return "canceled";
    case "abandoned":
      return "abandoned: the execution keeps running on Temporal";
    case "compensated":
      return "compensated: it completed, and the run's rollback undid it";
    case "interrupted":
      return "interrupted: running when the run's nxrun stopped part-way";
    case "compensating":
      return "compensating: its compensation was still running when the run's nxrun stopped part-way";
    default: {
      const unknown: never = status;
      throw new Error(`unknown status ${String(unknown)}`);
    }
  }
}

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${name}="${escapeAttribute(String(value))}"`)
    .join(" ");
}

// XML 1.0 cannot carry most control characters even escaped; they are dropped.
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text content for XML 1.0. */
export function escapeText(text: string): string {
  return text.replace(INVALID_XML, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes an attribute value (quotes and the whitespace a parser would normalise too). */
export function escapeAttribute(text: string): string {
  return escapeText(text)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

/** A reporter that writes the JUnit file to `path` when closed (after success, failure or interrupt). */
export function createJunitWriter(options: { path: string; links?: UiLinks | undefined }): Reporter {
  const collector = createRunCollector();
  return {
    ...collector.reporter,
    async close() {
      const record = collector.record();
      if (record)
        await writeReportFile(options.path, junitXml(record, options.links), { what: "JUnit report", flag: "--junit" });
    },
  };
}
