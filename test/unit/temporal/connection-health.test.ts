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

describe("a server that stops answering without refusing (a network that drops packets)", () => {
  it("counts quiet time only while calls wait, lost since the last answer when asked, reconnected at an answer", () => {
    let now = 0;
    const health = new ConnectionHealth("h:1", () => now);
    const changes: ConnectionChange[] = [];
    health.onChange((change) => changes.push(change));
    expect(health.quietFor()).toBeUndefined();
    now = 60_000; // idle for a minute: that is no silence
    health.sent();
    now = 62_000;
    expect(health.quietFor()).toBe(2_000);
    health.answered();
    health.ended();
    expect(health.quietFor()).toBeUndefined();
    health.sent(); // a long poll
    now = 70_000;
    expect(health.quietFor()).toBe(8_000);
    health.silent("server not answering");
    health.silent("server not answering"); // one line, not one per ask
    expect(changes).toEqual([
      { state: "lost", address: "h:1", since: new Date(62_000), message: "server not answering" },
    ]);
    now = 80_000;
    health.answered();
    expect(changes[1]).toEqual({ state: "reconnected", address: "h:1", since: new Date(62_000) });
  });
});
