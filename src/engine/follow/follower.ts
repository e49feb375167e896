/**
 * Follows executions in flight with Describe*Execution, within the run's DescribeBudget, and tells
 * each owner what changed. Costs are bounded, whatever the size of the run:
 * - nothing is done for an execution in its grace but keep it in a GraceQueue (grace-queue.ts: one
 *   timer for all), so an execution that ends sooner costs nothing;
 * - a step's execution is followed from STEP_GRACE_MS after its start, by long polls, or by a
 *   describe every POLL_MS while it waits for a worker or heartbeats (a long poll may wait out both
 *   without a change);
 * - a forEach item only once it is slower than usual for its work (usual-latency.ts: a few times
 *   the run's observed latency, ITEM_GRACE_FLOOR_MS at the least), with one describe and re-checks
 *   further apart, and it is followed closely only while in trouble, at most MAX_ITEMS_FOLLOWED at once.
 * A describe that fails is retried later and never fails the step (the execution's own await
 * decides the step).
 */
import { executionsOf } from "../../temporal/executions-of.js";
import type { ExecutionDescription, ExecutionKind, TemporalClient } from "../../temporal/types.js";
import { sleep } from "../abort.js";
import type { ExecutionProgress } from "../events.js";
import { DescribeBudget } from "./describe-budget.js";
import { GraceQueue, type InGrace } from "./grace-queue.js";
import { heartbeatLateAt, isWaitingForWorker, toProgress } from "./progress.js";
import { ITEM_GRACE_FLOOR_MS, NOT_STARTED_FLOOR_MS, UsualLatency } from "./usual-latency.js";

export const STEP_GRACE_MS = 1_000;
const POLL_MS = 2_000;
const ITEM_RECHECK_MS = 5_000;
const ITEM_RECHECK_MAX_MS = 30_000;
const MAX_ITEMS_FOLLOWED = 32;
/** A DescribeTaskQueue answer is reused this long for every execution on that queue. */
const POLLER_CACHE_MS = 5_000;
const ERROR_BACKOFF_MAX_MS = 10_000;
/** How long a closed step waits for the budget to read the attempt it closed on. */
const CLOSED_STEP_WAIT_MS = 3_000;
/** The grace queue of the steps (items queue by their work's group, which is never empty). */
const STEPS = "";

export interface FollowRequest {
  kind: ExecutionKind;
  executionId: string;
  runId: string;
  /** Activities: where a worker should pick it up. */
  taskQueue?: string;
  /**
   * The work it does (activity type on a task queue, Nexus operation on an endpoint): executions of
   * one group share what "slower than usual" means (usual-latency.ts).
   */
  group: string;
  /** A forEach item (followed only when in trouble) rather than a step. */
  item: boolean;
  onProgress(progress: ExecutionProgress): void;
}

export interface Following {
  /** The last progress published, if any. */
  readonly last: ExecutionProgress | undefined;
  /** It completed by itself: unless following saw it in trouble, its latency is its group's usual. */
  completed(): void;
  stop(): void;
  /** One describe of it once closed, for the attempt it closed on (Follower.describeOnce says when). */
  describeOnce(): Promise<ExecutionDescription | undefined>;
}

export interface FollowerOptions {
  /** Describe calls per second; 0 turns following off. */
  perSecond: number;
  now?: () => number;
}

/** One execution followed: in its grace (one object, queued), then followed (its loop), then done. */
class Followed implements Following, InGrace {
  last: ExecutionProgress | undefined;
  /** Some progress published was trouble: its latency says nothing about the usual. */
  troubled = false;
  phase: "grace" | "followed" | "done" = "grace";
  abort: AbortController | undefined;
  readonly request: Omit<FollowRequest, "onProgress">;
  /**
   * Dropped when it ends: an entry that ends in its grace stays in the grace queue until the queue's
   * timer reaches it (grace-queue.ts), and the owner's callback holds the whole execution's state
   * (execution.ts: its await, result, record), which the queue must not keep alive meanwhile.
   */
  onProgress: FollowRequest["onProgress"] | undefined;

  constructor(
    private readonly owner: Follower,
    { onProgress, ...request }: FollowRequest,
    readonly queue: string,
    readonly startedAt: number,
  ) {
    this.request = request;
    this.onProgress = onProgress;
  }

  /** Ended while still in the grace queue (the queue skips it): the only way one there is done. */
  get stopped(): boolean {
    return this.phase === "done";
  }

  completed(): void {
    this.owner.ended(this, true);
  }

  stop(): void {
    this.owner.ended(this, false);
  }

  describeOnce(): Promise<ExecutionDescription | undefined> {
    return this.owner.describeOnce(this.request);
  }
}

export class Follower {
  readonly budget: DescribeBudget;
  private readonly now: () => number;
  private itemsFollowed = 0;
  private readonly pollers = new Map<string, { at: number; count: Promise<number | undefined> }>();
  private readonly latency = new UsualLatency();
  private readonly grace: GraceQueue<Followed>;

  constructor(
    private readonly client: TemporalClient,
    options: FollowerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.budget = new DescribeBudget(options.perSecond, this.now);
    this.grace = new GraceQueue<Followed>(
      (queue) => (queue === STEPS ? STEP_GRACE_MS : this.latency.slowAfter(queue, ITEM_GRACE_FLOOR_MS)),
      (entry) => this.arm(entry),
      this.now,
    );
  }

  follow(request: FollowRequest): Following {
    const entry = new Followed(this, request, request.item ? request.group : STEPS, this.now());
    this.grace.add(entry);
    return entry;
  }

  /** Executions still in their grace (for tests). */
  get inGrace(): number {
    return this.grace.size;
  }

  /** Called by a Followed when it completed or was stopped. */
  ended(entry: Followed, completed: boolean): void {
    if (entry.phase === "done") return;
    if (completed && !entry.troubled) this.latency.record(entry.request.group, this.now() - entry.startedAt);
    if (entry.phase === "grace") {
      this.grace.forget();
    } else entry.abort?.abort();
    entry.phase = "done";
    entry.onProgress = undefined;
  }

  private arm(entry: Followed): void {
    entry.phase = "followed";
    entry.abort = new AbortController();
    void this.loop(entry, entry.abort.signal).catch(() => {
      // Following is best effort: nothing here may fail a step.
    });
  }

  /**
   * One describe of a closed execution, for the attempt it closed on (execution.ts, withAttempt). A
   * step's waits up to CLOSED_STEP_WAIT_MS for the budget and is tried twice: a step is a line of
   * the report, and without it a busy moment reported an earlier attempt than the one that closed.
   * An item's is made only if the budget has room now: a large forEach of retried items must not
   * queue describes behind the steps in view.
   */
  async describeOnce({
    kind,
    executionId,
    runId,
    item,
  }: Pick<FollowRequest, "kind" | "executionId" | "runId" | "item">): Promise<ExecutionDescription | undefined> {
    const describe = () => this.executions(kind).describe(executionId, runId);
    if (item) {
      if (!this.budget.tryTake()) return undefined;
      return describe().catch(() => undefined);
    }
    const wait = AbortSignal.timeout(CLOSED_STEP_WAIT_MS);
    for (let tries = 0; tries < 2; tries++) {
      if (!(await this.budget.take(wait, false))) return undefined;
      try {
        return await describe();
      } catch {
        // Tried again while the wait lasts.
      }
    }
    return undefined;
  }

  private executions(kind: ExecutionKind) {
    return executionsOf(this.client, kind);
  }

  /** Describes the execution until it closes or its following ends, publishing each change. */
  private async loop(entry: Followed, signal: AbortSignal): Promise<void> {
    const { request } = entry;
    const look: Look = {
      token: undefined,
      lastKey: "",
      errors: 0,
      recheck: ITEM_RECHECK_MS,
      holdsItemSlot: false,
      waiting: undefined,
    };
    try {
      while (!signal.aborted) {
        if (!(await this.budget.take(signal, request.item))) return;
        const description = await this.describe(request, look, signal);
        if (description === undefined) continue;
        if (signal.aborted || (description.status !== "running" && description.status !== "paused")) return;
        const progress = await this.progressOf(request, description, look, signal);
        publish(entry, progress, look);
        const pause = this.itemPause(request, progress, look) ?? this.nextLookIn(description, progress, look);
        if (pause > 0) await sleep(pause, signal);
      }
    } finally {
      this.releaseItemSlot(look);
    }
  }

  /** One describe (a long poll when the last answer gave a token); undefined, after a back-off, when it failed. */
  private async describe(
    request: Followed["request"],
    look: Look,
    signal: AbortSignal,
  ): Promise<ExecutionDescription | undefined> {
    try {
      const description = await this.executions(request.kind).describe(request.executionId, request.runId, {
        heartbeatDetails: request.kind === "activity",
        signal,
        longPollToken: look.token,
      });
      look.errors = 0;
      return description;
    } catch {
      if (signal.aborted) return undefined;
      look.errors++;
      look.token = undefined;
      await sleep(Math.min(ERROR_BACKOFF_MAX_MS, 500 * 2 ** look.errors), signal);
      return undefined;
    }
  }

  /** What the answer says of the execution: since when it waits for a worker, and whether any polls its queue. */
  private async progressOf(
    request: Followed["request"],
    description: ExecutionDescription,
    look: Look,
    signal: AbortSignal,
  ): Promise<ExecutionProgress> {
    const now = this.now();
    look.waiting = waitingSince(description, now, look.waiting);
    const { waiting } = look;
    const notStartedTroubleMs = this.latency.slowAfter(request.group, NOT_STARTED_FLOOR_MS);
    let noPoller = false;
    if (waiting && request.taskQueue && now - waiting.since >= notStartedTroubleMs - POLL_MS) {
      noPoller = (await this.pollerCount(request.taskQueue, request.kind, signal)) === 0;
    }
    return toProgress({
      description,
      now,
      taskQueue: request.taskQueue,
      waitingSinceMs: waiting?.since,
      noPoller,
      notStartedTroubleMs,
    });
  }

  /**
   * An item is followed closely only while in trouble, and only MAX_ITEMS_FOLLOWED at once: the pause
   * before its next look when it is not (now), undefined when it is (it holds a slot).
   */
  private itemPause(request: Followed["request"], progress: ExecutionProgress, look: Look): number | undefined {
    if (!request.item) return undefined;
    if (!progress.trouble) {
      this.releaseItemSlot(look);
      look.token = undefined;
      const pause = look.recheck;
      look.recheck = Math.min(look.recheck * 2, ITEM_RECHECK_MAX_MS);
      return pause;
    }
    if (!look.holdsItemSlot) {
      if (this.itemsFollowed >= MAX_ITEMS_FOLLOWED) {
        look.token = undefined;
        return ITEM_RECHECK_MS;
      }
      look.holdsItemSlot = true;
      this.itemsFollowed++;
    }
    look.recheck = ITEM_RECHECK_MS;
    return undefined;
  }

  /** The pause before the next look at an execution followed closely: none when a long poll waits for the change. */
  private nextLookIn(description: ExecutionDescription, progress: ExecutionProgress, look: Look): number {
    const heartbeating = progress.state === "started" && progress.heartbeat !== undefined;
    if (!look.waiting && !heartbeating) {
      look.token = description.longPollToken;
      return look.token ? 0 : POLL_MS;
    }
    // Neither a worker that never comes nor a heartbeat ends a long poll: look again soon.
    look.token = undefined;
    const lateAt = heartbeatLateAt(description);
    const now = this.now();
    // Going late before the next look: look again when it would, and let the server's answer say
    // whether it is. A heartbeat may have come in meanwhile; deciding from this answer warned about
    // healthy workers.
    if (lateAt !== undefined && lateAt > now && lateAt < now + POLL_MS) return lateAt - now + 10;
    return POLL_MS;
  }

  private releaseItemSlot(look: Look): void {
    if (look.holdsItemSlot) this.itemsFollowed--;
    look.holdsItemSlot = false;
  }

  /** Workers polling `queue`, one DescribeTaskQueue per queue every POLLER_CACHE_MS; undefined when unknown. */
  private pollerCount(queue: string, kind: ExecutionKind, signal: AbortSignal): Promise<number | undefined> {
    const key = `${kind}:${queue}`;
    const cached = this.pollers.get(key);
    if (cached && this.now() - cached.at < POLLER_CACHE_MS) return cached.count;
    const count = (async () => {
      if (!(await this.budget.take(signal, false))) return undefined;
      try {
        return await this.client.pollerCount(queue, kind);
      } catch {
        return undefined;
      }
    })();
    this.pollers.set(key, { at: this.now(), count });
    return count;
  }
}

/** What one execution's follow loop carries from one look to the next. */
interface Look {
  /** The last answer's long-poll token: the next describe waits for a change. */
  token: Uint8Array | undefined;
  /** The last progress published, as JSON: an unchanged one is not published again. */
  lastKey: string;
  /** Describes failed in a row (the back-off grows with them). */
  errors: number;
  /** The pause before an item's next look while it is not in trouble. */
  recheck: number;
  /** An item followed closely holds one of the MAX_ITEMS_FOLLOWED slots. */
  holdsItemSlot: boolean;
  /** The attempt waiting for a worker, and since when. */
  waiting: { attempt: number | undefined; since: number } | undefined;
}

/** Since when the execution's attempt waits for a worker (kept while the same attempt waits); undefined when it does not. */
function waitingSince(description: ExecutionDescription, now: number, previous: Look["waiting"]): Look["waiting"] {
  if (!isWaitingForWorker(description, now)) return undefined;
  const attempt = description.details?.attempt ?? description.attempt;
  if (previous !== undefined && previous.attempt === attempt) return previous;
  // The first attempt waits since it was scheduled; a retry since we saw it scheduled again.
  const scheduled = attempt === 1 ? description.startTime?.getTime() : undefined;
  return { attempt, since: Math.min(now, scheduled ?? now) };
}

/** Tells the owner of `progress` when it differs from what it was last told. */
function publish(entry: Followed, progress: ExecutionProgress, look: Look): void {
  const key = JSON.stringify(progress);
  if (key === look.lastKey) return;
  look.lastKey = key;
  entry.last = progress;
  if (progress.trouble) entry.troubled = true;
  entry.onProgress?.(progress);
}
