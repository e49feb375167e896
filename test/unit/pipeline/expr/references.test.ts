import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { commandLineLocate, compileExpression } from "../../../../src/pipeline/expr/compile.js";
import { evaluate } from "../../../../src/pipeline/expr/evaluate.js";
import { ExpressionError } from "../../../../src/pipeline/expr/expression-error.js";
import { extractReferenceSites } from "../../../../src/pipeline/expr/references.js";
import { parseTemplate } from "../../../../src/pipeline/expr/template.js";
import { testScope } from "../../../support/unit/scope.js";

const sites = (source: string) =>
  extractReferenceSites(jsonata(source).ast()).map((s) => `${s.kind}:${s.name ?? ""}@${s.offset}`);

describe("parseTemplate", () => {
  it("recognises a whole-value expression and where it starts", () => {
    expect(parseTemplate("{% $x %}")).toEqual({ source: "$x", offset: 3 });
    expect(parseTemplate("  {%\n  $x\n%} ")).toEqual({ source: "$x", offset: 7 });
    expect(parseTemplate("a {% $x %}")).toBeUndefined();
    expect(parseTemplate("{% $x %} b")).toBeUndefined();
  });
});

describe("extractReferenceSites", () => {
  it("finds names with the offset of the member", () => {
    expect(sites("$inputs.tenant & $vars.db & $secrets.t & $steps.reserve.output.size")).toEqual([
      "inputs:tenant@8",
      "vars:db@23",
      "secrets:t@37",
      "steps:reserve@48",
    ]);
  });

  it("finds $item, $index and $run.status, and ignores names bound in the expression", () => {
    expect(sites("$item & $index & $run.status & $run.id")).toEqual(["item:@0", "index:@8", "runStatus:@17"]);
    expect(sites("($item := 1; $f := function($index){ $index }; $f($item))")).toEqual([]);
  });

  it("reports fields nxrun does not define on $steps.<id>, $steps.<id>.error and $run, at the field", () => {
    expect(sites("$steps.a.outptu & $steps.a.error.mesage & $run.stauts")).toEqual([
      "steps:a@7",
      "unknownField:outptu@9",
      "steps:a@25",
      "unknownField:mesage@33",
      "unknownField:stauts@47",
    ]);
    const [field] = extractReferenceSites(jsonata("$steps.a.error.mesage").ast()).filter(
      (s) => s.kind === "unknownField",
    );
    expect(field?.owner).toEqual({ kind: "stepError", written: "$steps.a.error" });
  });

  it("leaves every defined field alone, and whatever is under output", () => {
    const defined =
      "$steps.a.output.outptu & $steps.a.status & $steps.a.executionId & $steps.a.runId & $steps.a.startedAt & " +
      "$steps.a.closedAt & $steps.a.error.message & $steps.a.error.type & $steps.a.error.nonRetryable & " +
      "$steps.a.error.cause.anything & $run.id & $run.name & $run.startedAt";
    expect(sites(defined).filter((s) => s.startsWith("unknownField"))).toEqual([]);
    // A filtered or computed step is not checked: nxrun cannot know which view it is.
    expect(sites('$steps["a"].outptu & $steps.*.outptu').filter((s) => s.startsWith("unknownField"))).toEqual([]);
  });

  it("reports unknown variables and functions but not JSONata built-ins", () => {
    expect(sites("$lenght($input) & $count([1]) & $string")).toEqual([
      "unknownFunction:lenght@0",
      "unknownVariable:input@8",
    ]);
  });
});

describe("evaluate errors", () => {
  it("name the place in the expression", async () => {
    const c = compileExpression("$number('x') + 1", commandLineLocate());
    if (!c.ok) throw new Error(c.problem.message);
    const error = await evaluate(c.value, testScope()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).message).toMatch(/^<expression>:1:\d+: expression failed: /);
    expect((error as ExpressionError).exitCode).toBe(2);
  });

  it("return plain JSON, not JSONata sequences", async () => {
    const c = compileExpression("[1,2,3].($ * 2)", commandLineLocate());
    if (!c.ok) throw new Error(c.problem.message);
    const result = await evaluate(c.value, testScope());
    expect(result).toEqual([2, 4, 6]);
    expect(Object.keys(result as object)).toEqual(["0", "1", "2"]);
  });
});
