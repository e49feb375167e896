import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { commandLineLocate, compileExpression } from "../../../../src/pipeline/expr/compile.js";
import { evaluate } from "../../../../src/pipeline/expr/evaluate.js";
import { testScope } from "../../../support/unit/scope.js";

async function run(source: string, inputs: Record<string, unknown> = {}): Promise<unknown> {
  const c = compileExpression(source, commandLineLocate());
  if (!c.ok) throw new Error(c.problem.message);
  return evaluate(c.value, testScope({ inputs }));
}

describe("regexes in expressions", () => {
  it("match in linear time: catastrophic backtracking patterns end at once", async () => {
    const text = `${"a".repeat(50_000)}!`;
    const started = performance.now();
    await expect(run("$contains($inputs.t, /^(a+)+$/)", { t: text })).resolves.toBe(false);
    await expect(run("$contains($inputs.t, /(a|aa)*b/)", { t: text })).resolves.toBe(false);
    await expect(run("$contains($inputs.t, /^(a+)+!$/)", { t: text })).resolves.toBe(true);
    // V8's engine would take longer than the age of the universe on the first; RE2 a few ms.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("give what JSONata gives with JavaScript's RegExp, for the patterns both can run", async () => {
    const patterns = ["a+", "(a|b)c", "^b", "c$", "[ab]{2}", "(?<n>b)a", "a.c", "\\w+\\s", "B", "é|😀"];
    const uses = [
      (p: string, f: string) => `$match($inputs.t, /${p}/${f})`,
      (p: string, f: string) => `$replace($inputs.t, /${p}/${f}, "<$0>")`,
      (p: string, f: string) => `$split($inputs.t, /${p}/${f})`,
      (p: string, f: string) => `$contains($inputs.t, /${p}/${f})`,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom("a", "b", "c", " ", "\n", "B", "é", "😀"), maxLength: 12 }),
        fc.constantFrom(...patterns),
        fc.constantFrom("", "i", "m"),
        fc.constantFrom(...uses),
        async (text, pattern, flags, use) => {
          // The one difference, documented: RE2's `.` is a whole character, JavaScript's half of an emoji.
          fc.pre(!(pattern.includes(".") && text.includes("😀")));
          const source = use(pattern, flags);
          const expected = await jsonata(source)
            .evaluate(undefined, { inputs: { t: text } })
            .then(
              (value) => ({ value: JSON.parse(JSON.stringify(value ?? null)) }),
              (error) => ({ error: (error as { code?: string }).code }),
            );
          const actual = await run(source, { t: text }).then(
            (value) => ({ value: value ?? null }),
            (error) => ({ error: (error as { jsonataCode?: string }).jsonataCode }),
          );
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("see a character outside the BMP as one character", async () => {
    await expect(run('$match("a😀c", /a.c/).match')).resolves.toBe("a😀c");
  });

  it("that RE2 cannot express are compile errors at the regex, naming what it lacks", () => {
    const cases: Array<[string, number, RegExp]> = [
      ['$contains("aa", /(a)\\1/)', 16, /backreference/],
      ['$match("ab", /a(?=b)/i)', 13, /lookahead/],
      ['"x" & $replace("ab", /(?<!a)b/, "c")', 21, /lookbehind/],
    ];
    for (const [source, offset, why] of cases) {
      const c = compileExpression(source, commandLineLocate());
      expect(c.ok).toBe(false);
      if (c.ok) continue;
      expect(c.problem.message).toMatch(/cannot run on nxrun's linear-time regex engine \(RE2\)/);
      expect(c.problem.message).toMatch(why);
      expect(c.problem.position.column).toBe(offset + 1);
    }
  });
});
