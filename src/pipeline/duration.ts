/** Durations as written in pipelines (`500ms`, `30s`, `5m`, `1h30m`, `2d`), parsed to milliseconds. */

/** The keys of a `timeouts:` block: each a duration. */
export const TIMEOUT_KEYS = ["scheduleToClose", "scheduleToStart", "startToClose", "heartbeat"] as const;
/** The keys of a `retry:` block that are durations. */
export const RETRY_DURATION_KEYS = ["initialInterval", "maximumInterval"] as const;
/** Every key a duration is written under (`timeout` and `every` of a step or its repeat too). */
export const DURATION_KEYS: ReadonlySet<string> = new Set([
  ...TIMEOUT_KEYS,
  ...RETRY_DURATION_KEYS,
  "timeout",
  "every",
]);

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

/**
 * The one way nxrun shows a duration, elapsed or configured: `850ms`, `1.5s`, `12.3s`, `30s`,
 * `4m05s`, `5m`, `2h03m`, `1h`, `48h`. Two units at most (the smaller zero-padded, left out when
 * zero), tenths under a minute; it reads back with parseDuration (to the precision shown).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "0ms";
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${String(small).padStart(2, "0")}${smallUnit}`;
  if (totalSeconds < 3600) return pair(Math.floor(totalSeconds / 60), "m", totalSeconds % 60, "s");
  const totalMinutes = Math.round(ms / 60_000);
  return pair(Math.floor(totalMinutes / 60), "h", totalMinutes % 60, "m");
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
    problem: `a wait of "${value}" is neither a duration (500ms, 30s, 5m, 1h30m) nor an ISO 8601 time with a zone (2026-12-01T20:00:00Z)`,
  };
}
