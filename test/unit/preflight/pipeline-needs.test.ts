import { describe, expect, it } from "vitest";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import { pipelineNeeds } from "../../../src/preflight/pipeline-needs.js";

describe("pipelineNeeds", () => {
  it("collects task queues and endpoints of steps, finally steps and compensations, with their positions", () => {
    const loaded = loadPipelineText(
      `nxrun: 1
name: needs
defaults:
  taskQueue: main
steps:
  - id: a
    activity: echo
  - id: b
    activity: echo
    taskQueue: other
    compensate:
      nexus: { endpoint: undo-ep, service: S, operation: undo }
  - id: c
    nexus: { endpoint: ep, service: S, operation: o }
  - id: ok
    confirm: "go?"
finally:
  - id: f
    activity: echo
`,
      "/p.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const needs = pipelineNeeds(loaded.pipeline);
    expect([...needs.taskQueues.keys()]).toEqual(["main", "other"]);
    expect(needs.taskQueues.get("main")?.map((u) => [u.stepId, u.position.line])).toEqual([
      ["a", 6],
      ["f", 18],
    ]);
    expect(needs.taskQueues.get("other")?.map((u) => u.stepId)).toEqual(["b"]);
    expect([...needs.endpoints.keys()]).toEqual(["undo-ep", "ep"]);
    expect(needs.endpoints.get("undo-ep")?.[0]).toMatchObject({ stepId: "b (compensate)", position: { line: 12 } });
    expect(needs.endpoints.get("ep")?.[0]?.position).toEqual({ file: "/p.yaml", line: 13, column: 5 });
  });
});
