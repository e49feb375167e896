/**
 * Secret redaction shared by every reporter: a declared secret's value, and any string that
 * contains it, is shown as `***`. Whole strings are replaced (not only the matching part) so that
 * a secret embedded in a longer value (a URL, a header, an error message) leaves no fragment behind.
 */

export const REDACTED = "***";

/** Returns a copy of `value` in which every string containing one of `secrets` is `***` (keys too). */
export function redact<T>(value: T, secrets: readonly string[]): T {
  // An empty secret would match every string; it protects nothing, so it is ignored.
  const needles = secrets.filter((secret) => secret.length > 0);
  if (needles.length === 0) return value;
  return redactValue(value, needles, new WeakMap()) as T;
}

/** Replaces each occurrence of a secret inside `text` with `***`: the last guard on formatted lines. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) if (secret.length > 0) masked = masked.split(secret).join(REDACTED);
  return masked;
}

/** True when `text` contains one of `secrets` (empty secrets ignored). */
export function containsSecret(text: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => secret.length > 0 && text.includes(secret));
}

function redactValue(value: unknown, secrets: readonly string[], seen: WeakMap<object, unknown>): unknown {
  if (typeof value === "string") return containsSecret(value, secrets) ? REDACTED : value;
  if (value === null || typeof value !== "object") return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const element of value) copy.push(redactValue(element, secrets, seen));
    return copy;
  }
  if (value instanceof Error) {
    const copy = new Error(redactValue(value.message, secrets, seen) as string);
    seen.set(value, copy);
    copy.name = value.name;
    if (value.stack !== undefined) copy.stack = redactValue(value.stack, secrets, seen) as string;
    return copy;
  }
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, element] of Object.entries(value)) {
    copy[containsSecret(key, secrets) ? REDACTED : key] = redactValue(element, secrets, seen);
  }
  return copy;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
