/**
 * An execution's progress (src/engine/events.ts ExecutionProgress) in words, shared by the Ink
 * view's detail line, the plain lines and JUnit: "attempt 3 of 5 failed: FlakyFailure: boom ·
 * retrying in 2 s", "waiting for a worker on orders", "42/100 (42%) · on worker 7@host".
 * Text from workers and the server goes through the terminal sanitizer here, once.
 */
import { sanitizeTerminalText } from "../base/terminal-text.js";
import type { ExecutionProgress, StepError } from "../engine/events.js";
import { formatDuration } from "../pipeline/duration.js";
import { cutText } from "./cut-text.js";
import { describeError, oneLineJson, seconds } from "./format.js";

export type Tone = "info" | "warn" | "bad";

export interface ProgressLine {
  text: string;
  tone: Tone;
}

/** How the line is used: live (countdowns, "ago") or as a log line printed once per change. */
export interface ProgressTextOptions {
  now: number;
  /** Leave out what changes with the clock alone (elapsed waits), for plain lines. */
  stable?: boolean;
}

const clean = sanitizeTerminalText;

function failureText(error: StepError): string {
  return clean(cutText(describeError(error)));
}

function numberField(value: Record<string, unknown>, ...names: string[]): number | undefined {
  for (const name of names) {
    const found = value[name];
    if (typeof found === "number" && Number.isFinite(found)) return found;
  }
  return undefined;
}

/**
 * Heartbeat details as progress: a number as it is, `{ done, total }` as `42/100 (42%)`, a
 * percentage (`{ percent: 42 }`) as `42%`, anything else as one line of compact JSON.
 */
export function heartbeatDetailsText(details: unknown, max = 80): string {
  if (typeof details === "number") return `progress ${details}`;
  if (details !== null && typeof details === "object" && !Array.isArray(details)) {
    const value = details as Record<string, unknown>;
    const done = numberField(value, "done", "completed", "current");
    const total = numberField(value, "total");
    if (done !== undefined && total !== undefined && total > 0) {
      return `${done}/${total} (${Math.floor((done / total) * 100)}%)`;
    }
    const percent = numberField(value, "percent", "percentage", "pct");
    if (percent !== undefined) return `${percent}%`;
  }
  return clean(oneLineJson(details, max));
}

/** One line for a followed execution, or undefined when there is nothing worth a line. */
export function progressLine(progress: ExecutionProgress, options: ProgressTextOptions): ProgressLine | undefined {
  const { now } = options;
  const parts: string[] = [];
  let tone: Tone = progress.trouble ? "warn" : "info";
  const queue = progress.taskQueue === undefined ? "" : clean(progress.taskQueue);
  if (progress.server) parts.push(serverText(progress.server));
  if (progress.noPoller) {
    parts.push(`no worker is polling task queue ${queue}`);
    tone = "bad";
  } else if (progress.waitingSince !== undefined && progress.nextAttemptAt === undefined) {
    const waited = now - Date.parse(progress.waitingSince);
    parts.push(`waiting for a worker on ${queue}${options.stable ? "" : ` (${seconds(waited)})`}`);
  }
  const attempt = progress.attempt;
  const of = progress.maximumAttempts === undefined ? "" : ` of ${progress.maximumAttempts}`;
  const next = progress.nextAttemptAt === undefined ? undefined : Date.parse(progress.nextAttemptAt);
  if (next !== undefined) {
    const failed = progress.lastFailure ? ` failed: ${failureText(progress.lastFailure)}` : " failed";
    parts.push(`attempt ${Math.max(1, (attempt ?? 2) - 1)}${of}${failed}`);
    parts.push(next > now ? `retrying in ${seconds(next - now)}` : "retrying now");
  } else {
    if (attempt !== undefined && attempt > 1) parts.push(`attempt ${attempt}${of}`);
    if (progress.lastFailure) parts.push(`last failure ${failureText(progress.lastFailure)}`);
  }
  if (progress.state === "blocked") {
    parts.push(`blocked${progress.blockedReason ? `: ${clean(progress.blockedReason)}` : ""}`);
    tone = "bad";
  } else if (progress.state === "backingOff" && next === undefined) parts.push("backing off");
  if (progress.state === "paused") parts.push("paused on the server");
  if (progress.operationToken !== undefined) {
    const token = clean(progress.operationToken);
    parts.push(`started async (token ${token.length > 16 ? `${token.slice(0, 15)}…` : token})`);
  }
  const heartbeat = progress.heartbeat;
  if (heartbeat) {
    if (heartbeat.undecodableBytes !== undefined) parts.push(`(${heartbeat.undecodableBytes} bytes, not JSON)`);
    else if (heartbeat.details !== undefined) parts.push(heartbeatDetailsText(heartbeat.details));
    if (heartbeat.late) {
      const since = heartbeat.at === undefined ? undefined : now - Date.parse(heartbeat.at);
      const timeout = heartbeat.timeoutMs === undefined ? "" : ` (timeout ${seconds(heartbeat.timeoutMs)})`;
      parts.push(
        since === undefined || options.stable
          ? `heartbeat late${timeout}`
          : `no heartbeat for ${seconds(since)}${timeout}`,
      );
      tone = "bad";
    }
  }
  const cancellation = progress.cancellation;
  if (cancellation) {
    const attemptText =
      cancellation.attempt !== undefined && cancellation.attempt > 1 ? ` attempt ${cancellation.attempt}` : "";
    const failure = cancellation.lastFailure ? `: ${failureText(cancellation.lastFailure)}` : "";
    const blocked = cancellation.blockedReason ? ` (blocked: ${clean(cancellation.blockedReason)})` : "";
    parts.push(`cancel request ${cancellation.state ?? "sent"}${attemptText}${failure}${blocked}`);
  }
  if (progress.worker !== undefined && progress.state === "started") parts.push(`on worker ${clean(progress.worker)}`);
  if (parts.length === 0) return undefined;
  return { text: parts.join(" · "), tone };
}

/**
 * The await's trouble, what matters first (a narrow view cuts the end):
 * `server busy since 12:00:03, still waiting: Temporal at H:P is rate limiting …: Workflow is busy.`
 */
function serverText(server: NonNullable<ExecutionProgress["server"]>): string {
  const what = server.state === "busy" ? "server busy" : "no answer from the server";
  const why = server.message === undefined ? "" : `: ${clean(server.message)}`;
  return `${what} since ${server.since.slice(11, 19)}, still waiting${why}`;
}

/** The plain line's label for a progress line: what kind of news it is. */
export function progressLabel(progress: ExecutionProgress): string {
  if (progress.server) return progress.server.state === "busy" ? "busy" : "no answer";
  if (progress.noPoller) return "waiting";
  if (progress.nextAttemptAt !== undefined) return "retrying";
  if (progress.waitingSince !== undefined) return "waiting";
  if (progress.state === "blocked") return "blocked";
  if (progress.heartbeat?.late) return "late";
  if (progress.cancellation) return "cancel";
  return "progress";
}

/**
 * `lost connection to H:P, retrying since 12:00:03` / `reconnected to H:P after 4.2s`, for a refused
 * connection and an unanswered one alike. `now` is when the event came: a reconnected event's outage
 * lasted from `since` to then.
 */
export function connectionText(
  event: { state: "lost" | "reconnected"; address: string; since: string },
  now: number,
): string {
  const address = clean(event.address);
  if (event.state === "lost") return `lost connection to ${address}, retrying since ${event.since.slice(11, 19)}`;
  return `reconnected to ${address} after ${formatDuration(now - Date.parse(event.since))}`;
}
