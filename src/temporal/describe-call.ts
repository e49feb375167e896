/**
 * One Describe*Execution call, plain or long-polled. A long poll goes on a poll channel
 * (poll-channels.ts) with the poll deadline, and a poll that times out is retried once more with
 * no token, so the caller always gets the state: "no change" and "the change" look the same to it.
 */
import { isPollTimeout, POLL_TIMEOUT_MS } from "./execution-common.js";
import type { MessageCodec } from "./proto.js";
import type { WorkflowServiceRpc } from "./rpc.js";
import type { DescribeOptions } from "./types.js";

export async function describeCall<I extends { longPollToken?: Uint8Array }, T>(
  rpc: WorkflowServiceRpc,
  method: string,
  requestType: MessageCodec<I, unknown>,
  responseType: MessageCodec<unknown, T>,
  request: I,
  options: DescribeOptions,
): Promise<T> {
  const signal = options.signal ? { signal: options.signal } : {};
  if (!options.longPollToken)
    return rpc.call(method, requestType, responseType, request, { idempotent: true, ...signal });
  try {
    return await rpc.call(method, requestType, responseType, request, {
      idempotent: true,
      longPoll: true,
      timeout: POLL_TIMEOUT_MS,
      ...signal,
    });
  } catch (error) {
    if (!isPollTimeout(error)) throw error;
    const { longPollToken: _token, ...plain } = request;
    return rpc.call(method, requestType, responseType, plain as I, { idempotent: true, ...signal });
  }
}
