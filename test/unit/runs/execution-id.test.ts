import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compensationExecutionId,
  itemExecutionId,
  repeatExecutionId,
  stepExecutionId,
} from "../../../src/engine/execution-ids.js";
import { executionRole, roleLabel } from "../../../src/runs/execution-id.js";

const stepId = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
const runId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);

describe("executionRole", () => {
  it("reads back every ID the engine writes", () => {
    fc.assert(
      fc.property(runId, stepId, fc.nat(100_000), (run, step, index) => {
        expect(executionRole(run, stepExecutionId(run, step))).toEqual({ role: "step", stepId: step });
        expect(executionRole(run, itemExecutionId(run, step, index))).toEqual({ role: "item", stepId: step, index });
        expect(executionRole(run, compensationExecutionId(run, step))).toEqual({ role: "compensation", stepId: step });
        expect(executionRole(run, repeatExecutionId(stepExecutionId(run, step), index + 1))).toEqual({
          role: "step",
          stepId: step,
          check: index + 1,
        });
        expect(executionRole(run, repeatExecutionId(itemExecutionId(run, step, index), 2))).toEqual({
          role: "item",
          stepId: step,
          index,
          check: 2,
        });
      }),
    );
  });

  it("rejects IDs of other runs, including runs whose ID extends this one's", () => {
    expect(executionRole("r1", "r10.add")).toBeUndefined();
    expect(executionRole("r1", "r1-x.add")).toBeUndefined();
    expect(executionRole("r1", "r1.sub.add")).toBeUndefined();
    expect(executionRole("r1", "r1.")).toBeUndefined();
    expect(executionRole("r1", "r1.add.x")).toBeUndefined();
    expect(executionRole("r1", "other.add")).toBeUndefined();
  });

  it("labels roles for the status table", () => {
    expect(roleLabel({ role: "step", stepId: "deploy" })).toBe("deploy");
    expect(roleLabel({ role: "item", stepId: "deploy", index: 3 })).toBe("deploy[3]");
    expect(roleLabel({ role: "compensation", stepId: "deploy" })).toBe("deploy (compensate)");
    expect(roleLabel({ role: "step", stepId: "poll", check: 3 })).toBe("poll check 3");
    expect(roleLabel({ role: "item", stepId: "poll", index: 1, check: 2 })).toBe("poll[1] check 2");
  });
});
