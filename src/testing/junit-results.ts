/**
 * `nxrun test --junit FILE`: one <testsuite> per test file, one <testcase> per case, a failed case's
 * problems and differences as its <failure>; a malformed test file is a suite with one failed case,
 * so CI shows it too. The same Ant/Surefire form as `nxrun run --junit` (src/report/junit.ts).
 */
import { sanitizeTerminalLines, sanitizeTerminalText } from "../base/terminal-text.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { displayPath } from "../pipeline/format-diagnostics.js";
import { escapeAttribute as escapeXmlAttribute, escapeText as escapeXmlText } from "../report/junit.js";
import { placed, valueText } from "./format-results.js";
import type { CaseResult } from "./run-case.js";
import type { TestRun } from "./run-tests.js";

// Names, messages and values come from test files and mocks: escaped as the terminal output escapes
// them (an ESC or a bidi override shows as \u001b, \u202e), so a CI page that shows the report shows the same.
const escapeAttribute = (text: string) => escapeXmlAttribute(sanitizeTerminalText(text));
const escapeText = (text: string) => escapeXmlText(sanitizeTerminalLines(text));

export function junitResultsXml(run: TestRun, cwd: string): string {
  const suites = new Map<string, { cases: CaseResult[]; diagnostics: Diagnostic[] }>();
  const suite = (file: string) => {
    const existing = suites.get(file);
    if (existing) return existing;
    const created = { cases: [] as CaseResult[], diagnostics: [] as Diagnostic[] };
    suites.set(file, created);
    return created;
  };
  for (const c of run.cases) suite(c.file).cases.push(c);
  for (const d of run.diagnostics) suite(d.file).diagnostics.push(d);
  const failures = run.cases.filter((c) => !c.passed).length + suites.size - new Set(run.cases.map((c) => c.file)).size;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="nxrun test" tests="${run.cases.length}" failures="${failures}">`,
  ];
  for (const [file, { cases, diagnostics }] of suites) {
    const name = escapeAttribute(displayPath(file, cwd));
    const failed = cases.filter((c) => !c.passed).length + (diagnostics.length > 0 ? 1 : 0);
    lines.push(
      `  <testsuite name="${name}" tests="${cases.length + (diagnostics.length > 0 ? 1 : 0)}" failures="${failed}">`,
    );
    if (diagnostics.length > 0) {
      const text = diagnostics.map(
        (d) => `${d.line}:${d.column} ${d.code} ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`,
      );
      lines.push(
        `    <testcase classname="${name}" name="the test file">`,
        `      <failure message="${escapeAttribute(diagnostics[0]?.message ?? "malformed")}" type="MalformedTestFile">${escapeText(text.join("\n"))}</failure>`,
        "    </testcase>",
      );
    }
    for (const c of cases) {
      const head = `    <testcase classname="${name}" name="${escapeAttribute(c.name)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
      if (c.passed) {
        lines.push(`${head}/>`);
        continue;
      }
      const details = [
        ...c.problems.map((p) => `${p.path}: ${placed(p.message, p.position, cwd)}`),
        ...c.mismatches.map(
          (m) =>
            `${m.path}: ${m.message === undefined ? "" : `${placed(m.message, m.position, cwd)}; `}expected ${valueText(m.expected)}, found ${valueText(m.actual)}`,
        ),
      ];
      lines.push(
        `${head}>`,
        `      <failure message="${escapeAttribute(details[0] ?? "failed")}" type="CaseFailed">${escapeText(details.join("\n"))}</failure>`,
        "    </testcase>",
      );
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>", "");
  return lines.join("\n");
}
