/**
 * `nxrun run` under GitHub Actions, end to end on the real dev server with the real test worker:
 * the Markdown summary appended to $GITHUB_STEP_SUMMARY and written to --summary, read back with a
 * Markdown parser (marked); the failed step annotated with `::error` at its line in the pipeline.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { marked, type Token, type Tokens } from "marked";
import { describe, expect, it } from "vitest";
import { output, pipelineFile, runPipelineFile } from "../../support/e2e/run-helpers.js";
import { parseWorkflowCommands } from "../../support/github/workflow-commands.js";

const SECRET = "e2e-secret-5e1f9a";

function tables(markdown: string): Tokens.Table[] {
  const found: Tokens.Table[] = [];
  marked.walkTokens(marked.lexer(markdown), (token: Token) => {
    if (token.type === "table") found.push(token as Tokens.Table);
  });
  return found;
}

describe("nxrun run: GitHub step summary and annotations", () => {
  it("summarises a failed run in Markdown and annotates the failed step at its line", async () => {
    const yaml = `nxrun: 1
name: summary
secrets:
  token: { env: SUMMARY_TOKEN }
defaults:
  taskQueue: {{queue}}
  retry: { maximumAttempts: 2, initialInterval: 100ms }
steps:
  - id: first
    activity: add
    input: { a: 1, b: 2 }
  - id: fan
    forEach: "{% [1, 2] %}"
    activity: echo
    input: { n: "{% $item %}" }
  - id: boom
    needs: [first, fan]
    activity: fail
    input:
      message: "{% 'rejected | <b>bold</b> \\u001b]52;c;aGk=\\u0007' %}"
  - id: after
    needs: [boom]
    activity: noop
finally:
  - id: audit
    activity: echo
    input: { status: "{% $run.status %}" }
outputs:
  sum: "{% $steps.first.output.sum %}"
`;
    const file = pipelineFile(yaml);
    const dir = dirname(file);
    const stepSummary = join(dir, "step-summary.md");
    writeFileSync(stepSummary, "## an earlier step's summary\n\n");
    const summaryFile = join(dir, "summary.md");
    const result = await runPipelineFile(file, ["--summary", summaryFile], {
      env: {
        GITHUB_ACTIONS: "true",
        GITHUB_STEP_SUMMARY: stepSummary,
        GITHUB_WORKSPACE: dir,
        SUMMARY_TOKEN: SECRET,
      },
    });
    expect(result.code, output(result)).toBe(1);

    // Appended after what was there, and the same page as --summary.
    const appended = readFileSync(stepSummary, "utf8");
    const summary = readFileSync(summaryFile, "utf8");
    expect(appended).toBe(`## an earlier step's summary\n\n${summary}`);

    const [run, steps] = tables(summary);
    const runRows = Object.fromEntries(run!.rows.map((r) => [r[0]!.text, r[1]!.text]));
    expect(runRows["Run ID"]).toBe(`\`${result.runId}\``);
    expect(runRows.Result).toBe("❌ failed");
    expect(runRows.Duration).toMatch(/^\d+(ms|(\.\d)?s)$/);
    expect(steps!.header.map((h) => h.text)).toEqual(["Step", "Status", "Duration", "Attempts", "Executions", "Link"]);
    const rows = Object.fromEntries(steps!.rows.map((r) => [r[0]!.text, r.map((c) => c.text)]));
    expect(Object.keys(rows)).toEqual(["`first`", "`fan`", "`boom`", "`after`", "`audit` (finally)"]);
    expect(rows["`first`"]!.slice(1, 2)).toEqual(["✅ completed"]);
    expect(rows["`fan`"]![4]).toBe("2 (2 completed)");
    expect(rows["`boom`"]!.slice(1, 2)).toEqual(["❌ failed"]);
    // Attempts: boom failed on its second (last) attempt within the follow grace period, so nxrun
    // described it once after the failure (src/engine/execution.ts withAttempt).
    expect(rows["`boom`"]![3]).toBe("2");
    expect(rows["`boom`"]![4]).toBe("1");
    expect(rows["`boom`"]![5]).toBe(`\`${result.runId}.boom\``);
    expect(rows["`after`"]![1]).toBe("⏭️ skipped");
    expect(rows["`audit` (finally)"]![1]).toBe("✅ completed");

    const html = marked.parse(summary, { async: false });
    expect(html).toContain("caused by: QuotaError (non-retryable): disk quota exceeded");
    expect(html).toContain("rejected | &lt;b&gt;bold&lt;/b&gt; \\u001b]52;c;aGk=\\u0007");
    expect(html).not.toContain("<b>bold");
    expect(summary).not.toContain(SECRET);
    expect(summary).not.toMatch(/[\u001b\u0007]/);
    // The run's own error repeats the step's: shown once, under the step.
    expect(summary).not.toContain("**the run**");

    // One annotation: the failed step, at its `- id: boom` line.
    const line = yaml.split("\n").findIndex((l) => l === "  - id: boom") + 1;
    const annotations = parseWorkflowCommands(result.stdout).filter((c) => c.command === "error");
    expect(annotations, output(result)).toHaveLength(1);
    expect(annotations[0]!.properties).toEqual({
      file: "pipeline.yaml",
      line: String(line),
      col: "5",
      title: "nxrun: step boom failed",
    });
    expect(annotations[0]!.message).toContain("step boom failed: TestFailure (retryable): rejected");
    expect(annotations[0]!.message).toContain("caused by QuotaError");
    expect(result.stdout).not.toContain(SECRET);
  });

  it("writes nothing for GitHub outside it, and --summary with the outputs (secrets masked) on success", async () => {
    const file = pipelineFile(`nxrun: 1
name: summary-ok
secrets:
  token: { env: SUMMARY_TOKEN }
defaults: { taskQueue: {{queue}} }
steps:
  - { id: only, activity: echo, input: { sum: 4, auth: "{% 'Bearer ' & $secrets.token %}" } }
  # Fails twice, succeeds on attempt 3: followed from its second attempt (after the 1 s grace),
  # and the attempt it completed on read once at the end.
  - id: flaky
    activity: fail
    input: { succeedOnAttempt: 3 }
    retry: { initialInterval: 700ms, backoffCoefficient: 1, maximumAttempts: 5 }
outputs:
  sum: "{% $steps.only.output.sum %}"
  auth: "{% $steps.only.output.auth %}"
`);
    const summaryFile = join(dirname(file), "ok.md");
    const result = await runPipelineFile(file, ["--summary", summaryFile], {
      env: { GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "", SUMMARY_TOKEN: SECRET },
    });
    expect(result.code, output(result)).toBe(0);
    expect(parseWorkflowCommands(result.stdout)).toEqual([]);
    const summary = readFileSync(summaryFile, "utf8");
    expect(summary).not.toContain(SECRET);
    const code: string[] = [];
    marked.walkTokens(marked.lexer(summary), (t: Token) => {
      if (t.type === "code") code.push((t as Tokens.Code).text);
    });
    expect(JSON.parse(code[0] ?? "null")).toMatchObject({ sum: 4 });
    const [run, steps] = tables(summary);
    expect(run!.rows.find((r) => r[0]!.text === "Result")?.[1]?.text).toBe("✅ completed");
    expect(steps!.rows.map((r) => [r[0]!.text, r[1]!.text, r[3]!.text])).toEqual([
      ["`only`", "✅ completed", ""],
      ["`flaky`", "✅ completed", "3"],
    ]);
  });
});
