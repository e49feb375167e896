/**
 * The outputs a run that did not complete produced (src/engine/run-outputs.ts), as written in YAML and
 * evaluated by JSONata: those built only on steps that completed, none built on a failed, skipped or
 * compensated step, and none that reads `$steps` whole.
 */
import { describe, expect, it } from "vitest";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import { evaluate } from "../../../src/pipeline/expr/evaluate.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import { FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";

const echo: Handler = async (input) => input;
const deployed: Handler = async () => ({ url: "https://x" });
const fail: Handler = async () => {
  throw new Error("boom");
};

function load(text: string) {
  const loaded = loadPipelineText(text, "/test/outputs.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.pipeline;
}

const PIPELINE = `nxrun: 1
name: outputs
defaults: { taskQueue: q }
steps:
  - id: build
    activity: Echo
    input: { image: app:1 }
  - id: deploy
    activity: Deploy
    needs: [build]
  - id: notify
    activity: Echo
    needs: [deploy]
outputs:
  image: "{% $steps.build.output.image %}"
  region: eu-west-1
  url: "{% $steps.deploy.output.url %}"
  both: "{% $steps.build.output.image & ' ' & $steps.notify.output %}"
  everything: "{% $count($keys($steps)) %}"
`;

describe("outputs of a run that did not complete", () => {
  it("keeps those built only on completed steps and literals; drops those on failed or skipped steps", async () => {
    const client = new FakeTemporal({ Echo: echo, Deploy: fail });
    const record = await runPipeline(load(PIPELINE), { client, inputs: {}, evaluate, runId: "r" });
    expect(record.status).toBe("failed");
    expect(record.outputs).toEqual({ image: "app:1", region: "eu-west-1" });
  });

  it("gives all outputs when the run completes", async () => {
    const client = new FakeTemporal({ Echo: echo, Deploy: deployed });
    const record = await runPipeline(load(PIPELINE), { client, inputs: {}, evaluate, runId: "r" });
    expect(record.status).toBe("completed");
    expect(Object.keys(record.outputs ?? {})).toEqual(["image", "region", "url", "both", "everything"]);
  });

  it("drops an output built on a step the rollback undid", async () => {
    const text = PIPELINE.replace(
      "    input: { image: app:1 }\n",
      "    input: { image: app:1 }\n    compensate: { activity: Echo }\n",
    );
    const client = new FakeTemporal({ Echo: echo, Deploy: fail });
    const record = await runPipeline(load(text), { client, inputs: {}, evaluate, runId: "r" });
    expect(record.steps.find((s) => s.id === "build")?.status).toBe("compensated");
    expect(record.outputs).toEqual({ region: "eu-west-1" });
  });

  it("has no outputs when none was produced", async () => {
    const text = PIPELINE.replace("  region: eu-west-1\n", "");
    const client = new FakeTemporal({ Echo: fail, Deploy: fail });
    const record = await runPipeline(load(text), { client, inputs: {}, evaluate, runId: "r" });
    expect(record.status).toBe("failed");
    expect(record.outputs).toBeUndefined();
  });
});
