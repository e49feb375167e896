/**
 * The time a run reads and waits on: what a wait step sleeps, a repeat's pause between checks and its
 * timeout, a run's and a sub-pipeline's timeout. Real time by default; `nxrun test` hands the engine
 * a virtual clock (src/testing/virtual-clock.ts) so an hour's wait takes no time at all.
 */
import { longTimer, sleep } from "./abort.js";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms`, or less if `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` after `ms`; returns what stops it. */
  setTimer(callback: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep,
  setTimer: longTimer,
};
