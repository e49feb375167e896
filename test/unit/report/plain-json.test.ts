import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskSecrets, REDACTED } from "../../../src/base/mask-secrets.js";
import { chooseOutput, createReporters } from "../../../src/report/index.js";
import { createJsonReporter } from "../../../src/report/json.js";
import { createPlainReporter } from "../../../src/report/plain.js";
import { redact, redactEvents } from "../../../src/report/redact.js";
import { failingRun, SECRET, T0 } from "../../support/unit/sequence.js";
import { terminalOver } from "../../support/unit/terminal.js";

function sink() {
  const chunks: string[] = [];
  return { chunks, stream: { write: (chunk: string) => chunks.push(chunk) }, text: () => chunks.join("") };
}

describe("redact", () => {
  it("masks each secret in place, recursively, keys included, and keeps the rest", () => {
    const input = {
      a: `token was ${SECRET}`,
      b: [1, SECRET, { [`key-${SECRET}`]: "v", c: "fine" }],
      d: null,
      e: 3,
      f: new Error(`failed: ${SECRET}`, { cause: `because ${SECRET}` }),
    };
    const out = redact(input, [SECRET, ""]);
    expect(out).toMatchObject({ a: "token was ***", b: [1, "***", { "key-***": "v", c: "fine" }], d: null, e: 3 });
    expect(out.f.message).toBe("failed: ***");
    expect(out.f.cause).toBe("because ***");
    expect(out.f.stack).not.toContain(SECRET);
    expect(input.a).toBe(`token was ${SECRET}`);
  });
  it("masks numbers whose digits hold a secret", () => {
    expect(redact({ pin: 4711, other: 12, big: 1047110n }, ["4711"])).toEqual({ pin: "***", other: 12, big: "10***0" });
  });
  it("masks every occurrence, overlapping secrets as one span", () => {
    expect(maskSecrets("a SECRET b SECRET c", ["SECRET"])).toBe("a *** b *** c");
    expect(maskSecrets("xxabcdefyy", ["abcd", "cdef"])).toBe("xx***yy");
    expect(maskSecrets("aaaa", ["aaa"])).toBe("***");
    expect(maskSecrets("abcdabcd", ["abcd"])).toBe("***");
    expect(maskSecrets("nothing here", ["abcd"])).toBe("nothing here");
  });
  it("masks exactly the characters covered by a secret, each covered run as one ***", () => {
    // The definition, character by character: mark what any occurrence of any secret covers.
    const reference = (text: string, secrets: readonly string[]): string => {
      const covered = new Array<boolean>(text.length).fill(false);
      for (const secret of secrets) {
        for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
          covered.fill(true, at, at + secret.length);
        }
      }
      let out = "";
      for (let i = 0; i < text.length; i++) {
        if (!covered[i]) out += text[i];
        else if (i === 0 || !covered[i - 1]) out += REDACTED;
      }
      return out;
    };
    const piece = fc.string({ unit: fc.constantFrom("a", "b", "c", " ", "x"), maxLength: 6 });
    const secret = fc.string({ unit: fc.constantFrom("a", "b", "c"), minLength: 4, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 4 }),
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        (pieces, secrets) => {
          const text = pieces.join(secrets[0]);
          const out = maskSecrets(text, secrets);
          expect(out).toBe(reference(text, secrets));
          for (const s of secrets) expect(out).not.toContain(s);
        },
      ),
    );
  });
  it("ignores empty secrets and survives cycles", () => {
    const cyclic: Record<string, unknown> = { s: SECRET };
    cyclic.self = cyclic;
    const out = redact(cyclic, [SECRET]) as Record<string, unknown>;
    expect(out.s).toBe("***");
    expect(out.self).toBe(out);
    expect(redact("abc", [""])).toBe("abc");
  });
});

describe("chooseOutput", () => {
  it("is tui only when a person watches stdout (terminal.interactive), unless plain or json is asked for", () => {
    expect(chooseOutput(undefined, { interactive: true })).toBe("tui");
    expect(chooseOutput(undefined, { interactive: false })).toBe("plain");
    expect(chooseOutput("tui", { interactive: false })).toBe("plain");
    expect(chooseOutput("tui", { interactive: true })).toBe("tui");
    expect(chooseOutput("json", { interactive: true })).toBe("json");
    expect(chooseOutput("plain", { interactive: true })).toBe("plain");
  });
});

describe("plain reporter", () => {
  it("prints one time-stamped line per state change, no colour, no secret", () => {
    const out = sink();
    failingRun(redactEvents(createPlainReporter({ stream: out.stream, color: false, now: () => T0 }), [SECRET]));
    const text = out.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("\u001b[");
    expect(text).toMatchInlineSnapshot(`
      "00:00:00.000Z run       deploy deploy-20250101T000000Z-ab12 from deploy.yaml on 127.0.0.1:7233 namespace default
      00:00:00.000Z running   build …ab12.build — build with ***
      00:00:00.000Z retrying  build attempt 2: Flaky (retryable): flaky
      00:00:00.000Z ok        build in 2s attempt 2
      00:00:00.000Z ok        approve in 1s
      00:00:00.000Z running   fanout (0/0 done)
      00:00:00.000Z item ok   fanout[0] in 1s
      00:00:00.000Z item ok   fanout[1] in 1.1s
      00:00:00.000Z item ok   fanout[2] in 1.2s
      00:00:00.000Z item FAIL fanout[3] in 1.3s: ItemError (non-retryable): item <3> & "broke"
      00:00:00.000Z item ok   fanout[4] in 1.4s
      00:00:00.000Z FAILED    fanout in 2s (4/5 done, 1 failed): ForEachFailed (non-retryable): 1 of 5 items failed
      00:00:00.000Z running   charge …ab12.charge
      00:00:00.000Z FAILED    charge in 4s: PaymentDeclined (non-retryable): card declined for token *** ← caused by HttpError (retryable): upstream returned 502
      00:00:00.000Z ok        notify (finally) in 1s
      00:00:00.000Z run       failed in 7s (3 completed, 2 failed): PaymentDeclined (non-retryable): card declined for token *** ← caused by HttpError (retryable): upstream returned 502
      00:00:00.000Z output    image = "x:1"
      00:00:00.000Z output    leaked = "Bearer ***"
      "
    `);
  });
  it("colours when asked", () => {
    const out = sink();
    failingRun(createPlainReporter({ stream: out.stream, color: true, now: () => T0 }));
    expect(out.text()).toContain("\u001b[");
  });
});

describe("worker text in plain and json output", () => {
  const HOSTILE = "copy\u001b]52;c;aGk=\u0007 clear\u001b[2J ok\rPWNED \u202eexe.txt\u202c\nnext";
  const record = (message: string) => ({
    id: "charge",
    section: "steps" as const,
    kind: "activity" as const,
    status: "failed" as const,
    error: { message, type: "Bad\u001b[1m", cause: { message } },
    summary: message,
  });

  it("plain mode prints it escaped, on one line", () => {
    const out = sink();
    const reporter = createPlainReporter({ stream: out.stream, color: false, now: () => T0 });
    reporter.onStepEnd?.({ stepId: "charge", record: record(HOSTILE) });
    reporter.onConfirm?.({ stepId: "approve", prompt: HOSTILE, answer: () => {} });
    reporter.onRunEnd?.({ ...failingRun({}), outputs: { out: HOSTILE } });
    const text = out.text();
    expect(text.replace(/\n/g, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain(
      "Bad\\u001b[1m: copy\\u001b]52;c;aGk=\\u0007 clear\\u001b[2J ok\\rPWNED \\u202eexe.txt\\u202c\\nnext ← caused by",
    );
    expect(text).toContain("confirm   approve: copy\\u001b]52");
    expect(text).toContain(
      'output    out = "copy\\u001b]52;c;aGk=\\u0007 clear\\u001b[2J ok\\rPWNED \\u202eexe.txt\\u202c\\nnext"',
    );
  });

  it("json mode keeps it exact (JSON escapes it)", () => {
    const out = sink();
    const reporter = createJsonReporter({ stream: out.stream, now: () => T0 });
    reporter.onStepEnd?.({ stepId: "charge", record: record(HOSTILE) });
    const line = out.text();
    expect(line).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(JSON.parse(line).record.error.message).toBe(HOSTILE);
  });
});

describe("long worker text in plain output", () => {
  const LONG = `bad input: ${"x".repeat(200_000)}`;
  const failed = (status: "running" | "failed", attempt: number) => ({
    id: "charge",
    section: "steps" as const,
    kind: "activity" as const,
    status,
    attempt,
    error: { message: LONG },
  });

  it("cuts a 200 KB failure message to a few lines, printed once, and keeps it whole in NDJSON", () => {
    const out = sink();
    const json = sink();
    const reporters = [
      createPlainReporter({ stream: out.stream, color: false, now: () => T0 }),
      createJsonReporter({ stream: json.stream, now: () => T0 }),
    ];
    for (const reporter of reporters) {
      reporter.onStepStart?.({ stepId: "charge", record: { ...failed("running", 1), error: undefined } });
      reporter.onStepUpdate?.({ stepId: "charge", record: failed("running", 2) });
      reporter.onStepEnd?.({ stepId: "charge", record: failed("failed", 3) });
      reporter.onRunEnd?.({ ...failingRun({}), error: { message: LONG }, outputs: { big: LONG } });
    }
    const text = out.text();
    expect(text.length).toBeLessThan(4_000);
    expect(text.match(/x{300,}/g)).toHaveLength(2); // the failure once, the output once
    // The message alone (nxrun's own error has no type to print): its first 400 characters shown.
    expect(text).toContain("… 199,611 more characters, full text in --report");
    expect(text).toContain("the failure printed above (full text in --report)");
    expect(json.text()).toContain(LONG);
  });
});

describe("many items that end without running, in plain output", () => {
  it("prints one line per step and status, not one per item; NDJSON keeps every item", () => {
    const out = sink();
    const json = sink();
    const step = (status: "running" | "canceled") => ({
      id: "fanout",
      section: "steps" as const,
      kind: "activity" as const,
      status,
    });
    for (const reporter of [
      createPlainReporter({ stream: out.stream, color: false, now: () => T0 }),
      createJsonReporter({ stream: json.stream, now: () => T0 }),
    ]) {
      reporter.onStepStart?.({ stepId: "fanout", record: step("running") });
      for (let index = 0; index < 100_000; index++) {
        const status = index < 774 ? "completed" : index < 99_000 ? "skipped" : "canceled";
        reporter.onItemEnd?.({ stepId: "fanout", item: { index, status } });
      }
      reporter.onStepEnd?.({ stepId: "fanout", record: step("canceled") });
    }
    const lines = out.text().trimEnd().split("\n");
    expect(lines.filter((l) => l.includes("item ok"))).toHaveLength(774);
    expect(lines.slice(-3).map((l) => l.slice(14))).toEqual([
      "skipped   fanout: skipped 98,226 items",
      "canceled  fanout: canceled 1,000 items",
      "canceled  fanout",
    ]);
    expect(
      json
        .text()
        .trimEnd()
        .split("\n")
        .filter((l) => l.includes('"itemEnd"')),
    ).toHaveLength(100_000);
  });
});

describe("json reporter", () => {
  it("writes one event object per line, secrets redacted", () => {
    const out = sink();
    failingRun(redactEvents(createJsonReporter({ stream: out.stream, now: () => T0 }), [SECRET]));
    const events = out
      .text()
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.event)).toEqual([
      "runStart",
      "stepStart",
      "stepUpdate",
      "stepEnd",
      "stepEnd",
      "stepStart",
      ...Array(5).fill(["itemStart", "itemEnd"]).flat(),
      "stepEnd",
      "stepStart",
      "stepEnd",
      "stepEnd",
      "runEnd",
    ]);
    expect(events[0].time).toBe("2025-01-01T00:00:00.000Z");
    expect(out.text()).not.toContain(SECRET);
  });
});

describe("createReporters", () => {
  it("fans out to the chosen mode on the given stdout", async () => {
    const out = sink();
    const reporter = createReporters({
      output: "json",
      secrets: [SECRET],
      terminal: terminalOver(out.stream, {}),
      header: { address: "a", namespace: "n" },
    });
    failingRun(reporter);
    await reporter.close?.();
    expect(out.chunks.length).toBeGreaterThan(10);
    expect(out.text()).not.toContain(SECRET);
  });
});

describe("the cancel line's Ctrl-C hint", () => {
  // Only a Ctrl-C's own cancellation is the first: a failed, timed-out or `nxrun cancel`ed run's
  // cleanup goes on after one Ctrl-C (docs/cli.md "Signals"), a second terminates it.
  it("says again after a Ctrl-C, twice after any other reason", () => {
    for (const [reason, hint] of [
      ["signal", "Ctrl-C again to terminate"],
      ["failure", "Ctrl-C twice to terminate"],
      ["timeout", "Ctrl-C twice to terminate"],
      ["remote", "Ctrl-C twice to terminate"],
    ] as const) {
      const out = sink();
      createPlainReporter({ stream: out.stream, color: false, now: () => T0 }).onCancelling?.({ reason, steps: [] });
      expect(out.text(), reason).toContain(`; ${hint}\n`);
    }
  });
});
