/**
 * Secret masking, done once: createReporters wraps the fan-out in redactEvents, so every reporter
 * (plain, json, Ink view, run.json, JUnit, and any added later) receives events with the secrets
 * already masked and never sees a secret value; src/cli/print-error.ts masks errors the same way.
 * The masking rule itself (in place, escaped forms too) is src/base/mask-secrets.ts.
 * Secrets shorter than 4 characters are refused when they are read (MIN_SECRET_LENGTH in
 * src/engine/secrets.ts): masking a 1-3 character value would mask half of every line.
 */
import { mapPlainData } from "../base/map-plain-data.js";
import { maskNeedles, secretNeedles } from "../base/mask-secrets.js";
import type { Reporter } from "../engine/events.js";

/**
 * A copy of `value` with every secret masked in place in every string, object key and error
 * (message, stack, cause). A number whose digits hold a secret becomes its masked text. Values that
 * are not plain data (functions, class instances) are kept as they are.
 */
export function redact<T>(value: T, secrets: readonly string[]): T {
  return redactNeedles(value, secretNeedles(secrets));
}

function redactNeedles<T>(value: T, needles: readonly string[]): T {
  if (needles.length === 0) return value;
  return mapPlainData(value, {
    string: (text) => maskNeedles(text, needles),
    number(number) {
      const text = String(number);
      return needles.some((needle) => text.includes(needle)) ? maskNeedles(text, needles) : number;
    },
    error(error) {
      const copy = new Error(maskNeedles(error.message, needles));
      copy.name = error.name;
      if (error.stack !== undefined) copy.stack = maskNeedles(error.stack, needles);
      return copy;
    },
  }) as T;
}

/** A Reporter that masks every event once and hands it to `reporter`. */
export function redactEvents(reporter: Reporter, secrets: readonly string[]): Reporter {
  const needles = secretNeedles(secrets);
  if (needles.length === 0) return reporter;
  const masked: Reporter = {};
  for (const key of Object.keys(reporter) as Array<keyof Reporter>) {
    const hook = reporter[key] as ((event?: unknown) => unknown) | undefined;
    if (typeof hook !== "function") continue;
    (masked as Record<string, unknown>)[key] =
      key === "close" ? hook.bind(reporter) : (event: unknown) => hook.call(reporter, redactNeedles(event, needles));
  }
  return masked;
}
