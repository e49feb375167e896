import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { beforeRun } from "../../../src/pipeline/before-run-check.js";
import { payloadProblems, valuesBytes } from "../../../src/pipeline/known-payloads.js";
import { loadPipeline } from "../../../src/pipeline/load.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { inputBytes } from "../../../src/temporal/payload-size.js";
import { encodePayload } from "../../../src/temporal/payloads.js";
import { DEFAULT_SERVER_LIMITS, formatBytes, type ServerLimits } from "../../../src/temporal/server-limits.js";

const dir = mkdtempSync(join(tmpdir(), "nxrun-known-payloads-"));

async function load(files: Record<string, string>): Promise<Pipeline> {
  const sub = mkdtempSync(join(dir, "case-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(sub, name), text);
  const loaded = await loadPipeline(join(sub, "main.yaml"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.pipeline;
}

const measured = async (pipeline: Pipeline, inputs: Record<string, unknown>) =>
  (
    await beforeRun(pipeline, {
      runId: "r",
      inputs,
      inputsFinal: true,
      secrets: {},
      usedSecrets: new Map(),
      confirmAnswered: true,
      confirmCaller: "cli",
    })
  ).payloads;

const PIPELINE = `nxrun: 1
name: p
inputs:
  blob: { type: string }
steps:
  - id: fetch
    activity: echo
    taskQueue: q
    input: "{% {'blob': $inputs.blob} %}"
    compensate:
      activity: undo
      taskQueue: q
      args: ["{% $inputs.blob %}", 2]
  - id: notify
    nexus: { endpoint: e, service: s, operation: o }
    input: { literal: true }
  - id: each
    forEach: [1, 2]
    activity: echo
    taskQueue: q
    input: "{% $item %}"
  - id: late
    activity: echo
    taskQueue: q
    input: "{% $steps.fetch.output %}"
  - id: empty
    activity: echo
    taskQueue: q
  - id: db
    uses: ./db.yaml
    with: { name: "{% $inputs.blob %}" }
`;
const DB = `nxrun: 1
name: db
inputs:
  name: { type: string }
steps:
  - id: create
    activity: create
    taskQueue: q
    input: "{% $inputs.name %}"
`;

describe("execution inputs known before the run", () => {
  it("are measured as the server measures them, where they are written; what is known only later is not", async () => {
    const pipeline = await load({ "main.yaml": PIPELINE, "db.yaml": DB });
    const blob = "x".repeat(5000);
    const found = await measured(pipeline, { blob });
    const brief = found.map((p) => [p.what, p.bytes, p.position.line, p.position.column]);
    expect(brief).toEqual([
      ["step fetch", inputBytes("activity", [encodePayload({ blob })]), 9, 16],
      ["step fetch, compensate", inputBytes("activity", [encodePayload(blob), encodePayload(2)]), 13, 18],
      // A literal input: at its step.
      ["step notify", inputBytes("nexus", [encodePayload({ literal: true })]), 14, 5],
      // Per item: the forEach list is literal.
      ["step each (item 0)", inputBytes("activity", [encodePayload(1)]), 21, 16],
      ["step each (item 1)", inputBytes("activity", [encodePayload(2)]), 21, 16],
      ["step empty", 0, 26, 5],
      ["step db.create", inputBytes("activity", [encodePayload(blob)]), 9, 16],
    ]);
    expect(found[0]?.position.file).toMatch(/main\.yaml$/);
    expect(found[6]?.position.file).toMatch(/db\.yaml$/);
  });

  it("over the limit, each is an NX182 error at its place with its size and the limit; the run's inputs too", async () => {
    const pipeline = await load({ "main.yaml": PIPELINE, "db.yaml": DB });
    const blob = "x".repeat(3000);
    const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, payloadBytes: 3000, payloadFrom: "server" };
    const problems = payloadProblems(await measured(pipeline, { blob }), limits, {
      inputs: { blob },
      file: pipeline.file,
    });
    const over = (bytes: number) =>
      `is ${formatBytes(bytes)} encoded, over the server's limit of 3,000 bytes (2.9 KiB)`;
    expect(problems.map((d) => [d.code, d.severity, d.line, d.message])).toEqual([
      ["NX182", "error", 9, `step fetch: its input ${over(inputBytes("activity", [encodePayload({ blob })]))}`],
      [
        "NX182",
        "error",
        13,
        `step fetch, compensate: its input ${over(inputBytes("activity", [encodePayload(blob), encodePayload(2)]))}`,
      ],
      ["NX182", "error", 9, `step db.create: its input ${over(inputBytes("activity", [encodePayload(blob)]))}`],
      [
        "NX182",
        "error",
        0,
        `the run's inputs are ${formatBytes(inputBytes("activity", [encodePayload({ blob })]))} encoded, over the server's limit of 3,000 bytes (2.9 KiB): the run keeps them in its manifest on the server`,
      ],
    ]);
    expect(problems.every((d) => d.hint?.includes("by reference"))).toBe(true);
    // Within the limit, and a resume (its manifest is kept already): nothing.
    expect(
      payloadProblems(await measured(pipeline, { blob: "x" }), limits, { inputs: { blob: "x" }, file: "f" }),
    ).toEqual([]);
    expect(payloadProblems([], limits)).toEqual([]);
  });

  it("measures each forEach item's input that reads $item once the items are known", async () => {
    const pipeline = await load({
      "main.yaml": `nxrun: 1
name: p
inputs:
  files: { type: array }
steps:
  - id: upload
    forEach: "{% $inputs.files %}"
    activity: put
    taskQueue: q
    input: "{% {'name': $item.name, 'body': $item.body} %}"
  - id: later
    forEach: "{% $inputs.files %}"
    activity: put
    taskQueue: q
    input: "{% {'body': $item.body, 'seen': $steps.upload.output} %}"
`,
    });
    const files = [
      { name: "a", body: "x".repeat(10) },
      { name: "b", body: "x".repeat(4000) },
    ];
    const found = await measured(pipeline, { files });
    expect(found.map((p) => [p.what, p.bytes, p.position.line])).toEqual([
      ["step upload (item 0)", inputBytes("activity", [encodePayload({ name: "a", body: files[0]?.body })]), 10],
      ["step upload (item 1)", inputBytes("activity", [encodePayload({ name: "b", body: files[1]?.body })]), 10],
    ]);
    const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, payloadBytes: 1000, payloadFrom: "server" };
    expect(payloadProblems(found, limits).map((d) => d.message)).toEqual([
      expect.stringMatching(/^step upload \(item 1\): its input is 4,0\d\d bytes/),
    ]);
  });

  it("a Nexus operation without input sends a null payload; an activity without one sends none", () => {
    expect(valuesBytes("activity", [])).toBe(0);
    expect(valuesBytes("nexus", [])).toBe(inputBytes("nexus", [encodePayload(undefined)]));
  });
});
