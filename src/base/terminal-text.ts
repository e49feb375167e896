/**
 * The one sanitizer for text that reaches a terminal from outside nxrun (worker failure messages
 * and causes, outputs, summaries, confirm texts, heartbeat details, server errors).
 *
 * A terminal obeys the bytes it is given: ESC ] 52 ; c ; ... BEL writes the clipboard, ESC [ 2J
 * clears the screen, ESC ] 8 makes a link whose text lies about its target, a lone CR lets later
 * text overwrite earlier text, and the bidi overrides (U+202A-202E, U+2066-2069) show characters
 * in an order other than the one they are in. So every character that a terminal treats as an
 * instruction or that is invisible is shown as an escape (`\u001b]52;c;...\u0007`): the reader
 * sees that it was there, nothing acts on it.
 *
 * Escaping the introducer (ESC, or the C1 CSI/OSC/DCS code points) is enough to defuse a whole
 * escape sequence: what follows it is printable text. Backslashes are kept as they are (paths
 * stay readable); so a literal "\u001b" typed by a worker reads the same as an escaped ESC, which
 * is harmless.
 *
 * Escaped:
 * - C0 controls U+0000-001F (incl. CR, LF, TAB, ESC, BEL), DEL U+007F, C1 controls U+0080-009F;
 * - format characters (Unicode category Cf: bidi embeddings, overrides, isolates and marks,
 *   zero-width space, word joiner, BOM, soft hyphen, tag characters...), except ZERO WIDTH
 *   NON-JOINER and ZERO WIDTH JOINER (U+200C, U+200D), which scripts and emoji need to render;
 * - line and paragraph separators U+2028, U+2029, and lone surrogates.
 *
 * NDJSON and JSON output never go through this: they keep text exact (JSON escapes it); JSON printed
 * on stdout goes through terminalSafeJson below, which escapes what JSON.stringify leaves raw.
 */

import { mapPlainData } from "./map-plain-data.js";

/** Everything we escape; the `u` flag makes lone surrogates match \p{Cs}. */
const UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/gu;
const UNSAFE_TEST = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/u;

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(char: string): string {
  const short = SHORT[char];
  if (short !== undefined) return short;
  const code = char.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * One line of terminal-safe text: every control, format and separator character escaped,
 * newlines too (`\n`), so the text cannot break the row it is printed in.
 */
export function sanitizeTerminalText(text: string): string {
  if (!UNSAFE_TEST.test(text)) return text;
  return text.replace(UNSAFE, escapeChar);
}

/**
 * Terminal-safe text that may span lines (a multi-line failure message or output printed as a
 * block): like sanitizeTerminalText, but LF and TAB are kept and a CR directly before LF (a
 * Windows line end) is dropped. A lone CR, which would let later text overwrite a line, is still
 * escaped.
 */
export function sanitizeTerminalLines(text: string): string {
  if (!UNSAFE_TEST.test(text)) return text;
  return text
    .split(/\r?\n/)
    .map((line) => line.split("\t").map(sanitizeTerminalText).join("\t"))
    .join("\n");
}

/**
 * A copy of `value` with every string (object keys too) passed through sanitizeTerminalText, for
 * state a terminal view keeps and draws piece by piece (src/report/tui/store.ts). Not for values the
 * view prints as JSON: stringify those first and sanitize the text, or the escapes are doubled.
 */
export function sanitizeTerminalData<T>(value: T): T {
  return mapPlainData(value, { string: sanitizeTerminalText }) as T;
}

/** The characters JSON.stringify leaves raw that a terminal may act on: DEL, C1 controls, Cf, separators. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/gu;
/** Every character UNSAFE_IN_JSON matches is beyond U+007E; a test for them without the `u` flag copies nothing. */
const BEYOND_ASCII = /[^\u0000-\u007e]/;

/**
 * JSON text made safe for a terminal without changing what it means: JSON.stringify escapes the C0
 * controls but leaves DEL, the C1 controls (U+009B is a CSI) and the bidi overrides raw. Outside
 * strings JSON has none of them, so each is written as its `\uXXXX` escape, which any JSON parser
 * reads back as the same character.
 */
export function terminalSafeJson(json: string): string {
  // ASCII text has none of them and is given back as it is: a replace copies even what it leaves
  // unchanged, and a large forEach's last events are megabytes.
  if (!BEYOND_ASCII.test(json)) return json;
  // One code point, one or two UTF-16 units (the tag characters are outside the BMP): each escaped.
  const escapeUnits = (char: string) =>
    Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");
  return json.replace(UNSAFE_IN_JSON, escapeUnits);
}
