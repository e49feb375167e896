import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../../src/pipeline/expr/evaluate.js";
import { loadPipeline, loadPipelineText } from "../../../src/pipeline/load.js";
import { DEFAULT_SCHEDULE_TO_CLOSE_MS } from "../../../src/pipeline/model.js";
import { testScope } from "../../support/unit/scope.js";

const fixture = resolve(import.meta.dirname, "../../fixtures/valid/provision-tenant.yaml");

function load(text: string) {
  return loadPipelineText(text, "/virtual/p.yaml");
}

describe("loadPipeline", () => {
  it("loads the design's complete example with defaults merged and durations in ms", async () => {
    const result = await loadPipeline(fixture);
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics, null, 2));
    const { pipeline } = result;
    expect(pipeline.name).toBe("provision-tenant");
    expect(pipeline.timeout).toBe(30 * 60_000);
    const reserve = pipeline.steps.find((s) => s.id === "reserve")!;
    expect(reserve.call).toEqual({ kind: "activity", activityType: "ReserveCapacity", taskQueue: "infra" });
    expect(reserve.timeouts).toEqual({ scheduleToClose: 600_000, startToClose: 30_000 });
    expect(reserve.retry).toEqual({
      initialInterval: 1000,
      backoffCoefficient: 2,
      maximumAttempts: 5,
      nonRetryableErrorTypes: ["QuotaExceeded"],
    });
    expect(reserve.cancellation).toBe("waitCompleted");
    const createDb = pipeline.steps.find((s) => s.id === "createDb")!;
    expect(createDb.dependsOn).toEqual(["reserve"]);
    expect(createDb.cancellation).toBe("tryCancel");
    expect(createDb.compensate?.call).toEqual({
      kind: "nexus",
      endpoint: "databases",
      service: "DatabaseService",
      operation: "dropDatabase",
    });
    const notify = pipeline.steps.find((s) => s.id === "notify")!;
    expect(notify.dependsOn).toEqual(["createDb"]);
    expect(notify.toleratedFailures).toEqual({ count: 1 });
    expect(pipeline.finally[0]!.section).toBe("finally");
    expect(Object.isFrozen(pipeline.steps)).toBe(true);
  });

  it("uses the default scheduleToClose when an activity has no timeout anywhere", () => {
    const r = load("nxrun: 1\nname: p\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n");
    expect(r.ok && r.pipeline.steps[0]!.timeouts).toEqual({ scheduleToClose: DEFAULT_SCHEDULE_TO_CLOSE_MS });
  });

  it("places an expression's position on its first character", () => {
    const r = load(
      'nxrun: 1\nname: p\ninputs: { x: { type: string } }\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n    input: "{% $inputs.x %}"\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const input = r.pipeline.steps[0]!.input!;
    expect(input.kind).toBe("expression");
    if (input.kind === "expression") expect(input.position).toMatchObject({ line: 8, column: 16 });
  });

  it("reports a missing file as NX100", async () => {
    const r = await loadPipeline("/nonexistent/p.yaml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]!.code).toBe("NX100");
  });

  it("reports every problem, not only the first", () => {
    const r = load(
      "nxrun: 1\nname: p\nsteps:\n  - id: a\n    activity: A\n    taskQeue: q\n  - id: b\n    activty: B\n",
    );
    expect(r.ok).toBe(false);
    if (!r.ok)
      // `activty:` is one mistake: the unknown key with its did-you-mean, not also "neither activity nor ...".
      expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([
        ["NX110", 6],
        ["NX110", 8],
      ]);
  });
});

describe("evaluate", () => {
  it("evaluates mixed literal/expression values with the scope's names", async () => {
    const r = load(
      'nxrun: 1\nname: p\ninputs: { t: { type: string } }\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n  - id: b\n    activity: B\n    taskQueue: q\n    input: { name: "{% $inputs.t & \'-db\' %}", size: "{% $steps.a.output.size * 2 %}", fixed: 1, list: ["{% $index %}"] }\n    forEach: [1]\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const value = await evaluate(
      r.pipeline.steps[1]!.input!,
      testScope({ inputs: { t: "acme" }, steps: { a: { status: "completed", output: { size: 3 } } }, index: 0 }),
    );
    expect(value).toEqual({ name: "acme-db", size: 6, fixed: 1, list: [0] });
  });

  it("stops a runaway expression and names its place", async () => {
    const r = load(
      'nxrun: 1\nname: p\nvars:\n  loop: "{% ($f := function($n){ 1 + $f($n + 1) }; $f(0)) %}"\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    await expect(evaluate(r.pipeline.vars[0]!.value, testScope(), { maxDepth: 50 })).rejects.toThrow(
      /p\.yaml:4:\d+: expression nested deeper than 50 levels/,
    );
  });

  it("times out a slow expression", async () => {
    const r = load(
      'nxrun: 1\nname: p\nvars:\n  slow: "{% $count([1..900000].($ * 2)) %}"\nsteps:\n  - id: a\n    activity: A\n    taskQueue: q\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    await expect(evaluate(r.pipeline.vars[0]!.value, testScope(), { timeoutMs: 20 })).rejects.toThrow(
      /longer than 20 ms/,
    );
  });
});

describe("fields nxrun defines", () => {
  it("suggests the field meant, with the exact span of the typo", () => {
    const result = load(`nxrun: 1
name: p
steps:
  - id: a
    activity: A
    taskQueue: q
finally:
  - id: b
    activity: B
    taskQueue: q
    input: { out: "{% $steps.a.outptu %}", why: "{% $steps.a.error.typ %}", run: "{% $run.nmae %}" }
`);
    if (result.ok) throw new Error("expected errors");
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column, d.endColumn, d.message, d.hint])).toEqual([
      [
        "NX160",
        11,
        32,
        38,
        '$steps.a has no field "outptu" (in input of finally step "b")',
        'did you mean "$steps.a.output"?',
      ],
      [
        "NX160",
        11,
        68,
        71,
        '$steps.a.error has no field "typ" (in input of finally step "b")',
        'did you mean "$steps.a.error.type"?',
      ],
      ["NX160", 11, 91, 95, '$run has no field "nmae" (in input of finally step "b")', 'did you mean "$run.name"?'],
    ]);
  });

  it("lists the fields when no one is close", () => {
    const result = load(`nxrun: 1
name: p
steps:
  - id: a
    activity: A
    taskQueue: q
outputs:
  x: "{% $steps.a.result %}"
`);
    if (result.ok) throw new Error("expected errors");
    expect(result.diagnostics[0]?.hint).toBe(
      "$steps.a has output, status, error, executionId, runId, startedAt, closedAt; what the execution returned is under output",
    );
  });
});

describe("nesting and values that contain themselves", () => {
  const head = "nxrun: 1\nname: deep\nsteps:\n  - id: s\n    activity: Echo\n    taskQueue: q\n    input: ";

  it("says 'nested deeper than 200 levels' at the place, for flow, block and expression nesting", () => {
    const cases: Array<[string, RegExp, number]> = [
      [`${head}${"[".repeat(20_000)}${"]".repeat(20_000)}\n`, /the file is nested deeper than 200 levels/, 7],
      [
        `${head}\n${Array.from({ length: 3_000 }, (_, i) => `${" ".repeat(6 + i)}a:`).join("\n")} 1\n`,
        /nested deeper than 200/,
        0,
      ],
      [
        `${head}"{% ${"(".repeat(20_000)}1${")".repeat(20_000)} %}"\n`,
        /the expression is nested deeper than 200 levels/,
        7,
      ],
    ];
    for (const [text, message, line] of cases) {
      const result = load(text);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.diagnostics).toHaveLength(1);
      expect(result.diagnostics[0]?.message).toMatch(message);
      if (line > 0) expect(result.diagnostics[0]?.line).toBe(line);
      expect(result.diagnostics[0]?.message).not.toMatch(/call stack/);
    }
  });

  it("refuses a value holding an alias of its own anchor, at the alias; a shared anchor is fine", () => {
    const cyclic = load(`${head}&x\n      a: *x\n`);
    expect(cyclic.ok).toBe(false);
    if (!cyclic.ok) {
      expect(cyclic.diagnostics.map((d) => [d.code, d.line])).toEqual([["NX104", 8]]);
      expect(cyclic.diagnostics[0]?.message).toMatch(/contains itself/);
    }
    expect(load(`${head}{a: &x {b: 1}, c: *x, d: *x}\n`).ok).toBe(true);
  });
});
