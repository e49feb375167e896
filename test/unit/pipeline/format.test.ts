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
  it("prints place, severity, code, message, a code frame underlining the token, and the hint", () => {
    expect(formatDiagnostics([d], { sources, cwd: "/virtual" })).toBe(
      [
        'p.yaml:5:5: error NX110 unknown key "activty" in step "a"',
        "  4 |   - id: a",
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
});
