/**
 * Text from workers, the server or the pipeline, made safe for a Markdown page (the GitHub step
 * summary renders GitHub-flavoured Markdown with a subset of HTML). First the one sanitizer
 * (src/base/terminal-text.ts: controls, bidi and invisible characters shown as escapes), then
 * `&`, `<`, `>` as entities so no HTML tag or comment survives, then a backslash before every
 * character Markdown would read as syntax (CommonMark lets any ASCII punctuation be escaped),
 * so a `|` never splits a table cell and `**`, `[x](y)`, a bare URL or a leading `#` stay literal.
 */
import { sanitizeTerminalLines, sanitizeTerminalText } from "../base/terminal-text.js";

// `:` and `@` too: GitHub turns a bare http://... or name@host into a link.
const SYNTAX = /[\\`*_{}[\]()#+\-.!|~:@]/g;

/** Inline text: one line, safe in a table cell, a list item or a heading. */
export function markdownText(text: string): string {
  return sanitizeTerminalText(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(SYNTAX, (c) => `\\${c}`);
}

/** Inline code (`id`), for IDs and names: a code span cannot hold a `|` in a table, so it is escaped. */
export function markdownCode(text: string): string {
  const safe = sanitizeTerminalText(text).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...[...safe.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = safe.startsWith("`") || safe.endsWith("`") ? " " : "";
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/** A fenced code block whose fence no line of the text can close. */
export function markdownCodeBlock(text: string, language = ""): string {
  const safe = sanitizeTerminalLines(text);
  const longest = Math.max(2, ...[...safe.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${language}\n${safe}\n${fence}`;
}

/**
 * A link; the URL's `(`, `)`, quotes, spaces and `<>` are percent-encoded so it cannot end the link
 * early. Only http(s) URLs are linked; anything else is shown as text.
 */
export function markdownLink(text: string, url: string): string {
  if (!/^https?:\/\//i.test(url)) return markdownText(text);
  const safeUrl = url.replace(/[()<>\s"']/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  return `[${markdownText(text)}](${safeUrl})`;
}
