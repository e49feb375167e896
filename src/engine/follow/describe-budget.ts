/**
 * The budget of Describe calls per second for following executions (`--describe-rate`): a token
 * bucket. Steps take from the whole bucket; forEach items only while it is more than half full, so
 * a large forEach can use the rate when nothing else does but never starves the steps in view.
 */
import { sleep } from "../abort.js";

export class DescribeBudget {
  private tokens: number;
  private readonly burst: number;
  private refilledAt: number;
  /** Describe and DescribeTaskQueue calls made, for the bench and the report. */
  calls = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = Math.max(1, perSecond);
    this.tokens = this.burst;
    this.refilledAt = now();
  }

  /** Waits for a token (steps) or for the bucket to be over half full (items); false when `signal` aborts first. */
  async take(signal: AbortSignal, item: boolean): Promise<boolean> {
    const floor = item ? this.burst / 2 : 0;
    for (;;) {
      if (signal.aborted) return false;
      if (this.tryTake(floor)) return true;
      const missing = floor + 1 - this.tokens;
      // Jittered so waiters woken together do not all come back at the same moment.
      await sleep((missing / this.perSecond) * 1000 * (1 + Math.random() * 0.5), signal);
    }
  }

  /** Takes a token if one is there now (never waits). */
  tryTake(floor = 0): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < floor + 1) return false;
    this.tokens -= 1;
    this.calls += 1;
    return true;
  }
}
