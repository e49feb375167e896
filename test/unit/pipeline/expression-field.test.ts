import { describe, expect, it } from "vitest";
import { ExpressionError, evalHint } from "../../../src/pipeline/expr/expression-error.js";
import { fieldOf, placedInStep } from "../../../src/pipeline/expression-field.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";

const loaded = loadPipelineText(
  `nxrun: 1
name: hint
inputs:
  url: { type: string }
  settle: { type: string }
steps:
  - id: waitHealthy
    activity: check
    taskQueue: q
    input: { url: "{% $inputs.url %}" }
    repeat:
      until: "{% $output.healthy = 'yes' %}"
      every: 1s
      limit: 3
    compensate:
      activity: undo
      taskQueue: q
      input: "{% $steps.waitHealthy.output %}"
  - id: settle
    wait: "{% $inputs.settle %}"
`,
  `${process.cwd()}/deploy.yaml`,
);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
const [waitHealthy, settle] = loaded.pipeline.steps;

describe("the eval command in an expression's hint", () => {
  it("names the field an expression is written in", () => {
    expect(fieldOf(waitHealthy!, "$output.healthy = 'yes'")).toBe("repeat.until");
    expect(fieldOf(waitHealthy!, "$inputs.url")).toBe("input");
    expect(fieldOf(waitHealthy!, "$steps.waitHealthy.output")).toBe("compensate");
    expect(fieldOf(settle!, "$inputs.settle")).toBe("wait");
    expect(fieldOf(settle!, "$nothing")).toBeUndefined();
  });

  it("carries the real expression (quoted for a shell), file, step and field", () => {
    const error = new ExpressionError(
      "expression failed: x",
      { file: `${process.cwd()}/deploy.yaml`, line: 9, column: 17 },
      "$output.healthy = 'yes'",
    );
    expect(error.hint).toBe(
      "check the expression; try it with `nxrun eval '$output.healthy = '\\''yes'\\''' --pipeline deploy.yaml`",
    );
    const placed = placedInStep(error, waitHealthy!) as ExpressionError;
    expect(placed.hint).toBe(
      "check the expression; try it with `nxrun eval '$output.healthy = '\\''yes'\\''' --pipeline deploy.yaml --step waitHealthy --in repeat.until`",
    );
    expect(placed.message).toBe(error.message);
  });

  it("keeps a hint that says something else, and has no command for an expression typed on the command line", () => {
    const specific = new ExpressionError("too slow", { file: "/x/p.yaml", line: 1, column: 1 }, "$a", {
      hint: "be quick",
    });
    expect(specific.inStep("a", "input").hint).toBe("be quick");
    expect(evalHint("$a", "<expression>")).toBe("check the expression");
    expect(evalHint("$a +\n  $b", "/elsewhere/p.yaml", "s")).toBe(
      "check the expression; try it with `nxrun eval '$a + $b' --pipeline /elsewhere/p.yaml --step s`",
    );
  });
});
