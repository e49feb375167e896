import { describe, expect, it } from "vitest";
import { checkSetting, resolveCall, SETTING_FORMS } from "../../../src/pipeline/call-settings.js";
import { evaluate } from "../../../src/pipeline/expr/evaluate.js";
import { ExpressionError } from "../../../src/pipeline/expr/expression-error.js";
import type { Scope } from "../../../src/pipeline/expr/scope.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import { DEFAULT_SCHEDULE_TO_CLOSE_MS, type Step } from "../../../src/pipeline/model.js";
import { pipelineSchema } from "../../../src/pipeline/schema.js";
import { testScope } from "../../support/unit/scope.js";

function load(text: string) {
  const result = loadPipelineText(text, "/virtual/p.yaml");
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics, null, 2));
  return result.pipeline;
}

function resolveStep(step: Step, s: Scope) {
  if (step.call.kind !== "activity" && step.call.kind !== "nexus") throw new Error("not a Temporal call");
  return resolveCall(step.call, step, (value) => evaluate(value, s));
}

const PIPELINE = `nxrun: 1
name: p
inputs:
  regions: { type: array, default: [eu, us] }
  slow: { type: boolean, default: false }
  endpoint: { type: string, default: billing }
  attempts: { type: integer, default: 4 }
defaults:
  taskQueue: "{% 'deploy-' & $item %}"
  timeouts: { startToClose: "{% $inputs.slow ? '1h' : '30s' %}", scheduleToStart: 1m }
  priority: { priorityKey: "{% $inputs.slow ? 5 : 1 %}" }
steps:
  - id: deploy
    forEach: "{% $inputs.regions %}"
    activity: Deploy
    input: "{% $item %}"
    retry: { maximumAttempts: "{% $inputs.attempts %}", initialInterval: 1s }
  - id: bill
    nexus: { endpoint: "{% $inputs.endpoint %}", service: Billing, operation: charge }
    timeouts: { startToClose: 5m }
  - id: literal
    activity: Echo
    taskQueue: ops
`;

describe("computed call settings", () => {
  it("keeps literals as they were and puts each expression, defaults merged key by key, in computed", () => {
    const p = load(PIPELINE);
    const [deploy, bill, literal] = p.steps as [Step, Step, Step];
    expect(deploy.call).toEqual({ kind: "activity", activityType: "Deploy", taskQueue: "" });
    expect(deploy.timeouts).toEqual({ scheduleToStart: 60_000 });
    expect(deploy.retry).toEqual({ initialInterval: 1000 });
    expect(Object.keys(deploy.computed ?? {})).toEqual(["taskQueue", "timeouts", "retry", "priority"]);
    expect(Object.keys(deploy.computed?.timeouts ?? {})).toEqual(["startToClose"]);
    // The step's literal startToClose wins over the default's expression.
    expect(bill.timeouts).toEqual({ startToClose: 300_000, scheduleToStart: 60_000 });
    expect(Object.keys(bill.computed ?? {})).toEqual(["endpoint", "priority"]);
    expect(bill.call).toMatchObject({ kind: "nexus", endpoint: "", service: "Billing", operation: "charge" });
    expect(literal.call).toEqual({ kind: "activity", activityType: "Echo", taskQueue: "ops" });
    expect(literal.computed?.taskQueue).toBeUndefined();
    expect(literal.computed?.priority).toBeDefined();
  });

  it("resolves per item and per input", async () => {
    const p = load(PIPELINE);
    const [deploy, bill] = p.steps as [Step, Step];
    const inputs = { regions: ["eu", "us"], slow: true, endpoint: "billing-eu", attempts: 4 };
    const first = await resolveStep(deploy, testScope({ inputs, item: "eu", index: 0 }));
    expect(first.call).toEqual({ kind: "activity", activityType: "Deploy", taskQueue: "deploy-eu" });
    expect(first.timeouts).toEqual({ scheduleToStart: 60_000, startToClose: 3_600_000 });
    expect(first.retry).toEqual({ initialInterval: 1000, maximumAttempts: 4 });
    expect(first.priority).toEqual({ priorityKey: 5 });
    const second = await resolveStep(deploy, testScope({ inputs, item: "us", index: 1 }));
    expect(second.call).toMatchObject({ taskQueue: "deploy-us" });
    const nexusCall = await resolveStep(bill, testScope({ inputs }));
    expect(nexusCall.call).toMatchObject({ endpoint: "billing-eu", service: "Billing", operation: "charge" });
  });

  it("fails with the expression's place when a value has the wrong form", async () => {
    const p = load(`nxrun: 1
name: p
inputs:
  queue: { type: string, default: "" }
  timeout: { type: number, default: 30 }
steps:
  - id: a
    activity: A
    taskQueue: "{% $inputs.queue %}"
  - id: b
    activity: B
    taskQueue: q
    timeouts:
      startToClose: "{% $inputs.timeout %}"
`);
    const [a, b] = p.steps as [Step, Step];
    const s = testScope({ inputs: { queue: "", timeout: 30 } });
    const queueError = await resolveStep(a, s).catch((e: unknown) => e);
    expect(queueError).toBeInstanceOf(ExpressionError);
    expect((queueError as ExpressionError).message).toBe(
      '/virtual/p.yaml:9:20: taskQueue must be a non-empty task queue name, but the expression gave the string ""',
    );
    const timeoutError = await resolveStep(b, s).catch((e: unknown) => e);
    expect((timeoutError as ExpressionError).message).toBe(
      "/virtual/p.yaml:14:25: timeouts.startToClose must be a positive duration, but the expression gave the number 30",
    );
    expect((timeoutError as ExpressionError).hint).toContain("$string(n) & 's'");
  });

  it("leaves a setting whose expression gives no value unset, and then gives an activity the default timeout", async () => {
    const p = load(`nxrun: 1
name: p
inputs:
  t: { type: string }
steps:
  - id: a
    activity: A
    taskQueue: q
    timeouts: { startToClose: "{% $inputs.t %}" }
`);
    const [a] = p.steps as [Step];
    // No default filled at load time: the expression may give one.
    expect(a.timeouts).toEqual({});
    const resolved = await resolveStep(a, testScope());
    expect(resolved.timeouts).toEqual({});
    const given = await resolveStep(a, testScope({ inputs: { t: "2m" } }));
    expect(given.timeouts).toEqual({ startToClose: 120_000 });
    expect(DEFAULT_SCHEDULE_TO_CLOSE_MS).toBeGreaterThan(0);
  });

  it("reference-checks them like every other expression: unknown inputs, $item outside forEach, steps become dependencies", () => {
    const result = loadPipelineText(
      `nxrun: 1
name: p
inputs:
  region: { type: string }
steps:
  - id: a
    activity: A
    taskQueue: "{% $inputs.regoin %}"
  - id: b
    activity: B
    taskQueue: "{% 'q-' & $item %}"
  - id: c
    nexus: { endpoint: "{% $steps.a.output.endpoint %}", service: S, operation: "{% 'op' %}" }
`,
      "/virtual/p.yaml",
    );
    if (result.ok) throw new Error("expected errors");
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column, d.message])).toEqual([
      ["NX121", 8, 28, 'unknown input "regoin" in taskQueue of step "a"'],
      ["NX126", 11, 27, '$item is used in taskQueue of step "b", outside a forEach step'],
      [
        "NX129",
        13,
        81,
        'nexus.operation of step "c" is read as written; expressions are evaluated only in vars, outputs, and a step\'s input, args, when, forEach, summary, confirm, taskQueue, nexus endpoint, timeouts, retry and priority',
      ],
    ]);
  });

  it("makes a step read in a computed setting a dependency", () => {
    const p = load(`nxrun: 1
name: p
steps:
  - id: pick
    activity: Pick
    taskQueue: q
  - id: use
    activity: Use
    taskQueue: "{% $steps.pick.output.queue %}"
`);
    expect(p.steps[1]?.dependsOn).toEqual(["pick"]);
  });

  it("checks values as the schema checks the literals", () => {
    // The schema's bounds for each numeric setting, read from specs/pipeline.schema.json.
    const defs = (
      pipelineSchema() as { $defs: Record<string, { properties: Record<string, Record<string, unknown>> }> }
    ).$defs;
    const numeric = [
      ["retry", "backoffCoefficient"],
      ["retry", "maximumAttempts"],
      ["priority", "priorityKey"],
      ["priority", "fairnessWeight"],
    ] as const;
    const e = { kind: "literal", value: null } as const;
    const fits = (name: string, value: unknown) => {
      try {
        checkSetting(name, e, value);
        return true;
      } catch {
        return false;
      }
    };
    for (const [group, key] of numeric) {
      const schema = defs[group]!.properties[key]!;
      const name = `${group}.${key}`;
      expect(SETTING_FORMS[name], name).toBeDefined();
      const integer = (schema.type as string[]).includes("integer");
      if (typeof schema.minimum === "number") {
        expect(fits(name, schema.minimum), name).toBe(true);
        expect(fits(name, schema.minimum - (integer ? 1 : 0.01)), name).toBe(false);
      }
      if (typeof schema.exclusiveMinimum === "number") {
        expect(fits(name, schema.exclusiveMinimum), name).toBe(false);
        expect(fits(name, schema.exclusiveMinimum + 0.01), name).toBe(true);
      }
      if (integer) expect(fits(name, (schema.minimum as number) + 0.5), name).toBe(false);
    }
    for (const key of Object.keys(defs.timeouts!.properties)) {
      expect(fits(`timeouts.${key}`, "1h30m")).toBe(true);
      expect(fits(`timeouts.${key}`, "0s")).toBe(false);
      expect(fits(`timeouts.${key}`, "soon")).toBe(false);
    }
  });
});
