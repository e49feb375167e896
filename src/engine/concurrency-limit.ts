/**
 * The run-wide limit on executions in flight. A FIFO semaphore whose waiters can give up (a
 * cancelled run must not start what was queued). Waiters are only the workers currently blocked,
 * never one per pending forEach item, so memory stays bounded by the number of workers.
 */
export class Slots {
  private free: number;
  private readonly waiters: Array<(acquired: boolean) => void> = [];

  constructor(readonly limit: number) {
    this.free = limit;
  }

  /** Resolves true once a slot is held, or false if `signal` aborts first (no slot held then). */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const onAbort = () => {
        const at = this.waiters.indexOf(grant);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(false);
      };
      const grant = (acquired: boolean) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(acquired);
      };
      this.waiters.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Gives a held slot back, straight to the longest waiter if there is one. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next(true);
    else this.free++;
  }

  /** Slots held right now. */
  get inUse(): number {
    return this.limit - this.free;
  }
}
