/**
 * A program's reporter whose hooks are async (`onStepEnd: async (e) => { await db.insert(e) }`, which
 * the `void` of Reporter's hooks allows): a rejection is the program's to see through runPipeline,
 * never an unhandled rejection, which would end the program that embeds nxrun.
 */
import { describe, expect, it } from "vitest";
import type { Reporter } from "../../../src/index.js";
import { runPipeline } from "../../../src/index.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import { FakeTemporal } from "../../support/unit/fake-temporal.js";

function twoSteps() {
  const loaded = loadPipelineText(
    `nxrun: 1
name: async-hooks
steps:
  - id: a
    activity: echo
    taskQueue: q
    input: 1
  - id: b
    activity: echo
    taskQueue: q
    input: 2
`,
    "/virtual/async-hooks.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.pipeline;
}

describe("a reporter's async hook that rejects", () => {
  it.each([true, false])(
    "manifest %s: the run goes on to its end, then runPipeline rejects with the first rejection",
    async (manifest) => {
      const client = new FakeTemporal({ echo: async (input) => input });
      const ended: string[] = [];
      const reporter: Reporter = {
        onStepEnd: (async ({ stepId }: { stepId: string }) => {
          ended.push(stepId);
          throw new Error(`could not store ${stepId}`);
        }) as Reporter["onStepEnd"],
      };
      await expect(runPipeline(twoSteps(), { client, inputs: {}, reporter, manifest })).rejects.toThrow(
        "could not store a",
      );
      expect(ended).toEqual(["a", "b"]);
    },
  );

  it("onRunEnd's promise is awaited: what it rejects later is not lost, what it does is done before runPipeline resolves", async () => {
    const client = new FakeTemporal({ echo: async (input) => input });
    const late: Reporter = {
      onRunEnd: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error("could not store the run");
      },
    };
    await expect(runPipeline(twoSteps(), { client, inputs: {}, reporter: late, manifest: false })).rejects.toThrow(
      "could not store the run",
    );
    let stored = false;
    const slow: Reporter = {
      onRunEnd: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        stored = true;
      },
    };
    await runPipeline(twoSteps(), { client, inputs: {}, reporter: slow, manifest: false });
    expect(stored).toBe(true);
  });

  it("hooks that resolve change nothing: the run's record", async () => {
    const client = new FakeTemporal({ echo: async (input) => input });
    const reporter: Reporter = { onStepEnd: async () => undefined };
    const record = await runPipeline(twoSteps(), { client, inputs: {}, reporter, manifest: false });
    expect(record.status).toBe("completed");
  });
});
