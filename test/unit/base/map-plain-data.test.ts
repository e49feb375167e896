/** The one plain-data walk behind secret masking and the terminal sanitizer (src/base/map-plain-data.ts). */
import { describe, expect, it } from "vitest";
import { mapPlainData } from "../../../src/base/map-plain-data.js";
import { sanitizeTerminalData } from "../../../src/base/terminal-text.js";
import { redact } from "../../../src/report/redact.js";

const upper = { string: (text: string) => text.toUpperCase() };

describe("mapPlainData", () => {
  it("maps every string, keys included, and keeps numbers, booleans and null", () => {
    expect(mapPlainData({ a: ["x", 1, true, null], b: { c: "y" } }, upper)).toEqual({
      A: ["X", 1, true, null],
      B: { C: "Y" },
    });
  });

  it("copies a cycle and a shared part once, keeping their shape", () => {
    const shared = { s: "v" };
    const value: Record<string, unknown> = { one: shared, two: shared };
    value.self = value;
    const copy = mapPlainData(value, upper) as Record<string, Record<string, unknown>>;
    expect(copy.ONE).toBe(copy.TWO);
    expect(copy.SELF).toBe(copy);
    expect(copy.ONE).toEqual({ S: "V" });
  });

  it("keeps what is not plain data, and errors unless told how to copy them", () => {
    class Thing {
      name = "kept";
    }
    const thing = new Thing();
    const error = new Error("e");
    const copy = mapPlainData({ thing, error }, upper) as Record<string, unknown>;
    expect(copy.THING).toBe(thing);
    expect(copy.ERROR).toBe(error);
  });

  it("copies an error's cause chain through the walk, a cycle in it included", () => {
    const inner = new Error("inner");
    const outer = new Error("outer", { cause: inner });
    inner.cause = outer;
    const copy = mapPlainData(outer, { ...upper, error: (e) => new Error(e.message.toUpperCase()) }) as Error;
    expect(copy.message).toBe("OUTER");
    expect((copy.cause as Error).message).toBe("INNER");
    expect((copy.cause as Error).cause).toBe(copy);
  });
});

describe("its two users", () => {
  it("redact masks numbers holding a secret and errors with their stacks; sanitizeTerminalData only strings", () => {
    const error = new Error("token 12345678 refused");
    const masked = redact({ n: 12345678, error }, ["12345678"]) as { n: unknown; error: Error };
    expect(masked.n).toBe("***");
    expect(masked.error.message).toBe("token *** refused");
    expect(masked.error.stack).not.toContain("12345678");
    const safe = sanitizeTerminalData({ "k\u001b": ["a\u0007"], n: 1, error }) as Record<string, unknown>;
    expect(safe).toEqual({ "k\\u001b": ["a\\u0007"], n: 1, error });
    expect(safe.error).toBe(error);
  });
});
