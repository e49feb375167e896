/**
 * Hostile and careless input through the built CLI, each call a child process as a user runs it:
 * random strings, terminal escapes, huge values and hostile YAML through `check`, `eval` and
 * `run --dry-run`. Whatever comes in, nxrun answers with exit 0 or 2, no stack and no "internal
 * error", within a bounded time, and prints no raw control character (but \n, \t and SGR colours)
 * on stdout or stderr. The seed is fixed (NXRUN_FUZZ_SEED overrides it) and printed on failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type NxrunResult, runNxrun, writePipeline } from "../../support/e2e/harness.js";
import { output } from "../../support/e2e/run-helpers.js";

const SEED = Number(process.env.NXRUN_FUZZ_SEED ?? 20261207);
/** Longest one call may take: far above a normal call, far below a hang. */
const CALL_MS = 20_000;

/** Sequences a terminal obeys, and text that breaks parsers, encoders and layouts. */
const HOSTILE = [
  "\u001b[2J",
  "\u001b]52;c;aGk=\u0007",
  "\u001b]8;;http://x\u001b\\y\u001b]8;;\u001b\\",
  "\u009b31m",
  "\u007f",
  "\r",
  "\u0000",
  "\u202e",
  "\u2066",
  "\u2028",
  "\ufeff",
  "{%",
  "%}",
  "{% $x %}",
  "{% /(a+)+$/ %}",
  "{% [1..10000000] %}",
  '"',
  "\\",
  "'",
  "&a [*a]",
  "*a",
  "!!binary AAAA",
  "!!js/function 'x'",
  "<<: *a",
  "$" + "{{ secrets.x }}",
  "../../../../etc/passwd",
  "\t",
  "#",
  ": ",
  "- ",
];

const piece = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: 1, max: 300_000 }).map((n) => "x".repeat(n)),
  fc.integer({ min: 1, max: 3_000 }).map((n) => "[".repeat(n)),
);
const text = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(""));
/**
 * argv cannot carry NUL (spawn refuses it, a shell never passes one), nor one argument over 128 KiB
 * (Linux's MAX_ARG_STRLEN; 30,000 characters stay under it at 4 bytes each).
 */
const arg = text.map((t) => t.replaceAll("\u0000", "").slice(0, 30_000));

/** Only the pieces a terminal obeys, between letters (no NUL: it goes into argv). */
const hostileText = fc
  .array(fc.constantFrom(...HOSTILE.filter((h) => h !== "\u0000")), { minLength: 1, maxLength: 4 })
  .map((parts) => `a${parts.join("b")}c`);

/** A pipeline with pieces put in raw (they may break the YAML) or as JSON strings (they may not). */
const pipeline = fc
  .record({ name: text, id: text, activity: text, input: text, raw: fc.boolean(), anchors: fc.boolean() })
  .map(({ name, id, activity, input, raw, anchors }) => {
    const put = (t: string) => (raw ? t : JSON.stringify(t));
    const bomb = anchors
      ? "x-a: &a [1, 2, 3]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
      : "";
    return `nxrun: 1\nname: ${put(name)}\n${bomb}inputs:\n  who: { type: string }\nsteps:\n  - id: ${put(id)}\n    activity: ${put(activity)}\n    taskQueue: q\n    input: { v: ${put(input)}, who: "{% $inputs.who %}" }\n`;
  });

/** The allowed colours: SGR sequences nxrun itself writes (NO_COLOR is set, but stay exact). */
const SGR = /\u001b\[[0-9;]*m/g;
const RAW_CONTROL = /(?![\n\t])\p{Cc}/u;

function expectWellBehaved(result: NxrunResult, ms: number): void {
  const all = `${result.stdout}\n${result.stderr}`;
  expect([0, 2], output(result)).toContain(result.code);
  expect(all).not.toMatch(/^ {4}at /m);
  expect(all).not.toMatch(/internal error/i);
  expect(ms).toBeLessThan(CALL_MS);
  for (const [stream, written] of [
    ["stdout", result.stdout],
    ["stderr", result.stderr],
  ] as const) {
    const found = written.replace(SGR, "").match(RAW_CONTROL);
    expect(found, `a raw U+${found?.[0]?.codePointAt(0)?.toString(16)} on ${stream}\n${output(result)}`).toBeNull();
  }
}

async function timed(args: string[]): Promise<{ result: NxrunResult; ms: number }> {
  const begin = Date.now();
  const result = await runNxrun(args, { timeoutMs: CALL_MS });
  return { result, ms: Date.now() - begin };
}

/** One property, a few runs, no shrinking (each step is a process): the seed and the case say it all. */
async function fuzz<T>(arbitrary: fc.Arbitrary<T>, runs: number, call: (value: T) => Promise<void>): Promise<void> {
  await fc.assert(fc.asyncProperty(arbitrary, call), { seed: SEED, numRuns: runs, endOnFailure: true });
}

describe(`fuzz: hostile input through the CLI (seed ${SEED})`, () => {
  it("check: any file is judged, exit 0 or 2", { timeout: 120_000 }, async () => {
    await fuzz(pipeline, 20, async (yaml) => {
      const { result, ms } = await timed(["check", writePipeline(yaml)]);
      expectWellBehaved(result, ms);
    });
  });

  it("eval: any expression is evaluated or refused, exit 0 or 2", { timeout: 120_000 }, async () => {
    const expression = fc.oneof(
      arg,
      arg.map((t) => `$string(${JSON.stringify(t)})`),
      arg.map((t) => `"${t}"`),
      // A valid literal holding a hostile piece: its value reaches stdout.
      hostileText.map((t) => JSON.stringify(t)),
    );
    await fuzz(expression, 25, async (source) => {
      const { result, ms } = await timed(["eval", source]);
      expectWellBehaved(result, ms);
    });
  });

  it("run --dry-run: any pipeline and -i value, exit 0 or 2", { timeout: 120_000 }, async () => {
    await fuzz(fc.tuple(pipeline, fc.oneof(arg, hostileText), fc.boolean()), 20, async ([yaml, who, json]) => {
      const { result, ms } = await timed([
        "run",
        writePipeline(yaml),
        "--dry-run",
        "-i",
        `who=${who}`,
        ...(json ? ["-o", "json"] : []),
      ]);
      expectWellBehaved(result, ms);
    });
  });
});
