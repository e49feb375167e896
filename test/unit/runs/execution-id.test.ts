import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compensationExecutionId,
  itemExecutionId,
  repeatExecutionId,
  stepExecutionId,
  stepKey,
} from "../../../src/engine/execution-ids.js";
import { executionRole, roleLabel } from "../../../src/runs/execution-id.js";
import { manifestExecutionId } from "../../../src/runs/manifest/store.js";

const stepId = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
const runId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);

describe("executionRole", () => {
  it("reads back every ID the engine writes, on any attempt", () => {
    fc.assert(
      fc.property(runId, stepId, fc.nat(100_000), fc.integer({ min: 1, max: 50 }), (run, step, index, attempt) => {
        const key = stepKey(step, attempt);
        expect(executionRole(run, stepExecutionId(run, key))).toEqual({ role: "step", stepId: step, attempt });
        expect(executionRole(run, itemExecutionId(run, key, index))).toEqual({
          role: "item",
          stepId: step,
          attempt,
          index,
        });
        expect(executionRole(run, compensationExecutionId(run, key))).toEqual({
          role: "compensation",
          stepId: step,
          attempt,
        });
        expect(executionRole(run, repeatExecutionId(stepExecutionId(run, key), index + 1))).toEqual({
          role: "step",
          stepId: step,
          attempt,
          check: index + 1,
        });
        expect(executionRole(run, repeatExecutionId(itemExecutionId(run, key, index), 2))).toEqual({
          role: "item",
          stepId: step,
          attempt,
          index,
          check: 2,
        });
      }),
    );
  });

  it("writes no attempt suffix for a first attempt", () => {
    expect(stepKey("deploy")).toBe("deploy");
    expect(stepKey("deploy", 1)).toBe("deploy");
    expect(stepKey("deploy", 3)).toBe("deploy@3");
  });

  it("rejects IDs of other runs, including runs whose ID extends this one's, and the manifest", () => {
    expect(executionRole("r1", "r10.add")).toBeUndefined();
    expect(executionRole("r1", "r1-x.add")).toBeUndefined();
    expect(executionRole("r1", "r1.")).toBeUndefined();
    expect(executionRole("r1", "r1.add.x-y")).toBeUndefined();
    expect(executionRole("r1", "r1.add@0")).toBeUndefined();
    expect(executionRole("r1", "r1.add@x")).toBeUndefined();
    expect(executionRole("r1", "other.add")).toBeUndefined();
    expect(executionRole("r1", manifestExecutionId("r1"))).toBeUndefined();
  });

  it("names the steps of a used pipeline by their path", () => {
    expect(executionRole("r1", "r1.db.create")).toEqual({ role: "step", stepId: "db.create", attempt: 1 });
    expect(executionRole("r1", "r1.db.2.create")).toEqual({ role: "step", stepId: "db[2].create", attempt: 1 });
    expect(executionRole("r1", "r1.db@2.create@3")).toEqual({ role: "step", stepId: "db@2.create", attempt: 3 });
    expect(executionRole("r1", "r1.db.2.inner.create.4")).toEqual({
      role: "item",
      stepId: "db[2].inner.create",
      attempt: 1,
      index: 4,
    });
    expect(executionRole("r1", "r1.db.create.compensate")).toEqual({
      role: "compensation",
      stepId: "db.create",
      attempt: 1,
    });
    expect(executionRole("r1", "r1.db.poll.check-3")).toEqual({
      role: "step",
      stepId: "db.poll",
      attempt: 1,
      check: 3,
    });
  });

  it("labels roles for the status table", () => {
    expect(roleLabel({ role: "step", stepId: "deploy", attempt: 1 })).toBe("deploy");
    expect(roleLabel({ role: "item", stepId: "deploy", attempt: 1, index: 3 })).toBe("deploy[3]");
    expect(roleLabel({ role: "compensation", stepId: "deploy", attempt: 1 })).toBe("deploy (compensate)");
    expect(roleLabel({ role: "item", stepId: "deploy", attempt: 2, index: 3 })).toBe("deploy@2[3]");
    expect(roleLabel({ role: "step", stepId: "poll", attempt: 1, check: 3 })).toBe("poll check 3");
    expect(roleLabel({ role: "item", stepId: "poll", attempt: 1, index: 1, check: 2 })).toBe("poll[1] check 2");
  });
});
