import { describe, expect, it } from "vitest";
import { ConnectionHealth } from "../../../src/temporal/connection-health.js";
import type { ConnectionChange } from "../../../src/temporal/types.js";

describe("ConnectionHealth", () => {
  it("lost once UNAVAILABLE persists for a second with no answer, reconnected at the next answer", () => {
    let now = 0;
    const health = new ConnectionHealth("h:1", () => now);
    const changes: ConnectionChange[] = [];
    health.onChange((change) => changes.push(change));
    health.answered(); // nothing was lost
    health.failed("No connection established", health.epoch);
    now = 500;
    health.failed("again", health.epoch);
    expect(changes).toEqual([]); // a blip is not an outage
    now = 1200;
    health.failed("again", health.epoch);
    health.failed("and again", health.epoch); // one line, not one per call
    expect(changes).toEqual([
      { state: "lost", address: "h:1", since: new Date(0), message: "No connection established" },
    ]);
    const lostEpoch = health.epoch;
    now = 5000;
    health.answered();
    expect(changes.map((c) => c.state)).toEqual(["lost", "reconnected"]);
    expect(changes[1]?.since).toEqual(new Date(0));
    // Right after: a channel still backing off fails while others answer: not lost again.
    health.failed("stale", lostEpoch);
    health.failed("still reconnecting", health.epoch);
    now = 5500;
    health.answered();
    now = 7000;
    health.failed("still reconnecting", health.epoch);
    expect(changes).toHaveLength(2);
  });

  it("failures with answers in between never make an outage", () => {
    let now = 0;
    const health = new ConnectionHealth("h:1", () => now);
    const changes: ConnectionChange[] = [];
    health.onChange((change) => changes.push(change));
    for (let i = 0; i < 10; i++) {
      now += 600;
      health.failed("flaky", health.epoch);
      health.answered();
    }
    expect(changes).toEqual([]);
  });
});

/** A health on a clock the test moves, and the changes it told. */
function clocked() {
  const clock = { now: 0 };
  const health = new ConnectionHealth("h:1", () => clock.now);
  const changes: ConnectionChange[] = [];
  health.onChange((change) => changes.push(change));
  return { clock, health, changes };
}

describe("a server that stops answering without refusing (a network that drops packets)", () => {
  it("counts quiet time only while calls wait", () => {
    const { clock, health } = clocked();
    expect(health.quietFor()).toBeUndefined();
    clock.now = 60_000; // idle for a minute: that is no silence
    const describeCall = health.sent(true);
    clock.now = 62_000;
    expect(health.quietFor()).toBe(2_000);
    health.answered();
    health.ended(describeCall, false);
    expect(health.quietFor()).toBeUndefined();
    health.sent(false); // a long poll
    clock.now = 70_000;
    expect(health.quietFor()).toBe(8_000);
  });

  it("dates the outage from the first unanswered prompt call's sending, and reconnected from it", () => {
    const { clock, health, changes } = clocked();
    const poll = health.sent(false); // waits by design: no sign of anything
    clock.now = 1_000;
    health.answered(); // the last answer; the network is cut at 1_500
    clock.now = 2_000;
    const describeCall = health.sent(true); // the first call the cut leaves unanswered
    clock.now = 5_000;
    const ask = health.sent(true);
    clock.now = 8_000;
    health.ended(ask, true);
    health.silent("server not answering", ask.at);
    health.silent("server not answering", ask.at); // one line, not one per ask
    expect(changes).toEqual([
      { state: "lost", address: "h:1", since: new Date(2_000), message: "server not answering" },
    ]);
    clock.now = 20_000;
    health.ended(describeCall, false);
    health.answered();
    expect(changes[1]).toEqual({ state: "reconnected", address: "h:1", since: new Date(2_000) });
    health.ended(poll, false);
  });

  it("with only long polls waiting, the outage began when the ask was sent", () => {
    const { clock, health, changes } = clocked();
    health.sent(false);
    clock.now = 4_000;
    health.silent("server not answering", 4_000);
    expect(changes.map((c) => c.since)).toEqual([new Date(4_000)]);
  });

  it("a prompt call that ran out its deadline before the ask still dates the outage", () => {
    const { clock, health, changes } = clocked();
    health.sent(false);
    clock.now = 500;
    const start = health.sent(true);
    clock.now = 3_500;
    health.ended(start, true);
    clock.now = 4_500;
    health.silent("server not answering", 4_500);
    expect(changes.map((c) => c.since)).toEqual([new Date(500)]);
  });

  it("a call sent before the last answer is no sign: the server was there after it", () => {
    const { clock, health, changes } = clocked();
    const slow = health.sent(true);
    clock.now = 1_000;
    health.answered();
    clock.now = 5_000;
    health.silent("server not answering", 5_000);
    expect(changes.map((c) => c.since)).toEqual([new Date(5_000)]);
    health.ended(slow, true); // and its deadline changes nothing told
    expect(changes).toHaveLength(1);
  });

  it("an ask that something answered after it was sent says nothing", () => {
    const { clock, health, changes } = clocked();
    health.sent(false);
    clock.now = 4_000;
    const askedAt = clock.now;
    clock.now = 5_000;
    health.answered();
    clock.now = 7_000;
    health.silent("server not answering", askedAt);
    expect(changes).toEqual([]);
  });

  it("a refused connection follows the same rule: an unanswered call sent before the first refusal dates it", () => {
    const { clock, health, changes } = clocked();
    clock.now = 1_000;
    health.sent(true); // on a channel still connecting
    clock.now = 1_200;
    health.failed("No connection established", health.epoch);
    clock.now = 2_300;
    health.failed("No connection established", health.epoch);
    expect(changes).toEqual([
      { state: "lost", address: "h:1", since: new Date(1_000), message: "No connection established" },
    ]);
  });
});
