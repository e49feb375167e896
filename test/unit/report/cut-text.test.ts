import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CUT_MAX_CHARS, CUT_MAX_LINES, cutText } from "../../../src/report/cut-text.js";

const NOTE = / … ([\d,]+) more characters?, full text in --report$/;

describe("cutText", () => {
  it("keeps a short text as it is", () => {
    expect(cutText("card declined")).toBe("card declined");
    expect(cutText("a\nb\nc\nd")).toBe("a\nb\nc\nd");
  });

  it("cuts a long text to its first characters and says how many more there are", () => {
    const text = "x".repeat(200_000);
    const out = cutText(text);
    expect(out).toBe(`${"x".repeat(CUT_MAX_CHARS)} … 199,600 more characters, full text in --report`);
  });

  it("cuts after a few lines", () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}`).join("\n");
    const out = cutText(text);
    expect(out.split("\n")).toHaveLength(CUT_MAX_LINES);
    expect(out.startsWith("line 0\nline 1\nline 2\nline 3 … ")).toBe(true);
    expect(Number(NOTE.exec(out)?.[1]?.replace(/,/g, ""))).toBe(text.length - "line 0\nline 1\nline 2\nline 3".length);
  });

  it("never splits a surrogate pair", () => {
    const text = `${"a".repeat(9)}😀😀😀`;
    expect(cutText(text, { maxChars: 10 })).toBe(`${"a".repeat(9)} … 6 more characters, full text in --report`);
  });

  it("bounds every text and accounts for each character left out", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 3000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 10 }),
        (text, maxChars, maxLines) => {
          const out = cutText(text, { maxChars, maxLines });
          if (out === text) {
            expect(text.length).toBeLessThanOrEqual(maxChars);
            expect(text.split("\n").length).toBeLessThanOrEqual(maxLines);
            return;
          }
          const note = NOTE.exec(out);
          expect(note).not.toBeNull();
          const kept = out.slice(0, note?.index);
          expect(text.startsWith(kept)).toBe(true);
          expect(kept.length).toBeLessThanOrEqual(maxChars);
          expect(kept.split("\n").length).toBeLessThanOrEqual(maxLines);
          expect(Number(note?.[1]?.replace(/,/g, ""))).toBe(text.length - kept.length);
        },
      ),
    );
  });
});
