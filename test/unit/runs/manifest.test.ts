/** The run manifest: digests that see edits but not formatting, the wire form, its size, and the resume checks. */
import { describe, expect, it } from "vitest";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { downstreamOf } from "../../../src/pipeline/plan/build-plan.js";
import { pipelineDigest } from "../../../src/runs/manifest/digest.js";
import {
  attemptsOf,
  buildManifest,
  decodeManifest,
  encodeManifest,
  ManifestFormatError,
} from "../../../src/runs/manifest/manifest.js";
import {
  earlierUndos,
  inputConflicts,
  rerunSet,
  stepChanges,
  undoneSteps,
} from "../../../src/runs/manifest/resume-check.js";
import { activity, pipeline as built, literal, uses } from "../../support/unit/pipeline-builder.js";

function load(text: string): Pipeline {
  const loaded = loadPipelineText(text, "/tmp/p.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.pipeline;
}

const BASE = `
nxrun: 1
name: deploy
inputs:
  tag: { type: string, default: zz }
secrets:
  token: { env: TOKEN }
defaults:
  taskQueue: q
steps:
  - id: build
    activity: Build
    input: { tag: "{% $inputs.tag %}" }
  - id: push
    activity: Push
    input: "{% $steps.build.output %}"
  - id: side
    activity: Side
  - id: announce
    activity: Announce
    needs: [push, side]
finally:
  - id: cleanup
    activity: Cleanup
`;

const facts = { runId: "r1", inputs: { tag: "a" }, compensate: true, concurrency: 4 };

describe("digests", () => {
  it("do not change with comments, blank lines or key order", () => {
    const reformatted = BASE.replace(
      "  - id: push\n    activity: Push\n",
      "  # pushes\n\n  - activity: Push\n    id: push\n",
    );
    expect(pipelineDigest(load(reformatted))).toBe(pipelineDigest(load(BASE)));
    expect(stepChanges(buildManifest(load(BASE), facts), load(reformatted))).toEqual([]);
  });

  it("name each changed, added and removed step", () => {
    const edited = BASE.replace("activity: Push", "activity: Push2")
      .replace("  - id: side\n    activity: Side\n", "")
      .replace("needs: [push, side]", "needs: [push]")
      .concat("  - id: extra\n    activity: Extra\n");
    const manifest = buildManifest(load(BASE), facts);
    expect(pipelineDigest(load(edited))).not.toBe(manifest.digest);
    expect(stepChanges(manifest, load(edited))).toEqual([
      { id: "side", change: "removed" },
      { id: "push", change: "changed" },
      { id: "announce", change: "changed" },
      { id: "extra", change: "added" },
    ]);
  });

  it("see a changed default even when no step text changed", () => {
    const edited = BASE.replace("taskQueue: q", "taskQueue: q2");
    expect(stepChanges(buildManifest(load(BASE), facts), load(edited)).map((c) => c.id)).toEqual([
      "build",
      "side",
      "push",
      "announce",
      "cleanup",
    ]);
  });
});

describe("the manifest", () => {
  it("round-trips through its wire form, steps in plan order, secrets by name only", () => {
    const manifest = buildManifest(load(BASE), { ...facts, attempts: new Map([["push", 3]]), from: ["push"] });
    const decoded = decodeManifest(JSON.parse(JSON.stringify(encodeManifest(manifest))));
    expect(decoded).toEqual(manifest);
    expect(decoded.steps.map((s) => [s.id, s.section, s.attempt])).toEqual([
      ["build", "steps", 1],
      ["side", "steps", 1],
      ["push", "steps", 3],
      ["announce", "steps", 1],
      ["cleanup", "finally", 1],
    ]);
    expect(decoded.secrets).toEqual(["token"]);
    // The variables they are read from, so status and watch can mask them where they are set.
    expect(decoded.secretEnv).toEqual(["TOKEN"]);
    expect(JSON.stringify(encodeManifest(manifest))).not.toContain("TOKEN=");
  });

  it("keeps the attempts of steps inside used pipelines a --from reran, and gives them back with the others", () => {
    const attempts = new Map([
      ["push", 2],
      ["db.migrate", 2],
      ["db.inner.seed", 3],
    ]);
    const manifest = buildManifest(load(BASE), { ...facts, attempts });
    expect(manifest.subAttempts).toEqual({ "db.migrate": 2, "db.inner.seed": 3 });
    const decoded = decodeManifest(JSON.parse(JSON.stringify(encodeManifest(manifest))));
    expect(decoded).toEqual(manifest);
    expect(attemptsOf(decoded)).toEqual(attempts);
    // A run that never reran a sub-step has no such field, and one written without it reads back the same.
    const plain = buildManifest(load(BASE), facts);
    expect(plain.subAttempts).toBeUndefined();
    expect(encodeManifest(plain)).not.toHaveProperty("sub");
  });

  it("is refused when it is not one, or of a newer format", () => {
    expect(() => decodeManifest({ hello: 1 })).toThrow(ManifestFormatError);
    expect(() => decodeManifest(undefined)).toThrow(ManifestFormatError);
    const newer = { ...(encodeManifest(buildManifest(load(BASE), facts)) as object), nxrunManifest: 99 };
    expect(() => decodeManifest(newer)).toThrow(/newer than this nxrun reads/);
  });

  it("stays bounded for a 1,000-step pipeline: about 60 bytes a step", () => {
    const steps = Array.from(
      { length: 1000 },
      (_, i) =>
        `  - id: step_${String(i).padStart(4, "0")}\n    activity: Work\n    input: "{% ${i === 0 ? "1" : `$steps.step_${String(i - 1).padStart(4, "0")}.output`} %}"\n`,
    ).join("");
    const pipeline = load(`nxrun: 1\nname: big\ndefaults:\n  taskQueue: q\nsteps:\n${steps}`);
    const bytes = Buffer.byteLength(JSON.stringify(encodeManifest(buildManifest(pipeline, { ...facts, inputs: {} }))));
    // Measured 51 KB (a 1,000-step chain); Temporal's default payload limit is 2 MB (a warning from 256 KB up).
    expect(bytes).toBeGreaterThan(40_000);
    expect(bytes).toBeLessThan(70_000);
  });
});

describe("resume checks", () => {
  it("inputs given now must equal the recorded ones", () => {
    expect(inputConflicts({ tag: "a", n: { x: [1, 2] } }, { tag: "a", n: { x: [1, 2] } })).toEqual([]);
    expect(inputConflicts({ tag: "a" }, { tag: "b" })).toEqual([{ name: "tag", recorded: "a", given: "b" }]);
    expect(inputConflicts({}, { tag: "b" })).toEqual([{ name: "tag", recorded: undefined, given: "b" }]);
  });

  it("--from reruns the step, everything downstream and the finally steps; nothing upstream", () => {
    const pipeline = load(BASE);
    expect([...downstreamOf(pipeline, "build")].sort()).toEqual(["announce", "push"]);
    expect([...rerunSet(pipeline, ["push"]).rerun].sort()).toEqual(["announce", "cleanup", "push"]);
    expect([...rerunSet(pipeline, ["side", "push"]).rerun].sort()).toEqual(["announce", "cleanup", "push", "side"]);
    expect(rerunSet(pipeline, ["nope"]).unknown).toEqual(["nope"]);
  });

  it("finds what a rollback undid at the steps' current attempts, named as --from names them", () => {
    const inner = built([activity("createDb", "Create"), activity("migrate", "Migrate")], { name: "inner" });
    const pipeline = built([
      activity("open", "Open"),
      activity("flush", "Flush", { forEach: literal([1]) }),
      uses("db", inner),
      uses("dbs", inner, { forEach: literal([1]) }),
      activity("gate", "Gate"),
    ]);
    const none = new Map<string, number>();
    expect(undoneSteps(pipeline, none, [])).toEqual([]);
    expect(undoneSteps(pipeline, none, ["open", "flush", "db.createDb", "dbs.2.createDb"])).toEqual([
      "open",
      "flush",
      "db.createDb",
      "dbs",
    ]);
    // Entries of an attempt a later session moved past match nothing; the current attempt's do.
    const moved = new Map([
      ["open", 2],
      ["db", 3],
    ]);
    expect(undoneSteps(pipeline, moved, ["open", "db.createDb", "db@2.migrate"])).toEqual([]);
    expect(undoneSteps(pipeline, moved, ["open@2", "db@3.migrate"])).toEqual(["open", "db.migrate"]);
    expect(undoneSteps(pipeline, new Map([["db.migrate", 2]]), ["db.migrate@2"])).toEqual(["db.migrate"]);
  });

  it("finds the undos a resume finishes: steps with a compensate, inside used pipelines too, each once", () => {
    const inner = built([activity("createDb", "Create", { compensate: undoCall }), activity("seed", "Seed")], {
      name: "inner",
    });
    const outer = built([uses("nested", inner), activity("grant", "Grant", { compensate: undoCall })], {
      name: "outer",
    });
    const pipeline = built([
      activity("open", "Open", { compensate: undoCall }),
      activity("flush", "Flush", { forEach: literal([1]), compensate: undoCall }),
      activity("plain", "Plain"),
      uses("db", inner),
      uses("dbs", inner, { forEach: literal([1, 2, 3]) }),
      uses("deep", outer),
    ]);
    expect(earlierUndos(pipeline, [])).toEqual([]);
    // An attempt a later session moved past is kept (its undo may have been cut short too). A step
    // without a compensate, a uses step itself, an unknown step are nothing to finish; a forEach over
    // uses is finished whole, named once by any of its items' steps.
    expect(
      earlierUndos(
        pipeline,
        [
          "flush",
          "flush@2",
          "open",
          "flush",
          "plain",
          "db.createDb",
          "db.seed",
          "db",
          "nope@2",
          "dbs.2.createDb",
          "dbs.0.createDb",
          "deep.nested@2.createDb",
          "deep.grant",
        ],
        new Map([
          ["dbs.createDb", 3],
          ["db.createDb", 2],
        ]),
      ),
    ).toEqual([
      { stepId: "flush", attempt: 1 },
      { stepId: "flush", attempt: 2 },
      { stepId: "open", attempt: 1 },
      { stepId: "db", attempt: 1, inside: [{ stepId: "createDb", attempt: 1 }] },
      { stepId: "dbs", attempt: 1, attemptsInside: { createDb: 3 } },
      {
        stepId: "deep",
        attempt: 1,
        inside: [
          { stepId: "nested", attempt: 2 },
          { stepId: "createDb", attempt: 1 },
        ],
      },
      { stepId: "deep", attempt: 1, inside: [{ stepId: "grant", attempt: 1 }] },
    ]);
  });
});

const undoCall = {
  call: { kind: "activity" as const, activityType: "Undo", taskQueue: "q" },
  timeouts: { scheduleToClose: 60_000 },
  position: { file: "/test/pipeline.yaml", line: 1, column: 1 },
};
