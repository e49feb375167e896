import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/pipeline/diagnostic.js";
import { formatDiagnostics } from "../../../src/pipeline/format-diagnostics.js";

const file = "/virtual/p.yaml";
const base: Diagnostic = { code: "NX110", severity: "error", message: "m", file, line: 1, column: 1 };

/** The frame of one diagnostic at `column` of `line`: the shown line's text and the caret line. */
function frame(line: string, column: number, length: number, width: number): { shown: string; caret: string } {
  const text = formatDiagnostics([{ ...base, column, endLine: 1, endColumn: column + length }], {
    sources: new Map([[file, line]]),
    cwd: "/virtual",
    width,
  });
  const [, shown = "", caret = ""] = text.split("\n");
  return { shown, caret };
}

/** The text shown above the carets, counted in terminal columns. */
function underCaret(shown: string, caret: string): string {
  const from = caret.indexOf("^");
  const to = caret.lastIndexOf("^") + 1;
  let at = 0;
  let out = "";
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(shown)) {
    if (at >= from && at < to) out += segment;
    at += stringWidth(segment);
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("a source excerpt in terminal columns: wide, combining and astral characters", () => {
  const cases = [
    { name: "CJK before the caret", prefix: "名前：".repeat(3), rest: "" },
    { name: "emoji before the caret", prefix: "👩‍💻🎉".repeat(3), rest: "" },
    { name: "combining marks before the caret", prefix: "e\u0301".repeat(6), rest: "" },
    { name: "CJK after the caret", prefix: "key: ", rest: "漢字".repeat(5) },
  ];
  it.each(cases)("$name: the caret under the marked text (short line)", ({ prefix, rest }) => {
    const line = `${prefix}MARK${rest}`;
    const { shown, caret } = frame(line, prefix.length + 1, 4, 120);
    expect(underCaret(shown, caret)).toBe("MARK");
  });

  it.each([40, 80])("a long line of CJK cut to %i columns, the caret under MARK", (width) => {
    const prefix = "漢".repeat(500);
    const line = `${prefix}MARK${"字".repeat(500)}`;
    const { shown, caret } = frame(line, prefix.length + 1, 4, width);
    expect(stringWidth(shown)).toBeLessThanOrEqual(width);
    expect(stringWidth(caret)).toBeLessThanOrEqual(width);
    expect(underCaret(shown, caret)).toBe("MARK");
  });

  it.each([20, 21, 40, 41])("emoji cut at %i columns: never half a surrogate pair", (width) => {
    const prefix = "🎉".repeat(300);
    const line = `${prefix}MARK${"🎉".repeat(300)}`;
    const { shown, caret } = frame(line, prefix.length + 1, 4, width);
    expect(shown).not.toMatch(LONE_SURROGATE);
    expect(underCaret(shown, caret)).toBe("MARK");
  });

  it.each([20, 22, 24])("a narrow terminal of %i columns: the frame fits it, the caret under MARK", (width) => {
    for (const filler of ["a", "漢", "🎉", "e\u0301"]) {
      const prefix = filler.repeat(60);
      const line = `${prefix}MARK${filler.repeat(60)}`;
      const { shown, caret } = frame(line, prefix.length + 1, 4, width);
      expect(stringWidth(shown), shown).toBeLessThanOrEqual(width);
      expect(stringWidth(caret), caret).toBeLessThanOrEqual(width);
      expect(underCaret(shown, caret)).toBe("MARK");
    }
  });

  it("a caret at the end of a line of combining marks stays on the line", () => {
    const line = "e\u0301".repeat(10);
    const { shown, caret } = frame(line, line.length, 1, 120);
    expect(caret.indexOf("^")).toBeLessThan(stringWidth(shown));
  });

  it.each([0, 1, -5, Number.NaN, 1e9])("width %s: no throw, the caret under MARK", (width) => {
    const line = `${"a\t".repeat(50)}MARK${"b".repeat(50)}`;
    const { shown, caret } = frame(line, 101, 4, width);
    expect(underCaret(shown, caret)).toBe("MARK");
  });
});
