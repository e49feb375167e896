/**
 * A Describe answer as the ExecutionProgress reporters show: what state, which attempt, the last
 * failure, the retry timer, the heartbeat (and whether it is late), the worker, Nexus details; and
 * whether it is in trouble. Pure: the same description and time give the same progress.
 */
import type { ExecutionDescription } from "../../temporal/types.js";
import type { ExecutionProgress } from "../events.js";
import { stepErrorFromFailure } from "../step-errors.js";
import { NOT_STARTED_FLOOR_MS } from "./usual-latency.js";

/**
 * A heartbeat is late once this fraction of the heartbeat timeout has passed, by the server's last
 * heartbeat time, without one. Past the timeout the server fails the attempt, so "late" is the
 * warning before that. The SDKs (TypeScript, Python, Go, Java) send at most one heartbeat per 0.8 of
 * the timeout however often the activity heartbeats, so a gap of 0.8 is a healthy worker: the rest
 * of the margin is for the heartbeat's way to the server.
 */
const LATE_FRACTION = 0.9;

export interface ProgressInput {
  description: ExecutionDescription;
  taskQueue?: string;
  /** When this attempt was first seen waiting to be picked up (ms), kept by the follower. */
  waitingSinceMs?: number;
  noPoller?: boolean;
  /**
   * Scheduled and not picked up for this long (ms) counts as trouble ("waiting for a worker"): the
   * follower's usual-latency rule (usual-latency.ts); NOT_STARTED_FLOOR_MS when not given.
   */
  notStartedTroubleMs?: number;
  now: number;
}

export function toProgress(input: ProgressInput): ExecutionProgress {
  const { description, now } = input;
  const details = description.details ?? {};
  const progress: ExecutionProgress = { trouble: false };
  if (details.state) progress.state = details.state;
  // An activity's attempt is the one it is on (the next one while backing off); a Nexus operation's
  // counts attempts made. Both are told the activity's way.
  const made = details.attempt ?? description.attempt;
  const attempt =
    made !== undefined && description.kind === "nexus" && details.state === "backingOff" ? made + 1 : made;
  if (attempt !== undefined) progress.attempt = attempt;
  if (details.maximumAttempts !== undefined) progress.maximumAttempts = details.maximumAttempts;
  if (description.lastFailure) progress.lastFailure = stepErrorFromFailure(description.lastFailure);
  const next = details.nextAttemptTime?.getTime();
  // The server may leave the last backoff's time set once the next attempt started: only a wait counts.
  if (next !== undefined && details.state !== "started" && next > now - 1_000) {
    progress.nextAttemptAt = new Date(next).toISOString();
  }
  if (details.lastWorkerIdentity) progress.worker = details.lastWorkerIdentity;
  if (input.taskQueue) progress.taskQueue = input.taskQueue;
  if (input.waitingSinceMs !== undefined) progress.waitingSince = new Date(input.waitingSinceMs).toISOString();
  if (input.noPoller) progress.noPoller = true;
  if (details.heartbeatTimeout !== undefined || details.lastHeartbeatTime || details.heartbeat) {
    const heartbeat: NonNullable<ExecutionProgress["heartbeat"]> = {};
    if (details.lastHeartbeatTime) heartbeat.at = details.lastHeartbeatTime.toISOString();
    if (details.heartbeat && "value" in details.heartbeat) heartbeat.details = details.heartbeat.value;
    if (details.heartbeat && "undecodableBytes" in details.heartbeat)
      heartbeat.undecodableBytes = details.heartbeat.undecodableBytes;
    if (details.heartbeatTimeout !== undefined) heartbeat.timeoutMs = details.heartbeatTimeout;
    const lateAt = heartbeatLateAt(description);
    if (lateAt !== undefined && now > lateAt) heartbeat.late = true;
    progress.heartbeat = heartbeat;
  }
  if (details.blockedReason) progress.blockedReason = details.blockedReason;
  if (details.operationToken) progress.operationToken = details.operationToken;
  if (details.cancellation) {
    const { lastFailure, nextAttemptTime: _next, ...rest } = details.cancellation;
    progress.cancellation = { ...rest, ...(lastFailure ? { lastFailure: stepErrorFromFailure(lastFailure) } : {}) };
  }
  progress.trouble =
    (attempt ?? 1) > 1 ||
    progress.lastFailure !== undefined ||
    progress.nextAttemptAt !== undefined ||
    progress.state === "backingOff" ||
    progress.state === "blocked" ||
    progress.noPoller === true ||
    progress.heartbeat?.late === true ||
    (input.waitingSinceMs !== undefined &&
      now - input.waitingSinceMs >= (input.notStartedTroubleMs ?? NOT_STARTED_FLOOR_MS));
  return progress;
}

/**
 * An activity waiting to be picked up: scheduled, and not between attempts. (A Nexus operation is
 * `scheduled` while its handler runs, so this says nothing about Nexus.)
 */
export function isWaitingForWorker(description: ExecutionDescription, now: number): boolean {
  const details = description.details;
  if (description.kind !== "activity" || details?.state !== "scheduled") return false;
  const next = details.nextAttemptTime?.getTime();
  return next === undefined || next <= now;
}

/** When a started activity's heartbeat becomes late (ms), if it has a heartbeat timeout. */
export function heartbeatLateAt(description: ExecutionDescription): number | undefined {
  const details = description.details;
  if (details?.state !== "started" || details.heartbeatTimeout === undefined) return undefined;
  const last = (details.lastHeartbeatTime ?? details.lastStartedTime)?.getTime();
  return last === undefined ? undefined : last + details.heartbeatTimeout * LATE_FRACTION;
}
