/** Durations as written in pipelines (`500ms`, `30s`, `5m`, `1h30m`, `2d`), parsed to milliseconds. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds of a duration string, or undefined when it is not one. Zero is returned as 0. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return Math.round(total);
}

/** A short human form of milliseconds, e.g. 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
    ["ms", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join("");
}

/** What a `wait:` value means: a duration from when the wait begins, or a time to wait until. */
export type WaitTarget = { readonly durationMs: number } | { readonly untilMs: number };

// A date and time with a zone (Z or ±hh:mm): a time without one would mean something else on every laptop.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads a `wait:` value (a duration such as "5m" or an ISO 8601 time); a problem says why it is neither. */
export function parseWaitTarget(value: unknown): WaitTarget | { readonly problem: string } {
  if (typeof value !== "string") {
    return {
      problem: `a wait is a duration such as "5m" or an ISO 8601 time, got ${JSON.stringify(value) ?? "nothing"}`,
    };
  }
  const duration = parseDuration(value);
  if (duration !== undefined) {
    return duration > 0 ? { durationMs: duration } : { problem: `a wait of "${value}" is not a positive duration` };
  }
  if (ISO_TIME.test(value)) {
    const untilMs = Date.parse(value);
    if (!Number.isNaN(untilMs)) return { untilMs };
  }
  return {
    problem: `"${value}" is neither a duration (500ms, 30s, 5m, 1h30m) nor an ISO 8601 time with a zone (2026-12-01T20:00:00Z)`,
  };
}
