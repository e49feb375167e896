/**
 * Long polls (PollActivityExecution, PollNexusOperationExecution) on channels of their own, at most
 * MAX_POLLS_PER_CHANNEL on each, opened as needed.
 *
 * Why: a long poll holds an HTTP/2 stream until its execution closes (or the server's long-poll
 * timeout, a minute by default), and a peer may cap the concurrent streams of one connection; calls
 * over the cap wait for a free stream. The Temporal frontend (grpc-go, no MaxConcurrentStreams set in
 * server v1.32) has no cap, but a proxy in front of it often does (nginx http2_max_concurrent_streams
 * and AWS ALB: 128). Measured (a throwaway script) against the dev server and test worker, directly and
 * through nginx 1.22 (the e2e TLS proxy), shared 2-core machine, medians:
 *   - 200 activities of 20 s started one by one through nginx, each awaited, all on one channel: the
 *     129th start waited for a stream and failed DEADLINE_EXCEEDED after 10 s. With poll channels all
 *     200 polls are in flight and a describe answers in 11 ms.
 *   - 450 executions at concurrency 200 through nginx, the first 150 running 20 s, the rest noop: the
 *     300 short ones finished after 27.0 s on one channel (3 rounds: 27.0, 28.9, 25.9 s; one start
 *     failed DEADLINE_EXCEEDED) and after 6.4 s with poll channels (6.4, 6.6, 4.2 s). Directly to the
 *     dev server (no cap) the same mix is alike either way (3.7 and 4.8 s vs 3.7 and 4.2 s).
 *   - 500 noop activities at concurrency 200 (the fan-out where every poll is short): no measurable
 *     difference, directly (5.4 s one channel vs 5.2 s, 5 rounds) or through nginx (5.4 vs 5.7 s).
 * Starts, describes and cancels stay on the main channel, so they never wait behind a poll.
 */
import type { Client } from "@grpc/grpc-js";

/** Below the usual per-connection stream caps (nginx and AWS ALB: 128; Node's own default: 100). */
export const MAX_POLLS_PER_CHANNEL = 100;

interface PollChannel {
  readonly client: Client;
  inFlight: number;
}

/** A channel lent to one long poll; `release` when the poll is over. */
export interface LentChannel {
  readonly client: Client;
  release(): void;
}

/** Channels for long polls, opened by `open` (each must be its own connection). */
export class PollChannels {
  private readonly channels: PollChannel[] = [];

  constructor(
    private readonly open: () => Client,
    private readonly perChannel: number = MAX_POLLS_PER_CHANNEL,
  ) {}

  /** The least busy channel, or a new one when every channel has `perChannel` polls. */
  acquire(): LentChannel {
    let channel = this.channels[0];
    for (const candidate of this.channels) if (candidate.inFlight < (channel?.inFlight ?? 0)) channel = candidate;
    if (!channel || channel.inFlight >= this.perChannel) {
      channel = { client: this.open(), inFlight: 0 };
      this.channels.push(channel);
    }
    const lent = channel;
    lent.inFlight++;
    let released = false;
    return {
      client: lent.client,
      release: () => {
        if (released) return;
        released = true;
        lent.inFlight--;
      },
    };
  }

  /** How many channels are open (for tests). */
  get size(): number {
    return this.channels.length;
  }

  close(): void {
    for (const channel of this.channels) channel.client.close();
    this.channels.length = 0;
  }
}
