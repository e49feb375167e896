/**
 * `nxrun eval -i` without --pipeline holds its values to the same shape rules as a run's inputs: a
 * value nested deeper than any payload may be is one error naming the input, not a stack overflow
 * of whatever expression reads it, nor megabytes printed.
 */
import { describe, expect, it } from "vitest";
import { nxrunInProcess } from "../../support/unit/nxrun-in-process.js";

const deep = `x=${"[".repeat(20_000)}${"]".repeat(20_000)}`;

describe("nxrun eval -i with a value 20,000 levels deep", () => {
  it.each(["$string($inputs.x)", "$inputs.x"])("%s: exit 2, the input named, nothing printed", async (expression) => {
    const result = await nxrunInProcess(["eval", expression, "-i", deep]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/input x\.0\.0\.0\.0\.… \(from -i\) is nested deeper than 200 levels/);
    expect(result.stderr).not.toContain("call stack");
  });
});
