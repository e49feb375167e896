/** `run --dry-run -o json`: the plan as one JSON document, secrets masked as in the plain plan. */
import { describe, expect, it } from "vitest";
import { runNxrun, writePipeline } from "../../support/e2e/harness.js";
import { output } from "../../support/e2e/run-helpers.js";

const SECRET = 'dry"run\\secret';

const file = () =>
  writePipeline(`
nxrun: 1
name: dry-json
inputs:
  who: { type: string, default: Ada }
secrets:
  token: { env: NX_DRY_TOKEN }
defaults: { taskQueue: q }
steps:
  - id: greet
    activity: greet
    input: { name: "{% $inputs.who %}", auth: "{% $secrets.token %}" }
  - id: after
    needs: [greet]
    activity: echo
`);

describe("nxrun run --dry-run -o json", () => {
  it("prints the plan as JSON, with the resolved inputs and execution IDs, the secret masked", async () => {
    const result = await runNxrun(["run", file(), "--dry-run", "-o", "json", "--run-id", "dry-1"], {
      env: { NX_DRY_TOKEN: SECRET },
    });
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).not.toContain('dry\\"run');
    expect(result.stdout).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    const plan = JSON.parse(result.stdout);
    expect(plan).toMatchObject({ runId: "dry-1", pipeline: "dry-json", inputs: { who: "Ada" } });
    expect(plan.steps.map((s: { id: string; executionId: string }) => [s.id, s.executionId])).toEqual([
      ["greet", "dry-1.greet"],
      ["after", "dry-1.after"],
    ]);
    expect(plan.steps[0].input).toEqual({ name: "Ada", auth: "***" });
    expect(plan.steps[1].dependsOn).toEqual(["greet"]);

    const plain = await runNxrun(["run", file(), "--dry-run", "-o", "plain"], { env: { NX_DRY_TOKEN: SECRET } });
    expect(plain.code, output(plain)).toBe(0);
    expect(plain.stdout).toMatch(/^dry run of dry-json/);
    expect(plain.stdout).not.toContain(JSON.stringify(SECRET).slice(1, -1));
  });
});
