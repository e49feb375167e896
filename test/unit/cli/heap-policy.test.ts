import { cachedDataVersionTag } from "node:v8";
import { describe, expect, it } from "vitest";
import { heapPolicy } from "../../../src/cli/heap-policy.js";
import type { StepRecord, StepUpdate } from "../../../src/engine/events.js";

// V8's tag of its flags of the moment (what a code cache is stamped with) tells whether the policy's
// flags are set: it changes with any flag and comes back when the flags are back at their values.
function step(stepId: string, items: number): StepUpdate {
  const record = { id: stepId, items: Array.from({ length: items }, () => ({})) } as unknown as StepRecord;
  return { stepId, record };
}

describe("heapPolicy", () => {
  it("bounds the heap while a forEach of 1,000 items or more runs, and puts V8's flags back after", () => {
    const policy = heapPolicy();
    const start = cachedDataVersionTag();
    policy.onStepStart?.(step("small", 999));
    expect(cachedDataVersionTag()).toBe(start);
    policy.onStepEnd?.(step("small", 999));

    policy.onStepStart?.(step("fan", 1000));
    expect(cachedDataVersionTag()).not.toBe(start);
    policy.onStepEnd?.(step("fan", 1000));
    expect(cachedDataVersionTag()).toBe(start);
  });

  it("keeps the bound until the last of two overlapping large steps ends", () => {
    const policy = heapPolicy();
    const start = cachedDataVersionTag();
    policy.onStepStart?.(step("a", 2000));
    const bound = cachedDataVersionTag();
    policy.onStepStart?.(step("b", 5000));
    policy.onStepEnd?.(step("a", 2000));
    expect(cachedDataVersionTag()).toBe(bound);
    policy.onStepEnd?.(step("b", 5000));
    expect(cachedDataVersionTag()).toBe(start);
  });
});
