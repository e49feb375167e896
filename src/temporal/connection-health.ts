/**
 * Whether the server answers: lost when calls keep failing with UNAVAILABLE (the server is down,
 * restarting or unreachable) for CONFIRM_MS with no call answered meanwhile, or when silence-watch.ts
 * asks and gets no answer (a network that drops packets refuses nothing: calls just wait); regained
 * at the next call that gets its answer. Every call of a ServiceRpc reports here, so the run's own
 * calls are the probe.
 *
 * Why not at the first UNAVAILABLE: right after a restart the connections come back one by one
 * (each grpc-js channel has its own reconnect backoff), so a call on a channel still backing off
 * fails while others already succeed. That is not a lost connection, and a user must not see
 * "lost, reconnected, lost, reconnected" for one restart.
 *
 * When the outage began (`since`) is one rule for both: its first sign since the last answer, which
 * is a call refused (when it was refused) or a prompt call left unanswered (when it was sent). The
 * last answer itself is too early: the server was still there then.
 */
import type { ConnectionChange } from "./types.js";

const CONFIRM_MS = 1_000;

/** A call on its way, as `sent` gives it; `ended` takes it back. */
export interface SentCall {
  /** When it was sent, on the health's clock. */
  readonly at: number;
  /** A server that is there answers it at once: not a long poll, which waits by design. */
  readonly prompt: boolean;
}

export class ConnectionHealth {
  private lostSince: Date | undefined;
  /** The first UNAVAILABLE since the last answer, and its message. */
  private failing: { at: number; message: string } | undefined;
  /** When the first prompt call since the last answer was sent that ran out its deadline unanswered. */
  private timedOutSince: number | undefined;
  /** Prompt calls on their way, in the order they were sent. */
  private readonly prompt = new Set<SentCall>();
  /**
   * Changes with each lost / reconnected. A call remembers it when it starts, and its failure only
   * counts if nothing changed meanwhile: a call that was on its way while the connection came back
   * says nothing about the connection now.
   */
  epoch = 0;
  private readonly listeners = new Set<(change: ConnectionChange) => void>();
  private waiting = 0;
  /** The last answer, or when calls began to wait after none did: since when nothing answered. */
  private quietSince: number;

  constructor(
    private readonly address: string,
    readonly now: () => number = Date.now,
  ) {
    this.quietSince = now();
  }

  /** A call was sent; `prompt` unless it is a long poll. */
  sent(prompt: boolean): SentCall {
    const call = { at: this.now(), prompt };
    if (this.waiting++ === 0) this.quietSince = Math.max(this.quietSince, call.at);
    if (prompt) this.prompt.add(call);
    return call;
  }

  /** A call ended, answered or not; `timedOut` when its deadline passed with no answer. */
  ended(call: SentCall, timedOut: boolean): void {
    this.waiting = Math.max(0, this.waiting - 1);
    this.prompt.delete(call);
    if (timedOut && call.prompt && call.at >= this.quietSince)
      this.timedOutSince = Math.min(this.timedOutSince ?? call.at, call.at);
  }

  /** How long calls have been waiting with nothing answered, or undefined when none waits. */
  quietFor(): number | undefined {
    return this.waiting > 0 ? this.now() - this.quietSince : undefined;
  }

  /**
   * A prompt call sent at `askedAt` to find out got no answer in time: the server is not answering.
   * Unless something answered after it was sent: then the server was there after all.
   */
  silent(message: string, askedAt: number): void {
    if (this.lostSince !== undefined || askedAt < this.quietSince) return;
    this.lose(message, askedAt);
  }

  /** A call that started in `epoch` failed with UNAVAILABLE. */
  failed(message: string, epoch: number): void {
    if (this.lostSince !== undefined || epoch !== this.epoch) return;
    const now = this.now();
    if (this.failing === undefined) this.failing = { at: now, message };
    if (now - this.failing.at < CONFIRM_MS) return;
    this.lose(this.failing.message, this.failing.at);
  }

  /** A call got its answer: the server is there. */
  answered(): void {
    this.failing = undefined;
    this.timedOutSince = undefined;
    this.quietSince = this.now();
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

  /** Lost, as `sign` (a refusal, or an unanswered ask: when it was sent) and what came before it tell. */
  private lose(message: string, sign: number): void {
    this.epoch++;
    this.lostSince = new Date(this.outageStart(sign));
    this.emit({ state: "lost", address: this.address, since: this.lostSince, message });
  }

  /** The first sign of the outage since the last answer (the header's rule), `sign` or one before it. */
  private outageStart(sign: number): number {
    const start = Math.min(sign, this.timedOutSince ?? sign);
    // In the order sent: the first since the last answer is the earliest.
    for (const call of this.prompt) {
      if (call.at >= this.quietSince) return Math.min(start, call.at);
    }
    return start;
  }

  private emit(change: ConnectionChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
