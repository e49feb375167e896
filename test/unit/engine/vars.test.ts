/** Vars once per run: which are kept for a resume (none that reads a secret), and how a resume restores them. */
import { describe, expect, it } from "vitest";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import { secretVars } from "../../../src/engine/vars.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { FakeTemporal } from "../../support/unit/fake-temporal.js";
import { activity, expr, fakeEvaluate, pipeline } from "../../support/unit/pipeline-builder.js";

function loaded(vars: string): Pipeline {
  const r = loadPipelineText(
    `nxrun: 1
name: p
secrets:
  token: { env: TOKEN }
vars:
${vars}
steps:
  - id: a
    activity: A
    taskQueue: q
`,
    "/v/p.yaml",
  );
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.pipeline;
}

describe("secretVars", () => {
  it("names each var that reads a secret, directly, through a var above it, or through $vars as a whole", () => {
    const p = loaded(`  plain: "{% $now() %}"
  direct: "{% $secrets.token %}"
  whole: "{% $keys($secrets) %}"
  through: "{% $vars.direct & '-x' %}"
  clean: "{% $vars.plain & '-y' %}"
  all: "{% $vars %}"
  nested: { url: "{% 'https://' & $vars.through %}", fixed: 1 }`);
    expect([...secretVars(p)].sort()).toEqual(["all", "direct", "nested", "through", "whole"]);
  });

  it("names none when no var reads a secret, $vars as a whole included", () => {
    const p = loaded(`  a: "{% $now() %}"
  b: "{% $vars %}"`);
    expect(secretVars(p).size).toBe(0);
  });
});

describe("vars across sessions", () => {
  it("a first session computes and keeps them before any step; a resume restores them, except the secret ones", async () => {
    let clock = 0;
    const p = pipeline([activity("a", "echo", { input: expr((s) => s.vars) })], {
      secrets: { token: { env: "TOKEN", position: { file: "/test/pipeline.yaml", line: 1, column: 1 } } },
      vars: [
        { name: "stamp", value: expr(() => `t${++clock}`) },
        { name: "auth", value: expr((s) => `${s.secrets.token}-${s.vars.stamp}`) },
      ],
    });
    // The builder's expressions name no references: mark auth as reading the secret by its source.
    (p.vars[1]!.value as { source: string }).source = "$secrets.token & $vars.stamp";
    const kept: Array<Readonly<Record<string, unknown>>> = [];
    const client = new FakeTemporal({ echo: async (input) => input });
    const first = await runPipeline(p, {
      client,
      inputs: {},
      secrets: { token: "s3cr3t" },
      evaluate: fakeEvaluate,
      runId: "r",
      keepVars: async (vars) => {
        expect(client.all).toHaveLength(0);
        kept.push(vars);
      },
    });
    expect(first.steps[0]?.output).toEqual({ stamp: "t1", auth: "s3cr3t-t1" });
    expect(kept).toEqual([{ stamp: "t1" }]);

    const resumed = await runPipeline(p, {
      client,
      inputs: {},
      secrets: { token: "s3cr3t" },
      evaluate: fakeEvaluate,
      runId: "r2",
      resume: true,
      vars: kept[0],
      keepVars: async (vars) => {
        kept.push(vars);
      },
    });
    // The restored stamp, and auth computed again from it; nothing new to keep.
    expect(resumed.steps[0]?.output).toEqual({ stamp: "t1", auth: "s3cr3t-t1" });
    expect(kept).toHaveLength(1);
  });

  it("a var that cannot be kept fails the run before any step starts", async () => {
    const client = new FakeTemporal({ echo: async (input) => input });
    const p = pipeline([activity("a", "echo")], { vars: [{ name: "x", value: expr(() => 1) }] });
    const record = await runPipeline(p, {
      client,
      inputs: {},
      evaluate: fakeEvaluate,
      runId: "r",
      keepVars: () => Promise.reject(new Error("server said no")),
    });
    expect(record.status).toBe("failed");
    expect(record.error?.message).toBe("vars: server said no");
    expect(client.all).toHaveLength(0);
  });
});
