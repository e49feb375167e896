// The one registry of diagnostic codes: each code once, each documented where users look it up.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Codes } from "../../../src/pipeline/diagnostic-codes.js";

const doc = (name: string) => readFileSync(resolve(import.meta.dirname, "../../../docs", name), "utf8");

describe("diagnostic codes", () => {
  const codes = Object.values(Codes);

  it("gives every kind of mistake its own code, NX1xx, NX3xx or NX4xx", () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^NX[134]\d\d$/);
  });

  it("documents every language code in docs/language.md, every preflight code in docs/connecting.md, every test-file code in docs/testing.md", () => {
    const docs: Record<string, string> = { NX1: doc("language.md"), NX3: doc("connecting.md"), NX4: doc("testing.md") };
    const undocumented = codes.filter((code) => !(docs[code.slice(0, 3)] ?? "").includes(code));
    expect(undocumented).toEqual([]);
  });
});
