import { describe, expect, it } from "vitest";
import { chooseOutput, colorEnabled, createReporters } from "../../../src/report/index.js";
import { createJsonReporter } from "../../../src/report/json.js";
import { createPlainReporter } from "../../../src/report/plain.js";
import { redact } from "../../../src/report/redact.js";
import { failingRun, SECRET, T0 } from "../../support/unit/sequence.js";

function sink() {
  const chunks: string[] = [];
  return { chunks, stream: { write: (chunk: string) => chunks.push(chunk) }, text: () => chunks.join("") };
}

describe("redact", () => {
  it("replaces every string containing a secret, recursively, keys included", () => {
    const input = { a: `x${SECRET}y`, b: [1, SECRET, { [SECRET]: "v", c: "fine" }], d: null, e: 3 };
    expect(redact(input, [SECRET, ""])).toEqual({ a: "***", b: [1, "***", { "***": "v", c: "fine" }], d: null, e: 3 });
    expect(input.a).toBe(`x${SECRET}y`);
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
  it("is tui only on a TTY outside CI", () => {
    expect(chooseOutput({ isTTY: true, env: {} })).toBe("tui");
    expect(chooseOutput({ isTTY: true, env: { CI: "true" } })).toBe("plain");
    expect(chooseOutput({ isTTY: true, env: { CI: "false" } })).toBe("tui");
    expect(chooseOutput({ isTTY: false, env: {} })).toBe("plain");
    expect(chooseOutput({ requested: "tui", isTTY: false, env: {} })).toBe("plain");
    expect(chooseOutput({ requested: "json", isTTY: true, env: {} })).toBe("json");
    expect(chooseOutput({ requested: "plain", isTTY: true, env: {} })).toBe("plain");
  });
  it("turns colour off with NO_COLOR or without a TTY", () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
  });
});

describe("plain reporter", () => {
  it("prints one time-stamped line per state change, no colour, no secret", () => {
    const out = sink();
    failingRun(createPlainReporter({ stream: out.stream, color: false, secrets: [SECRET], now: () => T0 }));
    const text = out.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("\u001b[");
    expect(text).toMatchInlineSnapshot(`
      "00:00:00.000Z run       deploy deploy-20250101T000000Z-ab12 from deploy.yaml on 127.0.0.1:7233 namespace default
      00:00:00.000Z running   build …ab12.build — ***
      00:00:00.000Z retrying  build attempt 2: Flaky (retryable): flaky
      00:00:00.000Z ok        build in 2.0s attempt 2
      00:00:00.000Z ok        approve in 1.0s
      00:00:00.000Z running   fanout (0/0 done)
      00:00:00.000Z item ok   fanout[0] in 1.0s
      00:00:00.000Z item ok   fanout[1] in 1.1s
      00:00:00.000Z item ok   fanout[2] in 1.2s
      00:00:00.000Z item FAIL fanout[3] in 1.3s: ItemError (non-retryable): item <3> & "broke"
      00:00:00.000Z item ok   fanout[4] in 1.4s
      00:00:00.000Z FAILED    fanout in 2.0s (4/5 done, 1 failed): ForEachFailed (non-retryable): 1 of 5 items failed
      00:00:00.000Z running   charge …ab12.charge
      00:00:00.000Z FAILED    charge in 4.0s: PaymentDeclined (non-retryable): *** ← caused by HttpError (retryable): upstream returned 502
      00:00:00.000Z ok        notify (finally) in 1.0s
      00:00:00.000Z run       failed in 7.0s (3 completed, 2 failed): PaymentDeclined (non-retryable): *** ← caused by HttpError (retryable): upstream returned 502
      00:00:00.000Z output    image = "x:1"
      00:00:00.000Z output    leaked = "***"
      "
    `);
  });
  it("colours when asked", () => {
    const out = sink();
    failingRun(createPlainReporter({ stream: out.stream, color: true, secrets: [SECRET], now: () => T0 }));
    expect(out.text()).toContain("\u001b[");
  });
});

describe("json reporter", () => {
  it("writes one event object per line, secrets redacted", () => {
    const out = sink();
    failingRun(createJsonReporter({ stream: out.stream, secrets: [SECRET], now: () => T0 }));
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
      stdout: out.stream as unknown as NodeJS.WriteStream,
      header: { address: "a", namespace: "n" },
    });
    failingRun(reporter);
    await reporter.close?.();
    expect(out.chunks.length).toBeGreaterThan(10);
    expect(out.text()).not.toContain(SECRET);
  });
});
