import { describe, expect, it } from "vitest";
import { declaredSecrets } from "../../../src/runs/declared-secrets.js";
import type { RunManifest } from "../../../src/runs/manifest/manifest.js";

const manifest = (fields: Partial<RunManifest>) => ({ secrets: [], ...fields }) as unknown as RunManifest;

describe("declaredSecrets (what status and watch mask)", () => {
  it("gives the values set here, and no warning when all are", () => {
    const found = declaredSecrets(manifest({ secrets: ["a", "b"], secretEnv: ["A", "B"] }), { A: "aaaa", B: "bbbb" });
    expect(found).toEqual({ values: ["aaaa", "bbbb"] });
  });

  it("names each variable not set here (or too short to be the run's), once", () => {
    const found = declaredSecrets(manifest({ secrets: ["a", "b"], secretEnv: ["A", "B"] }), { A: "aaaa", B: "bb" });
    expect(found.values).toEqual(["aaaa"]);
    expect(found.warning).toBe(
      "$B is not set here: worker text below may hold secrets unmasked (set it as the run did to mask them)",
    );
  });

  it("warns when the manifest cannot say where the secrets come from, or cannot be read, and not for a run without secrets", () => {
    expect(declaredSecrets(manifest({ secrets: ["token"] }), {}).warning).toMatch(
      /does not say where its secrets \(token\) are read from: worker text below may hold secrets unmasked/,
    );
    expect(declaredSecrets(undefined, {}).warning).toMatch(/manifest cannot be read/);
    expect(declaredSecrets(manifest({ secrets: [] }), {})).toEqual({ values: [] });
    expect(declaredSecrets(manifest({ secrets: [], secretEnv: [] }), {})).toEqual({ values: [] });
  });
});
