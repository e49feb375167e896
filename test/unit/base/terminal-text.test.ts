import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sanitizeTerminalLines, sanitizeTerminalText, terminalSafeJson } from "../../../src/base/terminal-text.js";

/** What must never reach a terminal raw: controls, format characters (but ZWNJ/ZWJ), separators, lone surrogates. */
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/u;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

/** Strings rich in the characters that matter: controls, C1, bidi, separators, surrogate halves. */
const hostileChar = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"),
  fc.constantFrom("\u200b", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u2028", "\u2029", "\u{e0041}"),
  fc.constantFrom("\ud800", "\udfff", "\r\n", "\u001b]52;c;aGk=\u0007", "\u001b[2J", "\u001b]8;;http://x\u001b\\"),
);
const hostile = fc
  .array(fc.oneof(hostileChar, fc.string({ unit: "grapheme" })), { maxLength: 20 })
  .map((parts) => parts.join(""));
const anyText = fc.oneof(hostile, fc.string({ unit: "binary" }));

describe("sanitizeTerminalText", () => {
  it("never lets a control, format, bidi or separator character through", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = sanitizeTerminalText(text);
        expect(out).not.toMatch(FORBIDDEN);
        expect(out).not.toMatch(BIDI);
        expect(out).not.toContain("\n");
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves printable text unchanged (and so is idempotent)", () => {
    const printable = fc.string({ unit: "grapheme" }).filter((s) => !FORBIDDEN.test(s));
    fc.assert(
      fc.property(printable, (text) => {
        expect(sanitizeTerminalText(text)).toBe(text);
      }),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        expect(sanitizeTerminalText(sanitizeTerminalText(text))).toBe(sanitizeTerminalText(text));
      }),
    );
  });

  it("keeps every printable character of the input, in order", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const kept = [...text].filter((c) => !FORBIDDEN.test(c)).join("");
        const out = sanitizeTerminalText(text);
        let at = 0;
        for (const c of kept) {
          at = out.indexOf(c, at);
          expect(at).toBeGreaterThanOrEqual(0);
          at += c.length;
        }
      }),
    );
  });

  it("shows escape sequences as escaped text", () => {
    expect(sanitizeTerminalText("copy \u001b]52;c;aGVsbG8=\u0007 done")).toBe("copy \\u001b]52;c;aGVsbG8=\\u0007 done");
    expect(sanitizeTerminalText("\u001b[2Jgone")).toBe("\\u001b[2Jgone");
    expect(sanitizeTerminalText("\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\")).toBe(
      "\\u001b]8;;https://evil.example\\u001b\\click\\u001b]8;;\\u001b\\",
    );
    expect(sanitizeTerminalText("\u009b2J \u009d52;c;x\u009c \u0090q\u009c")).toBe(
      "\\u009b2J \\u009d52;c;x\\u009c \\u0090q\\u009c",
    );
    expect(sanitizeTerminalText("all good\rPWNED")).toBe("all good\\rPWNED");
    expect(sanitizeTerminalText("a\nb\tc")).toBe("a\\nb\\tc");
    expect(sanitizeTerminalText("user \u202eexe.txt\u202c and \u2066x\u2069")).toBe(
      "user \\u202eexe.txt\\u202c and \\u2066x\\u2069",
    );
    expect(sanitizeTerminalText("zero\u200bwidth\ufeff tag\u{e0041}")).toBe("zero\\u200bwidth\\ufeff tag\\u{e0041}");
    expect(sanitizeTerminalText("half \ud800")).toBe("half \\ud800");
  });

  it("keeps what scripts and emoji need: ZWJ, ZWNJ, combining marks, astral characters", () => {
    for (const text of ["👩\u200d💻", "می\u200cخواهم", "e\u0301", "𝄞 ✓ 日本語", "C:\\Users\\me"]) {
      expect(sanitizeTerminalText(text)).toBe(text);
    }
  });
});

describe("sanitizeTerminalLines", () => {
  it("keeps LF and TAB, drops the CR of CRLF, escapes a lone CR and everything else", () => {
    expect(sanitizeTerminalLines("one\r\ntwo\n\tthree")).toBe("one\ntwo\n\tthree");
    expect(sanitizeTerminalLines("ok\roverwritten\n\u001b[2J")).toBe("ok\\roverwritten\n\\u001b[2J");
  });

  it("never lets anything but LF and TAB through", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = sanitizeTerminalLines(text).replace(/[\n\t]/g, "");
        expect(out).not.toMatch(FORBIDDEN);
        expect(out).not.toMatch(BIDI);
      }),
      { numRuns: 2000 },
    );
  });

  it("is the single-line sanitizer line by line", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const lines = sanitizeTerminalLines(text).split("\n");
        expect(lines).toEqual(text.split(/\r?\n/).map((l) => l.split("\t").map(sanitizeTerminalText).join("\t")));
      }),
    );
  });
});

describe("terminalSafeJson", () => {
  it("escapes DEL, C1, format characters and separators; a parser reads the same value", () => {
    const value = { "k\u202e": "a\u009b31m\u007fb\u2028c\u{e0041}d\u200de", n: 1 };
    const json = terminalSafeJson(JSON.stringify(value));
    expect(json).not.toMatch(/[\u007f-\u009f\u2028\u202e]|\p{Cf}(?<!\u200d)/u);
    expect(json).toContain("\\u009b31m");
    expect(json).toContain("\u200d");
    expect(JSON.parse(json)).toEqual(value);
  });
});
