/**
 * The one rule for "not now" answers from the server: which errors are worth repeating, how long
 * to wait between tries, and when to give up. Pure (clock and randomness are injected).
 *
 * - Which: UNAVAILABLE (down, restarting, unreachable), RESOURCE_EXHAUSTED (namespace rate limit,
 *   "Workflow is busy", overload; not a message over the size limit, which repeating cannot help),
 *   DEADLINE_EXCEEDED (no answer in time).
 * - How often: 200 ms doubling to at most 5 s, jittered ±20% so many calls refused at once (a rate
 *   limit) do not come back at once.
 * - How long, by what is at stake:
 *   - `bounded` (a start, a describe: nothing is known to exist yet, or nothing is lost by stopping):
 *     give up once the trouble has lasted OUTAGE_LIMIT_MS;
 *   - `known` (awaiting an execution that exists: it will close on the server whatever we do, and
 *     giving up would lose the run's result): a busy answer never gives up (the server is there and
 *     the execution's own timeouts bound how long it can run); only a server that has answered
 *     nothing at all (no result, no busy) for OUTAGE_LIMIT_MS ends the wait.
 * Within one call, src/temporal/rpc.ts retries UNAVAILABLE and RESOURCE_EXHAUSTED a few times
 * (RPC_BACKOFF) so that a server that is not there at start ends in one clear message in seconds;
 * this rule is the patience around those calls.
 */
import { status } from "@grpc/grpc-js";

/** Why a call was refused for now. */
export type NotNowReason = "unavailable" | "busy" | "noAnswer";

/** What is at stake when giving up (see the file comment). */
export type Patience = "bounded" | "known";

/** How long trouble may last before a `bounded` call gives up, and a `known` wait without any answer. */
export const OUTAGE_LIMIT_MS = 10 * 60_000;
const INITIAL_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;

/** The retries inside one call (rpc.ts): bounded so an unreachable server fails in seconds. */
export const RPC_BACKOFF = { maxAttempts: 5, initialMs: 200, maxMs: 2_000 } as const;

/**
 * Classifies a grpc-js ServiceError or a mapped TemporalServiceError (both carry the gRPC `code`);
 * undefined for an answer that repeating cannot change.
 */
export function notNowReason(error: unknown): NotNowReason | undefined {
  const { code, details, message } = (error ?? {}) as { code?: unknown; details?: unknown; message?: unknown };
  if (code === status.UNAVAILABLE) return "unavailable";
  if (code === status.DEADLINE_EXCEEDED) return "noAnswer";
  if (code === status.RESOURCE_EXHAUSTED) {
    const text = `${typeof details === "string" ? details : ""} ${typeof message === "string" ? message : ""}`;
    return /larger than max|message too large/i.test(text) ? undefined : "busy";
  }
  return undefined;
}

/** Jittered exponential delay before try `tries + 1` (tries counted from 0). */
export function backoffDelay(
  tries: number,
  random: () => number = Math.random,
  initialMs: number = INITIAL_DELAY_MS,
  maxMs: number = MAX_DELAY_MS,
): number {
  const base = Math.min(initialMs * 2 ** Math.min(tries, 30), maxMs);
  return Math.round(base * (0.8 + random() * 0.4));
}

/** The trouble a wait is in, as a follower shows it. */
export interface ServerTrouble {
  reason: NotNowReason;
  /** When the calls started failing (the first refusal since the last answer). */
  since: Date;
  /** The last refusal's message. */
  message: string;
}

export interface NotNowRetryOptions {
  now?: () => number;
  random?: () => number;
  /** Told when trouble begins or changes reason, and (with undefined) when an answer ends it. */
  onTrouble?: (trouble: ServerTrouble | undefined) => void;
}

/**
 * The rule applied to one sequence of calls (one await, one start): `failed` says how long to wait
 * before trying again, or undefined to give up; `answered` ends the trouble.
 */
export class NotNowRetry {
  private troubleSince: number | undefined;
  /** The first refusal with no answer of any kind (a busy answer is one) since: the outage. */
  private silentSince: number | undefined;
  private tries = 0;
  private reason: NotNowReason | undefined;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly patience: Patience,
    private readonly options: NotNowRetryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** A call got its answer: the trouble (if any) is over. */
  answered(): void {
    this.tries = 0;
    this.silentSince = undefined;
    if (this.troubleSince === undefined) return;
    this.troubleSince = undefined;
    this.reason = undefined;
    this.options.onTrouble?.(undefined);
  }

  /** A call failed with `error`: the delay (ms) before the next try, or undefined to give up. */
  failed(error: unknown): number | undefined {
    const reason = notNowReason(error);
    if (reason === undefined) return undefined;
    const now = this.now();
    this.troubleSince ??= now;
    if (reason === "busy") this.silentSince = undefined;
    else this.silentSince ??= now;
    const givingUp =
      this.patience === "known"
        ? this.silentSince !== undefined && now - this.silentSince >= OUTAGE_LIMIT_MS
        : now - this.troubleSince >= OUTAGE_LIMIT_MS;
    if (givingUp) return undefined;
    if (reason !== this.reason) {
      this.reason = reason;
      this.options.onTrouble?.({ reason, since: new Date(this.troubleSince), message: messageOf(error) });
    }
    return backoffDelay(this.tries++, this.random);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
