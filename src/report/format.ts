/** Text shared by the plain lines, the Ink view and JUnit: durations, errors, statuses, IDs. */
import { sanitizeTerminalText } from "../base/terminal-text.js";
import type { CancelEvent, RepeatProgress } from "../engine/events.js";
import { formatDuration } from "../pipeline/duration.js";

/** Milliseconds between two ISO times; `until` defaults to `now`. Undefined when not started. */
export function elapsedMs(
  startedAt: string | undefined,
  closedAt: string | undefined,
  now: number,
): number | undefined {
  if (startedAt === undefined) return undefined;
  const start = Date.parse(startedAt);
  const end = closedAt === undefined ? now : Date.parse(closedAt);
  if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
  return Math.max(0, end - start);
}

// How a failure chain reads is decided once, in src/engine/error-chain.ts (status uses it too).
export { causeChain, describeError, describeErrorChain } from "../engine/error-chain.js";
// What counts as a failure likewise, in src/engine/step-outcome.ts (onError and toleratedFailures).
export { isFailure, statusWord } from "../engine/step-outcome.js";

/**
 * Execution IDs are `<runId>.<stepId>[.<index>]`; the run ID is in the header, so a step line shows
 * only the run ID's last 4 characters (its random suffix) and what follows it.
 */
export function shortExecutionId(executionId: string, runId: string): string {
  if (runId.length > 4 && executionId.startsWith(`${runId}.`)) {
    return `…${runId.slice(-4)}${executionId.slice(runId.length)}`;
  }
  return executionId.length > 40 ? `…${executionId.slice(-39)}` : executionId;
}

/**
 * `3 s` under a minute (a countdown reads better in whole seconds), else `4m05s`. Under a second it
 * is tenths (`0.3 s`): rounding `every: 300ms` up to a whole second would show a wait three times longer.
 */
export function seconds(ms: number): string {
  const positive = Math.max(0, ms);
  const tenths = Math.ceil(positive / 100);
  if (tenths > 0 && tenths < 10) return `0.${tenths} s`;
  return positive < 60_000 ? `${Math.ceil(positive / 1000)} s` : formatDuration(positive);
}

/** Time left until `untilIso`, as `seconds` shows it. */
export function countdown(untilIso: string, now: number): string {
  return seconds(Date.parse(untilIso) - now);
}

/** `check 3/20, next in 25 s, last output {"healthy":false}`: where a repeated step's polling is. */
export function describeRepeat(progress: RepeatProgress, now: number, maxOutput = 80): string {
  const parts = [`check ${progress.attempt}${progress.limit === undefined ? "" : `/${progress.limit}`}`];
  if (progress.nextAt !== undefined) parts.push(`next in ${countdown(progress.nextAt, now)}`);
  if (progress.lastOutput !== undefined) parts.push(`last output ${oneLineJson(progress.lastOutput, maxOutput)}`);
  // The output is a worker's text: it reaches a terminal only through the one sanitizer.
  return sanitizeTerminalText(parts.join(", "));
}

/** A value as one line of JSON, cut to `max` characters. */
export function oneLineJson(value: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? "undefined";
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Why the run is being cancelled, in words. */
/**
 * How many Ctrl-Cs terminate a cancelling run: one more after the user's own; a run cancelled for
 * another reason lets one Ctrl-C go (its cleanup goes on, docs/cli.md "Signals"), so it takes two.
 */
export function terminateHint(reason: CancelEvent["reason"]): string {
  return reason === "signal" ? "Ctrl-C again to terminate" : "Ctrl-C twice to terminate";
}

export function cancelReason(reason: CancelEvent["reason"]): string {
  switch (reason) {
    case "signal":
      return "interrupted";
    case "timeout":
      return "the run's timeout passed";
    case "failure":
      return "a step failed";
    case "remote":
      return "nxrun cancel was called";
    default: {
      const unknown: never = reason;
      throw new Error(`unknown cancel reason ${String(unknown)}`);
    }
  }
}
