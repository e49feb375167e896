import { describe, expect, it } from "vitest";
import { dryRunPlan } from "../../../src/engine/dry-run.js";
import { evaluate } from "../../../src/pipeline/expr/evaluate.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";

describe("dryRunPlan", () => {
  it("shows computed settings resolved (per forEach item), or the expression and why it waits for the run", async () => {
    const loaded = loadPipelineText(
      `nxrun: 1
name: dry
inputs:
  regions: { type: array, default: [eu, us] }
  billing: { type: string, default: billing-eu }
defaults:
  taskQueue: "{% 'deploy-' & $item %}"
steps:
  - id: deploy
    forEach: "{% $inputs.regions %}"
    activity: Deploy
    timeouts: { startToClose: "{% $index = 0 ? '90s' : '2m' %}" }
  - id: bill
    nexus: { endpoint: "{% $inputs.billing %}", service: Billing, operation: charge }
  - id: after
    activity: After
    taskQueue: "{% $steps.deploy.output[0].queue %}"
    retry: { maximumAttempts: "{% -1 %}" }
`,
      "/virtual/dry.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const plan = await dryRunPlan(loaded.pipeline, {
      runId: "r",
      inputs: { regions: ["eu", "us"], billing: "billing-eu" },
      secrets: {},
      evaluate,
    });
    const [deploy, bill, after] = plan.steps;
    expect(deploy?.call).toBe("activity Deploy on {% 'deploy-' & $item %}");
    expect(deploy?.settings).toEqual({
      taskQueue: ["deploy-eu", "deploy-us"],
      "timeouts.startToClose": ["1m30s", "2m"],
    });
    expect(bill?.settings).toEqual({ "nexus.endpoint": "billing-eu" });
    expect(after?.settings?.taskQueue).toBe(
      "{% $steps.deploy.output[0].queue %} (it reads $steps.deploy, known only during the run)",
    );
    expect(after?.settings?.["retry.maximumAttempts"]).toBe(
      "(fails: /virtual/dry.yaml:18:35: retry.maximumAttempts must be a whole number of at least 0, but the expression gave the number -1)",
    );
  });

  it("shows a computed wait, the confirm question and a var resolved from the inputs", async () => {
    const loaded = loadPipelineText(
      `nxrun: 1
name: dry
inputs:
  settle: { type: string }
vars:
  region: "{% $uppercase('eu') %}"
steps:
  - id: settle
    wait: "{% $inputs.settle %}"
  - id: later
    needs: [settle]
    wait: "{% $steps.settle.output.until %}"
  - id: ask
    confirm: "{% 'deploy to ' & $vars.region & ' after ' & $inputs.settle %}"
`,
      "/virtual/dry.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const plan = await dryRunPlan(loaded.pipeline, { runId: "r", inputs: { settle: "5m" }, secrets: {}, evaluate });
    expect(plan.vars).toEqual({ region: "EU" });
    expect(plan.steps.map((s) => [s.id, s.call, s.input])).toEqual([
      ["settle", "wait 5m", undefined],
      ["later", "wait {% $steps.settle.output.until %}", undefined],
      ["ask", "confirm", "deploy to EU after 5m"],
    ]);
  });
});
