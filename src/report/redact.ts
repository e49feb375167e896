/**
 * Secret masking, done once: createReporters wraps the fan-out in redactEvents, so every reporter
 * (plain, json, Ink view, run.json, JUnit, and any added later) receives events with the secrets
 * already masked and never sees a secret value; src/cli/print-error.ts masks errors the same way.
 *
 * Masking is in place, as CI services mask: each occurrence of a secret inside a longer string is
 * replaced by `***` and the rest is kept ("token was ***"), so a failure message stays readable.
 * Overlapping occurrences of different secrets are masked as one span, so no fragment is left.
 * Secrets shorter than 4 characters are refused when they are read (MIN_SECRET_LENGTH in
 * src/engine/secrets.ts): masking a 1-3 character value would mask half of every line.
 */
import { mapPlainData } from "../base/map-plain-data.js";
import type { Reporter } from "../engine/events.js";

export const REDACTED = "***";

/** Every occurrence of a secret in `text`, as one `***` per maximal covered span. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const spans: Array<[number, number]> = [];
  for (const secret of secrets) {
    // An empty secret would match everywhere; it protects nothing, so it is ignored.
    if (secret.length === 0) continue;
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      spans.push([at, at + secret.length]);
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

/** True when `text` contains one of `secrets` (empty secrets ignored). */
function containsSecret(text: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => secret.length > 0 && text.includes(secret));
}

/**
 * A copy of `value` with every secret masked in place in every string, object key and error
 * (message, stack, cause). A number whose digits hold a secret becomes its masked text. Values that
 * are not plain data (functions, class instances) are kept as they are.
 */
export function redact<T>(value: T, secrets: readonly string[]): T {
  const needles = secrets.filter((secret) => secret.length > 0);
  if (needles.length === 0) return value;
  return mapPlainData(value, {
    string: (text) => maskSecrets(text, needles),
    number(number) {
      const text = String(number);
      return containsSecret(text, needles) ? maskSecrets(text, needles) : number;
    },
    error(error) {
      const copy = new Error(maskSecrets(error.message, needles));
      copy.name = error.name;
      if (error.stack !== undefined) copy.stack = maskSecrets(error.stack, needles);
      return copy;
    },
  }) as T;
}

/** A Reporter that masks every event once and hands it to `reporter`. */
export function redactEvents(reporter: Reporter, secrets: readonly string[]): Reporter {
  if (!secrets.some((secret) => secret.length > 0)) return reporter;
  const masked: Reporter = {};
  for (const key of Object.keys(reporter) as Array<keyof Reporter>) {
    const hook = reporter[key] as ((event?: unknown) => unknown) | undefined;
    if (typeof hook !== "function") continue;
    (masked as Record<string, unknown>)[key] =
      key === "close" ? hook.bind(reporter) : (event: unknown) => hook.call(reporter, redact(event, secrets));
  }
  return masked;
}
