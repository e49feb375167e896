import { marked, type Token, type Tokens } from "marked";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../../src/engine/events.js";
import { markdownSummary } from "../../../src/report/markdown-summary.js";
import { redact } from "../../../src/report/redact.js";
import { failureAnnotations } from "../../../src/report/summary-writer.js";
import { parseWorkflowCommands } from "../../support/github/workflow-commands.js";

const SECRET = "tok-9f8e7d6c";
const HOSTILE = `bad | pipe <script>alert(1)</script> **bold** [x](http://evil) \u001b]52;c;aGk=\u0007 \u202eevil\nsecond line`;

const record: RunRecord = {
  runId: "deploy-20260101-abcd",
  pipeline: "deploy",
  file: "/repo/pipelines/deploy.yaml",
  address: "127.0.0.1:7233",
  namespace: "default",
  status: "failed",
  startedAt: "2026-01-01T00:00:00.000Z",
  closedAt: "2026-01-01T00:01:05.000Z",
  inputs: {},
  steps: [
    {
      id: "reserve",
      section: "steps",
      kind: "activity",
      status: "completed",
      attempt: 1,
      execution: { kind: "activity", executionId: "deploy-20260101-abcd.reserve" },
      startedAt: "2026-01-01T00:00:00.000Z",
      closedAt: "2026-01-01T00:00:01.200Z",
    },
    {
      id: "deploy",
      section: "steps",
      kind: "activity",
      status: "failed",
      startedAt: "2026-01-01T00:00:01.200Z",
      closedAt: "2026-01-01T00:01:00.000Z",
      error: { message: "2 of 3 items failed", type: "ForEachFailed" },
      items: [
        {
          index: 0,
          status: "completed",
          execution: { kind: "activity", executionId: "deploy-20260101-abcd.deploy.0" },
        },
        {
          index: 1,
          status: "failed",
          execution: { kind: "activity", executionId: "deploy-20260101-abcd.deploy.1" },
          error: {
            message: HOSTILE,
            type: "TestFailure",
            cause: { message: "disk quota exceeded", type: "QuotaError" },
          },
        },
        { index: 2, status: "failed", error: { message: `rejected token ${SECRET}`, type: "X" } },
      ],
    },
    { id: "notify", section: "steps", kind: "nexus", status: "skipped" },
    {
      id: "reserve.compensate",
      section: "compensate",
      kind: "activity",
      status: "completed",
      attempt: 2,
      execution: { kind: "activity", executionId: "deploy-20260101-abcd.reserve.compensate" },
    },
    { id: "audit", section: "finally", kind: "activity", status: "completed", attempt: 1 },
  ],
  outputs: { url: "https://x.example/a|b", token: `Bearer ${SECRET}`, text: "```\nfence" },
  error: { message: "step deploy failed", type: "StepFailed" },
};

function tables(markdown: string): Tokens.Table[] {
  const found: Tokens.Table[] = [];
  marked.walkTokens(marked.lexer(markdown), (token: Token) => {
    if (token.type === "table") found.push(token as Tokens.Table);
  });
  return found;
}

describe("the Markdown run summary", () => {
  // As the fan-out hands it to the summary writer: secrets masked once (redactEvents).
  const markdown = markdownSummary(redact(record, [SECRET]), {
    now: Date.parse("2026-01-01T00:02:00Z"),
    executionUrl: (e) =>
      e.executionId.endsWith(".reserve") ? `http://ui:8233/ns/default/a (b)/${e.executionId}` : undefined,
  });
  const html = marked.parse(markdown, { async: false });

  it("holds the run table and a table of steps, one row per step, parsed by a Markdown parser", () => {
    const [run, steps] = tables(markdown);
    const runRows = Object.fromEntries(run!.rows.map((r) => [r[0]!.text, r[1]!.text]));
    expect(runRows["Run ID"]).toContain("deploy-20260101-abcd");
    expect(runRows.Result).toBe("❌ failed");
    expect(runRows.Duration).toBe("1m05s");
    expect(runRows.Pipeline).toContain("deploy");
    expect(steps!.header.map((h) => h.text)).toEqual(["Step", "Status", "Duration", "Attempts", "Executions", "Link"]);
    const rows = steps!.rows.map((r) => r.map((c) => c.text));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual([
      "`reserve`",
      "✅ completed",
      "1.2s",
      "1",
      "1",
      "[Web UI](http://ui:8233/ns/default/a%20%28b%29/deploy-20260101-abcd.reserve)",
    ]);
    expect(rows[1]!.slice(0, 2)).toEqual(["`deploy`", "❌ failed"]);
    expect(rows[1]![4]).toBe("3 (1 completed, 2 failed)");
    // No Web UI known for it: the execution ID instead.
    expect(rows[1]![5]).toBe("`deploy-20260101-abcd.deploy.0`");
    expect(rows[2]!.slice(0, 2)).toEqual(["`notify`", "⏭️ skipped"]);
    expect(rows[3]![0]).toBe("`reserve.compensate` (compensate)");
    expect(rows[3]![3]).toBe("2");
    expect(rows[4]![0]).toBe("`audit` (finally)");
    expect(html).toContain('<a href="http://ui:8233/ns/default/a%20%28b%29/deploy-20260101-abcd.reserve">Web UI</a>');
  });

  it("lists failures with their cause chains and the failed items", () => {
    expect(markdown).toContain("### Failures");
    expect(html).toMatch(/<strong><code>deploy<\/code><\/strong> ❌ failed/);
    expect(html).toContain("ForEachFailed: 2 of 3 items failed");
    expect(html).toContain("caused by: QuotaError: disk quota exceeded");
    expect(html).toContain("item 1 <code>deploy-20260101-abcd.deploy.1</code>");
    // The run's error repeats deploy's: not listed again.
    expect(html).not.toContain("StepFailed");
  });

  it("lists the run's own error when no step explains the failure", () => {
    const failedOutputs: RunRecord = {
      ...record,
      steps: [record.steps[0]!],
      error: { message: "outputs.total: expected a number", type: "OutputsFailed" },
    };
    const page = marked.parse(markdownSummary(failedOutputs), { async: false });
    expect(page).toContain("<strong>the run</strong>");
    expect(page).toContain("OutputsFailed: outputs.total: expected a number");
  });

  it("shows worker text as text: no tag, link, emphasis, escape sequence or bidi control survives", () => {
    expect(html).not.toMatch(/<script|<strong>bold|href="http:\/\/evil/);
    expect(html).toContain("bad | pipe &lt;script&gt;alert(1)&lt;/script&gt; **bold** [x](http://evil)");
    expect(markdown).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(html).toContain("\\u001b]52;c;aGk=\\u0007 \\u202eevil\\nsecond line");
  });

  it("masks secrets and keeps the outputs in a code block no output can close", () => {
    expect(markdown).not.toContain(SECRET);
    const code: string[] = [];
    marked.walkTokens(marked.lexer(markdown), (t: Token) => {
      if (t.type === "code") code.push((t as Tokens.Code).text);
    });
    expect(code).toHaveLength(1);
    const outputs = JSON.parse(code[0]!);
    expect(outputs.url).toBe("https://x.example/a|b");
    expect(outputs.text).toBe("```\nfence");
    expect(outputs.token).not.toContain(SECRET);
  });
});

describe("annotations of failed steps", () => {
  it("puts one ::error at each failed step's line, relative to GITHUB_WORKSPACE, secrets masked", () => {
    const lines = failureAnnotations(redact(record, [SECRET]), {
      stream: process.stdout,
      env: { GITHUB_WORKSPACE: "/repo" },
      positions: new Map([
        ["steps:reserve", { file: record.file, line: 7, column: 5 }],
        ["steps:deploy", { file: record.file, line: 12, column: 5 }],
      ]),
    });
    const commands = parseWorkflowCommands(lines.join("\n"));
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({
      command: "error",
      properties: { file: "pipelines/deploy.yaml", line: "12", col: "5", title: "nxrun: step deploy failed" },
    });
    expect(commands[0]!.message).toContain("step deploy failed (2 of 3 items)");
    expect(lines.join("\n")).not.toMatch(/[\u001b\u0007]/);
    expect(lines.join("\n")).not.toContain(SECRET);
  });
});
