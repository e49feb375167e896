/**
 * Executions in their grace, before following looks at them, at the cost of one object each: no
 * AbortController, timer or promise per execution (arming those was a cost of every forEach item,
 * bench/findings.md). Executions of one queue share the queue's grace, so each queue,
 * kept in start order, is also in deadline order, and one timer for all the queues wakes at the
 * earliest deadline. An execution that ends in its grace is only marked (removed lazily when it
 * reaches the head); when none is left waiting, the queues and the timer go at once.
 */

export interface InGrace {
  /** Entries of one queue share their grace (a group of work, or all steps). */
  readonly queue: string;
  /** When it started (ms, the queue's clock). */
  readonly startedAt: number;
  /** Ended (or stopped) before its grace was over: it is skipped, never handed to onDue. */
  readonly stopped: boolean;
}

/**
 * The timer never sleeps longer than this, because a queue's grace may shrink while it sleeps (it
 * follows the run's observed latency, usual-latency.ts): a deadline is then met at most this late.
 */
const MAX_SLEEP_MS = 1_000;
/** Drop the consumed head of a queue once it is this long and more than half of the array. */
const COMPACT_AT = 1_024;

class Queue<T> {
  entries: T[] = [];
  head = 0;
}

export class GraceQueue<T extends InGrace> {
  private readonly queues = new Map<string, Queue<T>>();
  /** Entries added and neither due nor forgotten yet. */
  private waiting = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    /** The grace of a queue now (ms); may change between calls. */
    private readonly graceOf: (queue: string) => number,
    /** Its grace is over and it was not stopped. */
    private readonly onDue: (entry: T) => void,
    private readonly now: () => number,
  ) {}

  /** Entries still in their grace. */
  get size(): number {
    return this.waiting;
  }

  add(entry: T): void {
    let queue = this.queues.get(entry.queue);
    if (!queue) {
      queue = new Queue<T>();
      this.queues.set(entry.queue, queue);
    }
    queue.entries.push(entry);
    this.waiting++;
    this.wakeAt(entry.startedAt + this.graceOf(entry.queue));
  }

  /** An entry added and not due yet was stopped (the caller marked it): one less to wait for. */
  forget(): void {
    this.waiting--;
    if (this.waiting > 0) return;
    this.queues.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, queue] of this.queues) {
      const grace = this.graceOf(key);
      while (queue.head < queue.entries.length) {
        const entry = queue.entries[queue.head] as T;
        if (!entry.stopped && entry.startedAt + grace > now) {
          next = Math.min(next, entry.startedAt + grace);
          break;
        }
        queue.head++;
        if (entry.stopped) continue;
        this.waiting--;
        this.onDue(entry);
      }
      if (queue.head === queue.entries.length) this.queues.delete(key);
      else if (queue.head >= COMPACT_AT && queue.head * 2 > queue.entries.length) {
        queue.entries = queue.entries.slice(queue.head);
        queue.head = 0;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.wakeAt(next);
  };

  private wakeAt(at: number): void {
    const now = this.now();
    const when = Math.min(at, now + MAX_SLEEP_MS);
    if (this.timer !== undefined && this.timerAt <= when) return;
    clearTimeout(this.timer);
    this.timerAt = when;
    this.timer = setTimeout(this.tick, Math.max(0, when - now));
    // Following never keeps the process alive: the awaits of the executions it follows do.
    this.timer.unref?.();
  }
}
