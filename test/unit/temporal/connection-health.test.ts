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
