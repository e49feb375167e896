/**
 * Whether the server answers: lost when calls keep failing with UNAVAILABLE (the server is down,
 * restarting or unreachable) for CONFIRM_MS with no call answered meanwhile, regained at the next
 * call that gets its answer. Every call of a ServiceRpc reports here, so the run's own awaits and
 * describes are the probe: no extra traffic.
 *
 * Why not at the first UNAVAILABLE: right after a restart the connections come back one by one
 * (each grpc-js channel has its own reconnect backoff), so a call on a channel still backing off
 * fails while others already succeed. That is not a lost connection, and a user must not see
 * "lost, reconnected, lost, reconnected" for one restart.
 *
 * A server cut off by a network that drops packets refuses nothing: calls just wait. For that,
 * this also knows how many calls are waiting and since when nothing answered, and silence-watch.ts
 * asks when that grows long.
 */
import type { ConnectionChange } from "./types.js";

const CONFIRM_MS = 1_000;

export class ConnectionHealth {
  private lostSince: Date | undefined;
  /** The first UNAVAILABLE since the last answer, and its message. */
  private failing: { at: number; message: string } | undefined;
  /**
   * Changes with each lost / reconnected. A call remembers it when it starts, and its failure only
   * counts if nothing changed meanwhile: a call that was on its way while the connection came back
   * says nothing about the connection now.
   */
  epoch = 0;
  private readonly listeners = new Set<(change: ConnectionChange) => void>();
  private waiting = 0;
  private lastAnswerAt: number;

  constructor(
    private readonly address: string,
    private readonly now: () => number = Date.now,
  ) {
    this.lastAnswerAt = now();
  }

  /** A call was sent. */
  sent(): void {
    if (this.waiting++ === 0) this.lastAnswerAt = Math.max(this.lastAnswerAt, this.now());
  }

  /** A call ended, answered or not. */
  ended(): void {
    this.waiting = Math.max(0, this.waiting - 1);
  }

  /** How long calls have been waiting with nothing answered, or undefined when none waits. */
  quietFor(): number | undefined {
    return this.waiting > 0 ? this.now() - this.lastAnswerAt : undefined;
  }

  /** A call sent to find out got no answer in time: the server is not answering (since the last answer). */
  silent(message: string): void {
    if (this.lostSince !== undefined) return;
    this.epoch++;
    this.lostSince = new Date(this.lastAnswerAt);
    this.emit({ state: "lost", address: this.address, since: this.lostSince, message });
  }

  /** A call that started in `epoch` failed with UNAVAILABLE. */
  failed(message: string, epoch: number): void {
    if (this.lostSince !== undefined || epoch !== this.epoch) return;
    const now = this.now();
    if (this.failing === undefined) this.failing = { at: now, message };
    if (now - this.failing.at < CONFIRM_MS) return;
    this.epoch++;
    this.lostSince = new Date(this.failing.at);
    this.emit({ state: "lost", address: this.address, since: this.lostSince, message: this.failing.message });
  }

  /** A call got its answer: the server is there. */
  answered(): void {
    this.failing = undefined;
    this.lastAnswerAt = this.now();
    if (this.lostSince === undefined) return;
    this.epoch++;
    const since = this.lostSince;
    this.lostSince = undefined;
    this.emit({ state: "reconnected", address: this.address, since });
  }

  onChange(listener: (change: ConnectionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: ConnectionChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
