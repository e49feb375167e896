/**
 * Lines of the Ink view cut to its width, by the rule of src/base/terminal-columns.ts. The view cuts
 * every line itself: Ink's own truncation can put its `…` one column past the edge
 * when a wide character meets it, and the terminal then wraps the line.
 */
import { columns, graphemes } from "../../base/terminal-columns.js";

export { columns };

/** `text` padded with spaces to `width` columns (as it is when already that wide). */
export function padColumns(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - columns(text)));
}

/** A piece of a line, drawn in one style. `link` makes the text an OSC 8 link (never cut into). */
export interface Span {
  text: string;
  color?: string | undefined;
  bold?: boolean | undefined;
  link?: string | undefined;
}

/**
 * The spans cut to `width` columns, `…` last when anything was left out; a span with a link is kept
 * whole or left out, never cut (its escape sequence would break).
 */
export function cutSpans(spans: readonly Span[], width: number): Span[] {
  const total = spans.reduce((sum, span) => sum + columns(span.text), 0);
  if (total <= width) return [...spans];
  const room = Math.max(0, width - 1);
  const out: Span[] = [];
  let used = 0;
  for (const span of spans) {
    const spanWidth = columns(span.text);
    if (used + spanWidth <= room) {
      out.push(span);
      used += spanWidth;
      continue;
    }
    if (span.link === undefined) {
      let kept = "";
      for (const segment of graphemes(span.text)) {
        const w = columns(segment);
        if (used + w > room) break;
        kept += segment;
        used += w;
      }
      out.push({ ...span, text: `${kept}…`, link: undefined });
    } else {
      out.push({ ...span, text: "…", link: undefined });
    }
    return out;
  }
  return out;
}

/** `text` cut to `width` columns, with `…` last when cut. */
export function cutColumns(text: string, width: number): string {
  return cutSpans([{ text }], width)[0]?.text ?? "";
}

/**
 * A line of parts joined by ` · ` cut to `width` by shortening its longest part first (a failure's
 * message, usually), so the short parts beside it (the attempt, `retrying in 3 s`) stay whole; the
 * start of the long part (the error's type) stays too. Cut at the end when that is not enough.
 */
export function cutParts(text: string, width: number, separator = " · "): string {
  if (columns(text) <= width) return text;
  const parts = text.split(separator);
  if (parts.length > 1) {
    let longest = 0;
    parts.forEach((part, index) => {
      if (columns(part) > columns(parts[longest] ?? "")) longest = index;
    });
    const others = columns(text) - columns(parts[longest] ?? "");
    // Keep at least a readable start of the long part; below that, cutting the end is as good.
    const room = width - others;
    if (room >= 12) {
      parts[longest] = cutColumns(parts[longest] ?? "", room);
      return parts.join(separator);
    }
  }
  return cutColumns(text, width);
}

/** `text` broken into lines of at most `width` columns (at spaces when it can), for text shown whole. */
export function wrapColumns(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  let lineWidth = 0;
  let lastSpace = -1;
  for (const segment of graphemes(text)) {
    const w = columns(segment);
    if (lineWidth + w > width && line !== "") {
      if (lastSpace > 0) {
        lines.push(line.slice(0, lastSpace));
        line = line.slice(lastSpace + 1);
      } else {
        lines.push(line);
        line = "";
      }
      lineWidth = columns(line);
      lastSpace = line.lastIndexOf(" ");
    }
    if (segment === " ") lastSpace = line.length;
    line += segment;
    lineWidth += w;
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}
