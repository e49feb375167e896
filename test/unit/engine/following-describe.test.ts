/** A Following once its execution closed: it describes itself (Following.describeOnce), and holds nothing of its owner. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
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

describe("a Following that ended in its grace", () => {
  it("is no longer a reason to keep its owner's state alive while the grace queue still holds it", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const follower = new Follower({} as TemporalClient, { perSecond: 20 });
    // Still in its grace: keeps the queue (and the ended entry in it) alive.
    const other = follower.follow({
      kind: "activity",
      executionId: "b",
      runId: "r",
      group: "g",
      item: true,
      onProgress: () => {},
    });
    let owned: WeakRef<object> | undefined;
    (() => {
      const state = { record: new Array(1000).fill(0) };
      owned = new WeakRef(state);
      follower
        .follow({
          kind: "activity",
          executionId: "a",
          runId: "r",
          group: "g",
          item: true,
          onProgress: () => void state,
        })
        .stop();
    })();
    expect(follower.inGrace).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(owned?.deref()).toBeUndefined();
    other.stop();
  });
});
