import { describe, expect, it } from "vitest";
import { findCycles } from "../../../../src/pipeline/dependency-cycles.js";
import { loadPipelineText } from "../../../../src/pipeline/load.js";
import { buildPlan, upstreamOf } from "../../../../src/pipeline/plan/build-plan.js";
import { toDot, toMermaid } from "../../../../src/pipeline/plan/graph-format.js";
import { testScope } from "../../../support/unit/scope.js";

const text = `nxrun: 1
name: p
defaults: { taskQueue: q }
steps:
  - id: a
    activity: A
  - id: b
    activity: B
    input: "{% $steps.a.output %}"
  - id: c
    activity: C
  - id: d
    activity: D
    needs: [c]
    input: { x: "{% $steps.b.output %}" }
  - id: gate
    confirm: "ok?"
finally:
  - id: f1
    activity: F
    input: "{% $steps.d.output %}"
  - id: f2
    activity: F
    input: "{% $steps.f1.output %}"
`;

function load() {
  const r = loadPipelineText(text, "/v/p.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.pipeline;
}

describe("buildPlan", () => {
  it("layers steps by dependency, keeping file order within a layer", () => {
    const plan = buildPlan(load());
    expect(plan.layers).toEqual([["a", "c", "gate"], ["b"], ["d"]]);
    expect(plan.order).toEqual(["a", "c", "gate", "b", "d"]);
    expect(plan.finallyLayers).toEqual([["f1"], ["f2"]]);
    expect(plan.edges).toContainEqual({ from: "d", to: "c", via: "needs" });
    expect(plan.edges).toContainEqual({ from: "d", to: "b", via: "reference" });
  });

  it("dependsOn of a finally step lists only finally steps (all of steps finish first)", () => {
    const p = load();
    expect(p.finally.map((s) => s.dependsOn)).toEqual([[], ["f1"]]);
    expect(upstreamOf(p, "d")).toEqual(new Set(["a", "b", "c"]));
  });

  it("draws mermaid and dot", () => {
    const p = load();
    expect(toMermaid(p)).toContain('gate{"gate<br/>confirm"}');
    expect(toMermaid(p)).toContain("c ==> d");
    expect(toDot(p)).toContain('"c" -> "d" [style=bold];');
  });
});

describe("findCycles", () => {
  it("returns each cycle whole, edge by edge, and nothing for a DAG", () => {
    const edges = [
      { from: "a", to: "b", via: "needs" as const },
      { from: "b", to: "c", via: "needs" as const },
      { from: "c", to: "a", via: "reference" as const },
      { from: "d", to: "d", via: "needs" as const },
      { from: "e", to: "a", via: "needs" as const },
    ];
    const cycles = findCycles(["a", "b", "c", "d", "e"], edges);
    expect(cycles.map((c) => c.map((e) => `${e.from}>${e.to}`))).toEqual([["a>b", "b>c", "c>a"], ["d>d"]]);
    expect(findCycles(["a", "b"], [{ from: "a", to: "b", via: "needs" }])).toEqual([]);
  });

  it("handles a long chain without overflowing the stack", () => {
    const n = 20_000;
    const ids = Array.from({ length: n }, (_, i) => `s${i}`);
    const edges = ids.slice(1).map((id, i) => ({ from: id, to: ids[i]!, via: "needs" as const }));
    expect(findCycles(ids, edges)).toEqual([]);
  });
});

describe("graph notes for computed task queues and endpoints", () => {
  it("shows the queues per item and the endpoint when known, else the expression", async () => {
    const { loadPipelineText } = await import("../../../../src/pipeline/load.js");
    const { computedCallNotes, knownScope } = await import("../../../../src/pipeline/before-run.js");
    const { evaluate } = await import("../../../../src/pipeline/expr/evaluate.js");
    const loaded = loadPipelineText(
      `nxrun: 1
name: g
inputs:
  regions: { type: array, default: [eu, us] }
  billing: { type: string }
steps:
  - id: deploy
    forEach: "{% $inputs.regions %}"
    activity: Deploy
    taskQueue: "{% 'q-' & $item %}"
  - id: bill
    nexus: { endpoint: "{% $inputs.billing %}", service: S, operation: o }
`,
      "/g.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const p = loaded.pipeline;
    const scope = testScope({ inputs: { regions: ["eu", "us"] }, run: { id: "g", name: "g", startedAt: "" } });
    const known = await knownScope(p, scope, async (v, s) => evaluate(v, s), { secretsKnown: false });
    const notes = await computedCallNotes(p, known, async (v, s) => evaluate(v, s));
    expect([...notes]).toEqual([
      ["deploy", ["on q-eu, q-us"]],
      ["bill", ["endpoint {% $inputs.billing %}"]],
    ]);
    expect(toMermaid(p, notes)).toContain('deploy["deploy<br/>activity Deploy<br/>on q-eu, q-us<br/>forEach"]');
    expect(toDot(p, notes)).toContain('label="bill\\nnexus S.o\\nendpoint {% $inputs.billing %}"');
  });
});
