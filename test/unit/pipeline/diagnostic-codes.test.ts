// The one registry of diagnostic codes: each code once, each documented where users look it up.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Codes } from "../../../src/pipeline/diagnostic-codes.js";

const doc = (name: string) => readFileSync(resolve(import.meta.dirname, "../../../docs", name), "utf8");

describe("diagnostic codes", () => {
  const codes = Object.values(Codes);

  it("gives every kind of mistake its own code, NX1xx or NX3xx", () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^NX[13]\d\d$/);
  });

  it("documents every language code in docs/language.md and every preflight code in docs/connecting.md", () => {
    const language = doc("language.md");
    const connecting = doc("connecting.md");
    const undocumented = codes.filter((code) => !(code.startsWith("NX1") ? language : connecting).includes(code));
    expect(undocumented).toEqual([]);
  });
});
