/**
 * The one masking rule for secret values, shared by every place text leaves nxrun: the reporters
 * (src/report/redact.ts), printed errors, and what the engine sends to the server as metadata.
 *
 * Masking is in place, as CI services mask: each occurrence of a secret inside a longer string is
 * replaced by `***` and the rest is kept ("token was ***"), so a failure message stays readable.
 * Overlapping occurrences of different secrets are masked as one span, so no fragment is left.
 *
 * A secret is masked in its escaped forms too: a worker that quotes a value inside JSON (an error
 * message holding `{"t":"pa\"ss"}`) escapes `"`, `\`, control characters and, depending on its
 * language, non-ASCII characters (Python's json.dumps) or `<`, `>`, `&` (Go's encoding/json); a PEM
 * key or a password holding one of them would otherwise be shown in that form.
 */

export const REDACTED = "***";

/** `\uXXXX` with lower-case hex, as JSON encoders write it. */
function unicodeEscape(char: string): string {
  let out = "";
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/** The forms a JSON encoder may write `secret` in inside a string, the secret itself first. */
function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const asciiOnly = json.replace(/[^\x00-\x7f]+/g, unicodeEscape);
  const htmlSafe = json.replace(/[<>&\u2028\u2029]/g, unicodeEscape);
  const both = asciiOnly.replace(/[<>&]/g, unicodeEscape);
  return [secret, json, asciiOnly, htmlSafe, both];
}

/**
 * What to look for to mask `secrets`: each non-empty secret and its escaped forms, each once.
 * Computed once per set of secrets by a caller that masks much text (src/report/redact.ts).
 */
export function secretNeedles(secrets: readonly string[]): string[] {
  const needles = new Set<string>();
  for (const secret of secrets) {
    // An empty secret would match everywhere; it protects nothing, so it is ignored.
    if (secret.length === 0) continue;
    for (const form of escapedForms(secret)) needles.add(form);
  }
  return [...needles];
}

/** Every occurrence of a needle (from secretNeedles) in `text`, as one `***` per maximal covered span. */
export function maskNeedles(text: string, needles: readonly string[]): string {
  const spans: Array<[number, number]> = [];
  for (const needle of needles) {
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      spans.push([at, at + needle.length]);
    }
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = "";
  let from = 0;
  let end = -1;
  for (const [start, stop] of spans) {
    if (start > end) {
      if (end >= 0) out += REDACTED;
      out += text.slice(from, start);
      end = stop;
    } else end = Math.max(end, stop);
    from = end;
  }
  return `${out}${REDACTED}${text.slice(from)}`;
}

/** Every occurrence of a secret, or of its escaped forms, in `text` masked as `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  return maskNeedles(text, secretNeedles(secrets));
}
