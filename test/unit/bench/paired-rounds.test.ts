/** The bench's round order (bench/context.ts) and the paired ratio it makes possible (bench/results.ts). */
import { describe, expect, it } from "vitest";
import { roundOrder, type TimedSpec } from "../../../bench/context.js";
import { type Measurement, pairedRateRatio } from "../../../bench/results.js";

const spec = (peer: string, group?: string): TimedSpec => ({
  peer,
  command: { name: peer, argv: [peer] },
  ...(group ? { group } : {}),
});

describe("roundOrder", () => {
  const specs = [spec("on", "following"), spec("off", "following"), spec("sdk"), spec("own"), spec("raw")];

  it("keeps a group back to back in every round, swapping its order every other round", () => {
    for (let round = 0; round < 12; round++) {
      const order = roundOrder(specs, round);
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
      const on = order.indexOf(0);
      const off = order.indexOf(1);
      expect(Math.abs(on - off)).toBe(1);
      expect(on < off).toBe(round % 2 === 0);
    }
  });

  it("rotates the units so each starts a round in turn", () => {
    const firsts = [0, 1, 2, 3].map((round) => specs[roundOrder(specs, round)[0] as number]?.peer);
    expect(firsts).toEqual(["on", "sdk", "own", "raw"]);
  });

  it("without groups is the plain rotation", () => {
    const plain = [spec("a"), spec("b"), spec("c")];
    expect([0, 1, 2].map((round) => roundOrder(plain, round))).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
    ]);
  });
});

describe("pairedRateRatio", () => {
  const m = (samples: number[], extra: Partial<Measurement> = {}): Measurement => ({
    peer: "x",
    command: "x",
    samples,
    unit: "s",
    executions: 100,
    ...extra,
  });

  it("is the median of the rounds' rate ratios, so a drift common to both sides cancels", () => {
    // Each round slower than the one before; "on" 2% slower than "off" in every round.
    const off = [10, 20, 30, 40, 50];
    const on = off.map((s) => s * 1.02);
    expect(pairedRateRatio(m(on), m(off))).toBeCloseTo(1 / 1.02, 10);
  });

  it("ignores one outlier round", () => {
    expect(pairedRateRatio(m([10, 10, 30, 10, 10]), m([10, 10, 10, 10, 10]))).toBe(1);
  });

  it("is undefined when a side failed or the rounds do not line up", () => {
    expect(pairedRateRatio(m([10, 10]), m([10]))).toBeUndefined();
    expect(pairedRateRatio(m([10]), m([10], { error: "exited 1" }))).toBeUndefined();
    expect(pairedRateRatio(m([]), m([]))).toBeUndefined();
  });
});
