/**
 * Time for a test run: it moves only when the run has nothing else to do. Waits, repeat pauses,
 * timeouts and mocked durations are timers on this clock; once every promise of the run has settled
 * and a few turns of the event loop went by without anything new, the clock jumps to the next timer
 * and fires it. A one-hour wait takes no time, and what happens first in virtual time happens first.
 * Work that itself crosses turns of the event loop (an expression yields one after running a while,
 * src/pipeline/expr/evaluate.ts) runs under `hold`, so a slow expression or a loaded machine never
 * lets the clock move in the middle of it.
 */
import type { Clock } from "../engine/clock.js";

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** Event-loop turns with nothing new before the clock moves: work that crosses a turn gets to finish first. */
const IDLE_TURNS = 2;

export class VirtualClock implements Clock {
  private nowMs: number;
  private timers: Timer[] = [];
  private seq = 0;
  private scheduled = false;
  private idleTurns = 0;
  private stopped = false;
  /** Work under `hold` not finished yet. */
  private held = 0;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(callback: () => void, ms: number): () => void {
    const timer: Timer = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, fire: callback };
    this.timers.push(timer);
    this.idleTurns = 0;
    this.schedule();
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        stop();
        resolve();
      };
      const stop = this.setTimer(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Runs `work` with the clock standing still until it settles, however many turns it takes. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    this.held++;
    try {
      return await work();
    } finally {
      this.held--;
      this.idleTurns = 0;
      this.schedule();
    }
  }

  /** Fires nothing more (the run has ended). */
  stop(): void {
    this.stopped = true;
    this.timers = [];
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    // Held: the work's end schedules the next turn.
    if (this.timers.length === 0 || this.stopped || this.held > 0) return;
    if (++this.idleTurns < IDLE_TURNS) {
      this.schedule();
      return;
    }
    this.idleTurns = 0;
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = this.timers.shift() as Timer;
    this.nowMs = Math.max(this.nowMs, next.at);
    next.fire();
    this.schedule();
  }
}
