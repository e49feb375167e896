import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/pipeline/diagnostic.js";
import { formatDiagnostics } from "../../../src/pipeline/format-diagnostics.js";

const file = "/virtual/p.yaml";
const sources = new Map([[file, "nxrun: 1\nname: p\nsteps:\n  - id: a\n    activty: A\n"]]);
const d: Diagnostic = {
  code: "NX110",
  severity: "error",
  message: 'unknown key "activty" in step "a"',
  hint: 'did you mean "activity"?',
  file,
  line: 5,
  column: 5,
};

describe("formatDiagnostics", () => {
  it("prints place, severity, code, message, the line at fault underlining the token, and the hint", () => {
    expect(formatDiagnostics([d], { sources, cwd: "/virtual" })).toBe(
      [
        'p.yaml:5:5: error NX110 unknown key "activty" in step "a"',
        "> 5 |     activty: A",
        "    |     ^^^^^^^",
        '  hint: did you mean "activity"?',
      ].join("\n"),
    );
  });

  it("colours only when asked, and prints a diagnostic without a place without a frame", () => {
    expect(formatDiagnostics([d], { sources, color: true })).toContain("\u001b[31m");
    const nowhere: Diagnostic = { ...d, line: 0, column: 0, file: "/nope.yaml", severity: "warning" };
    expect(formatDiagnostics([nowhere], { cwd: "/" })).toBe(
      'nope.yaml: warning NX110 unknown key "activty" in step "a"\n  hint: did you mean "activity"?',
    );
  });

  it("shows server text in messages and hints, and source lines, escaped (one sanitizer); the caret follows", () => {
    // As preflight builds it: the endpoint's target and the server's error are the server's text.
    const hostile: Diagnostic = {
      ...d,
      code: "NX301",
      message: "Nexus endpoints were not checked: denied\u001b]52;c;aGk=\u0007 \u001b[2J\rEVIL \u202eexe.txt",
      hint: 'start a worker on task queue "q\u2066x\u2069"\nthen retry',
      line: 2,
      column: 9,
    };
    const frame = new Map([[file, 'nxrun: 1\nname: "\u202ep" # x\n']]);
    const text = formatDiagnostics([hostile], { sources: frame, cwd: "/virtual" });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toBe(
      [
        "p.yaml:2:9: error NX301 Nexus endpoints were not checked: denied\\u001b]52;c;aGk=\\u0007 \\u001b[2J\\rEVIL \\u202eexe.txt",
        '> 2 | name: "\\u202ep" # x',
        // Under `p"`: the escaped override before it is six columns wide.
        "    |              ^^",
        '  hint: start a worker on task queue "q\\u2066x\\u2069"',
        "then retry",
      ].join("\n"),
    );
  });

  it("cuts a long line to the terminal's width, around the caret", () => {
    const long = `${"a".repeat(5_000)}: ${"b".repeat(300)}MARK${"c".repeat(100_000)}`;
    const text = formatDiagnostics([{ ...d, line: 2, column: 5_303, endLine: 2, endColumn: 5_307 }], {
      sources: new Map([[file, `first\n${long}\nthird`]]),
      cwd: "/virtual",
      width: 60,
    });
    const [, shown, caret] = text.split("\n");
    for (const row of [shown, caret]) expect(row?.length).toBeLessThanOrEqual(60);
    expect(shown).toMatch(/^> 2 \| …b+MARKc+…$/);
    expect(text).not.toContain("first");
    // The caret stands under MARK.
    expect(shown?.slice(caret?.indexOf("^"), (caret?.lastIndexOf("^") ?? 0) + 1)).toBe("MARK");
  });

  describe("a 20 KB line, cut around the caret to the width, the caret under the marked text", () => {
    const LENGTH = 20_000;
    const cases = [40, 80, 200].flatMap((width) => [1, 10_000, LENGTH - 3].map((column) => ({ width, column })));
    it.each(cases)("width $width, fault at column $column", ({ width, column }) => {
      const line = `${"x".repeat(column - 1)}MARK${"y".repeat(LENGTH - column - 3)}`;
      expect(line).toHaveLength(LENGTH);
      const text = formatDiagnostics([{ ...d, line: 2, column, endLine: 2, endColumn: column + 4 }], {
        sources: new Map([[file, `first\n${line}\nthird`]]),
        cwd: "/virtual",
        width,
      });
      const [, shown = "", caret = ""] = text.split("\n");
      expect(shown.length).toBeLessThanOrEqual(width);
      expect(caret.length).toBeLessThanOrEqual(width);
      expect(shown.slice(caret.indexOf("^"), caret.lastIndexOf("^") + 1)).toBe("MARK");
      // An ellipsis on each side that was cut, and only there.
      const body = shown.slice("> 2 | ".length);
      expect(body.startsWith("…")).toBe(column > 1);
      expect(body.endsWith("…")).toBe(column < LENGTH - 3);
    });
  });
});
