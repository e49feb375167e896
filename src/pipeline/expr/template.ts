/**
 * The `{% ... %}` convention: a string whose whole value is `{% expr %}` is a JSONata expression;
 * anything else is a literal.
 */

/** The expression inside a `{% %}` string and where it starts in that string, or undefined for a literal. */
export function parseTemplate(value: string): { source: string; offset: number } | undefined {
  const open = value.indexOf("{%");
  if (open < 0 || value.slice(0, open).trim() !== "") return undefined;
  const close = value.lastIndexOf("%}");
  if (close < open + 2 || value.slice(close + 2).trim() !== "") return undefined;
  const inner = value.slice(open + 2, close);
  const lead = inner.length - inner.trimStart().length;
  return { source: inner.trim(), offset: open + 2 + lead };
}

/** True when a literal string holds `{%` somewhere, which is almost always a broken expression. */
export function looksLikeBrokenTemplate(value: string): boolean {
  return value.includes("{%") || /^\s*%\}/.test(value);
}
