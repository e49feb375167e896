/**
 * Validators of input schemas kept between runs (src/pipeline/input-schemas.ts): a later process loads
 * the kept validator instead of ajv, with the same answers; a damaged file is compiled and written again.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../../../dist/src/pipeline/input-schemas.js", import.meta.url));

/** A fresh process compiles `schema`, validates `value`, and says whether it loaded ajv's compiler. */
function inChild(env: NodeJS.ProcessEnv, schema: unknown, value: unknown) {
  const script = `
    import { createRequire } from "node:module";
    const { compileInputSchema } = await import(${JSON.stringify(MODULE)});
    const compiled = compileInputSchema(${JSON.stringify(schema)});
    const valid = compiled.ok ? compiled.validate(${JSON.stringify(value)}) : undefined;
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes("/ajv/dist/2020.js"));
    console.log(JSON.stringify({ ok: compiled.ok, message: compiled.message, valid, errors: compiled.validate?.errors ?? null, loaded }));
  `;
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  expect(out.stderr).toBe("");
  return JSON.parse(out.stdout) as { ok: boolean; message?: string; valid?: boolean; errors: unknown; loaded: boolean };
}

const SCHEMA = {
  type: "object",
  properties: {
    when: { type: "string", format: "date" },
    n: { type: "integer", minimum: 1 },
    env: { enum: ["a", "b"] },
  },
  required: ["n"],
};
const BAD = { when: "2026-13-40", n: 0, env: "c" };

describe("input schema validators kept between runs", () => {
  it("the first process compiles and keeps it; the next loads it without ajv and answers the same", () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-schema-cache-"));
    const first = inChild({ NXRUN_CACHE_DIR: dir }, SCHEMA, BAD);
    expect(first).toMatchObject({ ok: true, valid: false, loaded: true });
    expect(readdirSync(dir).filter((f) => f.startsWith("input-schema-"))).toHaveLength(1);
    const second = inChild({ NXRUN_CACHE_DIR: dir }, SCHEMA, BAD);
    expect(second).toMatchObject({ ok: true, valid: false, loaded: false });
    expect(second.errors).toEqual(first.errors);
    expect((second.errors as { keyword: string }[]).map((e) => e.keyword)).toEqual(["format", "minimum", "enum"]);
    expect(inChild({ NXRUN_CACHE_DIR: dir }, SCHEMA, { n: 3, env: "a", when: "2026-12-02" })).toMatchObject({
      valid: true,
      loaded: false,
    });
  });

  it("a damaged file is compiled again and replaced", () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-schema-cache-"));
    inChild({ NXRUN_CACHE_DIR: dir }, SCHEMA, BAD);
    const [name] = readdirSync(dir).filter((f) => f.startsWith("input-schema-"));
    const file = join(dir, name as string);
    const good = readFileSync(file, "utf8");
    writeFileSync(file, "module.exports = {");
    expect(inChild({ NXRUN_CACHE_DIR: dir }, SCHEMA, BAD)).toMatchObject({ ok: true, valid: false, loaded: true });
    expect(readFileSync(file, "utf8")).toBe(good);
  });

  it("an invalid schema is reported and never kept; NXRUN_CODE_CACHE=off keeps nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "nxrun-schema-cache-"));
    const invalid = inChild({ NXRUN_CACHE_DIR: dir }, { type: "integr" }, 1);
    expect(invalid.ok).toBe(false);
    expect(invalid.message).toMatch(/schema\/type must be equal to one of the allowed values/);
    expect(readdirSync(dir)).toEqual([]);
    expect(inChild({ NXRUN_CACHE_DIR: dir, NXRUN_CODE_CACHE: "off" }, SCHEMA, BAD)).toMatchObject({ valid: false });
    expect(readdirSync(dir)).toEqual([]);
  });
});
