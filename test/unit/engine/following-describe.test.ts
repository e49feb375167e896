/** Following.describeOnce: a closed execution describes itself (its kind, IDs and item-ness come from its request). */
import { describe, expect, it } from "vitest";
import { Follower } from "../../../src/engine/follow/follower.js";
import type { ExecutionDescription, TemporalClient } from "../../../src/temporal/types.js";

describe("Following.describeOnce", () => {
  it("describes the execution it follows, through the kind's client", async () => {
    const calls: string[] = [];
    const describeWith =
      (kind: "activity" | "nexus") =>
      async (id: string, runId?: string): Promise<ExecutionDescription> => {
        calls.push(`${kind} ${id} ${runId}`);
        return { kind, id, runId: runId ?? "", status: "failed", type: "t", details: { attempt: 3 } };
      };
    const fake = {
      activities: { describe: describeWith("activity") },
      nexus: { describe: describeWith("nexus") },
    } as unknown as TemporalClient;
    const follower = new Follower(fake, { perSecond: 20 });
    const op = follower.follow({
      kind: "nexus",
      executionId: "r.ops.7",
      runId: "run-7",
      group: "g",
      item: true,
      onProgress: () => {},
    });
    op.stop();
    expect((await op.describeOnce())?.details?.attempt).toBe(3);
    const step = follower.follow({
      kind: "activity",
      executionId: "r.step",
      runId: "run-s",
      taskQueue: "q",
      group: "g2",
      item: false,
      onProgress: () => {},
    });
    step.stop();
    expect((await step.describeOnce())?.kind).toBe("activity");
    expect(calls).toEqual(["nexus r.ops.7 run-7", "activity r.step run-s"]);
  });
});
