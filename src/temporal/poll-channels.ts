/**
 * Long polls (PollActivityExecution, PollNexusOperationExecution) on channels of their own, at most
 * MAX_POLLS_PER_CHANNEL on each, opened as needed.
 *
 * Why: a long poll holds an HTTP/2 stream until its execution closes (or the server's long-poll
 * timeout, a minute by default), and a peer may cap the concurrent streams of one connection; calls
 * over the cap wait for a free stream. The Temporal frontend (grpc-go, no MaxConcurrentStreams set in
 * server v1.32) has no cap, but a proxy in front of it often does (nginx http2_max_concurrent_streams
 * and AWS ALB: 128). Through such a proxy, a start behind a cap's worth of long polls on one channel
 * waited for a stream until its deadline; on poll channels it does not, and a fan-out of short polls
 * is alike either way (bench/findings.md, "Poll channels").
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
