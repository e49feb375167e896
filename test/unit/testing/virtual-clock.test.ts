// The test runner's clock moves only when the run is idle: never in the middle of work that crosses
// turns of the event loop, as a slow expression does when it yields (src/pipeline/expr/evaluate.ts).
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../src/testing/virtual-clock.js";

/** Work that takes `turns` turns of the event loop, as an expression that yields does. */
async function crossTurns(turns: number, log: string[]): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  log.push("work done");
}

/** Resolves once the clock has fired `timer` (polled each turn, not waited for by time). */
async function fired(log: string[]): Promise<void> {
  while (!log.includes("timer")) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe("VirtualClock", () => {
  it("jumps to a timer once the run is idle: an hour takes no real time", async () => {
    const clock = new VirtualClock(0);
    await clock.sleep(3_600_000);
    expect(clock.now()).toBe(3_600_000);
    clock.stop();
  });

  it("does not move while held work crosses turns of the event loop; it does without hold", async () => {
    const held = new VirtualClock(0);
    const heldLog: string[] = [];
    held.setTimer(() => heldLog.push("timer"), 60_000);
    await held.hold(() => crossTurns(5, heldLog));
    await fired(heldLog);
    expect(heldLog).toEqual(["work done", "timer"]);
    held.stop();

    const free = new VirtualClock(0);
    const freeLog: string[] = [];
    free.setTimer(() => freeLog.push("timer"), 60_000);
    await crossTurns(5, freeLog);
    expect(freeLog).toEqual(["timer", "work done"]);
    free.stop();
  });
});
