import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveInputs } from "../../../../src/pipeline/inputs/resolve.js";
import { loadPipelineText } from "../../../../src/pipeline/load.js";
import type { Pipeline } from "../../../../src/pipeline/model.js";

function pipeline(): Pipeline {
  const r = loadPipelineText(
    `nxrun: 1
name: p
inputs:
  tenant: { type: string, pattern: '^[a-z]+$', description: the tenant }
  regions: { type: array, items: { type: string }, default: [eu] }
  count: { type: integer, minimum: 1, default: 1 }
  version: { type: string, default: "1.0" }
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

const dir = mkdtempSync(join(tmpdir(), "nxrun-inputs-"));

describe("resolveInputs", () => {
  it("parses -i values as JSON when they are JSON, else strings, and fills defaults", async () => {
    const r = await resolveInputs(pipeline(), { pairs: ["tenant=acme", 'regions=["us","eu"]', "count=3"] });
    // `given` names what the user gave (a resume compares those with the run's), not the defaults.
    expect(r).toEqual({
      ok: true,
      values: { tenant: "acme", regions: ["us", "eu"], count: 3, version: "1.0" },
      given: ["tenant", "regions", "count"],
      missing: [],
    });
  });

  it("with allowMissing lists the required inputs that have no value instead of refusing them (a resume's manifest has them)", async () => {
    const r = await resolveInputs(pipeline(), { pairs: ["count=2"], allowMissing: true });
    expect(r).toEqual({
      ok: true,
      values: { regions: ["eu"], count: 2, version: "1.0" },
      given: ["count"],
      missing: ["tenant"],
    });
    const strict = await resolveInputs(pipeline(), { pairs: ["count=2"] });
    expect(strict.ok).toBe(false);
  });

  it("keeps a JSON-looking -i value as text when the input is a string", async () => {
    const r = await resolveInputs(pipeline(), { pairs: ["tenant=acme", "version=1.20"] });
    expect(r.ok && r.values.version).toBe("1.20");
  });

  it("reads an inputs file (YAML or JSON), with -i taking precedence", async () => {
    const file = join(dir, "in.yaml");
    writeFileSync(file, "tenant: fromfile\ncount: 5\n");
    const r = await resolveInputs(pipeline(), { file, pairs: ["count=7"] });
    expect(r.ok && r.values).toMatchObject({ tenant: "fromfile", count: 7 });
  });

  it("reports a missing required input, an unknown one with did-you-mean, and a value failing its schema", async () => {
    const r = await resolveInputs(pipeline(), { pairs: ["regoins=[]", "count=0"] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(["NX150", "NX151", "NX152"]);
    expect(r.diagnostics.find((d) => d.code === "NX150")!.hint).toBe('did you mean "regions"?');
    expect(r.diagnostics.find((d) => d.code === "NX151")!.message).toBe('input "tenant" is required (the tenant)');
    expect(r.diagnostics.find((d) => d.code === "NX152")!.message).toContain('input "count" must be >= 1');
  });

  it("reports an unreadable or malformed inputs file", async () => {
    const missing = await resolveInputs(pipeline(), { file: join(dir, "nope.json"), pairs: ["tenant=a"] });
    expect(!missing.ok && missing.diagnostics[0]!.code).toBe("NX153");
    const list = join(dir, "list.json");
    writeFileSync(list, "[1,2]");
    const bad = await resolveInputs(pipeline(), { file: list, pairs: ["tenant=a"] });
    expect(!bad.ok && bad.diagnostics[0]!.message).toContain("must hold a mapping");
  });

  it.each([
    ["nested 20,000 levels in flow style", `tenant: acme\nregions: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`, 2],
    [
      "nested 300 levels in block style",
      `count:\n${Array.from({ length: 300 }, (_, i) => `${"  ".repeat(i + 1)}k:\n`).join("")}`,
      201,
    ],
    ["not JSON or YAML", "tenant: [acme\n", 0],
  ])("an inputs file %s: one error, at its line when there is one, no input called missing", async (_, text, line) => {
    const file = join(dir, `bad-${line}.yaml`);
    writeFileSync(file, text);
    const r = await resolveInputs(pipeline(), { file });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => d.code)).toEqual(["NX153"]);
    if (line > 0) expect(r.diagnostics[0]).toMatchObject({ file, line, column: expect.any(Number) });
  });

  it("rejects a malformed -i pair", async () => {
    const r = await resolveInputs(pipeline(), { pairs: ["tenant"] });
    expect(!r.ok && r.diagnostics.some((d) => d.message === "-i tenant: expected key=value")).toBe(true);
  });
});

describe("inputs that no payload can hold", () => {
  it("a self-referencing YAML anchor or 20,000 levels of nesting: one error each, no stack", async () => {
    const circular = join(dir, "circular.yaml");
    writeFileSync(circular, "tenant: acme\nregions: &x\n  - *x\n");
    const r = await resolveInputs(pipeline(), { file: circular });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
        ["NX153", expect.stringMatching(/^input regions\.0 \(from .*circular\.yaml\) contains itself/)],
      ]);
    }
    const deep = await resolveInputs(pipeline(), {
      pairs: ["tenant=acme", `regions=${"[".repeat(20_000)}${"]".repeat(20_000)}`],
    });
    expect(deep.ok).toBe(false);
    if (!deep.ok)
      expect(deep.diagnostics[0]?.message).toMatch(
        /^input regions\.0\.0.* \(from -i\) is nested deeper than 200 levels$/,
      );
  });
});
