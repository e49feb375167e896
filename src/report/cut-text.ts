/**
 * The one rule for how much of a long text from outside nxrun (a failure message, an output, a
 * heartbeat detail) a terminal shows: a few lines, then `… N more characters, full text in --report`.
 * The plain lines, `nxrun status` and the Ink view all cut with it; the report and NDJSON keep the
 * whole text. Cut before sanitizing (src/base/terminal-text.ts), so escapes do not count against the
 * limit and a cut never splits one.
 */

/** How much is kept unless the caller asks for other limits. */
export const CUT_MAX_CHARS = 400;
export const CUT_MAX_LINES = 4;

export interface CutLimits {
  /** Most characters (UTF-16 code units) kept. */
  maxChars?: number;
  /** Most lines kept (a line ends at LF). */
  maxLines?: number;
}

/** `text` when it is within the limits, else its start and a note of how much was left out. */
export function cutText(text: string, limits: CutLimits = {}): string {
  const maxChars = Math.max(1, limits.maxChars ?? CUT_MAX_CHARS);
  const maxLines = Math.max(1, limits.maxLines ?? CUT_MAX_LINES);
  let end = Math.min(text.length, maxChars);
  let lines = 1;
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10 && ++lines > maxLines) {
      end = i;
      break;
    }
  }
  if (end >= text.length) return text;
  // Never keep half of a surrogate pair: the sanitizer would show it as an escape.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  const kept = text.slice(0, end).trimEnd();
  return `${kept} … ${moreCharacters(text.length - kept.length)}, full text in --report`;
}

function moreCharacters(count: number): string {
  return `${count.toLocaleString("en-US")} more character${count === 1 ? "" : "s"}`;
}
