import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionHealth } from "../../../src/temporal/connection-health.js";
import { ASK_TIMEOUT_MS, QUIET_MS, watchSilence } from "../../../src/temporal/silence-watch.js";
import type { ConnectionChange } from "../../../src/temporal/types.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A health over the fake clock with one long poll waiting, the changes it told, and a watch on it. */
function watched(ask: (timeoutMs: number) => Promise<unknown>) {
  const health = new ConnectionHealth("h:1");
  const changes: ConnectionChange[] = [];
  health.onChange((change) => changes.push(change));
  health.sent(false);
  const stop = watchSilence(health, ask);
  return { health, changes, stop };
}

const noAnswer = (timeoutMs: number) =>
  new Promise((_, reject) =>
    setTimeout(() => reject(Object.assign(new Error("deadline"), { code: status.DEADLINE_EXCEEDED })), timeoutMs),
  );

describe("watchSilence", () => {
  it("asks only once calls have waited QUIET_MS with no answer, and says lost since the ask when it gets none", async () => {
    const ask = vi.fn(noAnswer);
    const { changes, stop } = watched(ask);
    await vi.advanceTimersByTimeAsync(QUIET_MS - 1);
    expect(ask).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ask).toHaveBeenCalledWith(ASK_TIMEOUT_MS);
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT_MS);
    // Only a long poll waited, which is no sign: the outage shows from the ask on.
    expect(changes).toEqual([
      { state: "lost", address: "h:1", since: new Date(QUIET_MS), message: "server not answering" },
    ]);
    // Well within the 10 s a user is promised.
    expect(Date.now()).toBeLessThanOrEqual(10_000);
    stop();
  });

  it("dates the outage from a prompt call left unanswered before the ask", async () => {
    const { health, changes, stop } = watched(noAnswer);
    await vi.advanceTimersByTimeAsync(1_500);
    health.sent(true);
    await vi.advanceTimersByTimeAsync(QUIET_MS + ASK_TIMEOUT_MS);
    expect(changes.map((c) => c.since)).toEqual([new Date(1_500)]);
    stop();
  });

  it("keeps asking while lost, one ask at a time; an answer is reconnected", async () => {
    let answer = false;
    const ask = vi.fn((timeoutMs: number) => (answer ? Promise.resolve("ok") : noAnswer(timeoutMs)));
    const { health, changes, stop } = watched(async (timeoutMs) => {
      const result = await ask(timeoutMs);
      health.answered(); // as ServiceRpc does for any answered call
      return result;
    });
    await vi.advanceTimersByTimeAsync(QUIET_MS + 1_000 + ASK_TIMEOUT_MS);
    expect(changes.map((c) => c.state)).toEqual(["lost"]);
    const asked = ask.mock.calls.length;
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT_MS - 1);
    expect(ask.mock.calls.length).toBeLessThanOrEqual(asked + 1);
    answer = true;
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT_MS + 1_000);
    expect(changes.map((c) => c.state)).toEqual(["lost", "reconnected"]);
    stop();
  });

  it("a server that answers the ask, even with an error, is there; nothing is said", async () => {
    const refused = () => Promise.reject(Object.assign(new Error("denied"), { code: status.PERMISSION_DENIED }));
    const { changes, stop } = watched(refused);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(changes).toEqual([]);
    stop();
  });

  it("asks nothing when no call waits, and nothing after it is stopped", async () => {
    const ask = vi.fn(noAnswer);
    const health = new ConnectionHealth("h:1");
    const stop = watchSilence(health, ask);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(ask).not.toHaveBeenCalled();
    health.sent(false);
    stop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(ask).not.toHaveBeenCalled();
  });
});
