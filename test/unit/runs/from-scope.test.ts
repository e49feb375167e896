/**
 * The step sets of `--resume RUN --from X` (docs/cli.md, "Rerunning from a step"): what it reruns,
 * what it reads back because the rerun steps depend on it (needs and `$steps` references), and what
 * it leaves alone.
 */
import { describe, expect, it } from "vitest";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { fromNames, fromScope, nextAttempts, rerunSet } from "../../../src/runs/manifest/resume-check.js";
import { activity, pipeline as built, uses } from "../../support/unit/pipeline-builder.js";

function load(text: string): Pipeline {
  const loaded = loadPipelineText(text, "/tmp/from.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.pipeline;
}

// root -> a (needs) -> b ($steps.a) -> d (needs b and c); c reads root; side and lone stand apart;
// late reads side; audit is a finally step.
const PIPELINE = `
nxrun: 1
name: sets
defaults:
  taskQueue: q
steps:
  - id: root
    activity: Work
  - id: a
    needs: [root]
    activity: Work
  - id: b
    activity: Work
    input: { from: "{% $steps.a.output %}" }
  - id: c
    activity: Work
    when: "{% $steps.root.output.go %}"
  - id: d
    needs: [b]
    activity: Work
    input: { c: "{% $steps.c.output %}" }
  - id: side
    activity: Work
    onError: continue
  - id: late
    activity: Work
    input: "{% $steps.side.output %}"
  - id: lone
    activity: Work
finally:
  - id: audit
    activity: Work
    input: { status: "{% $run.status %}" }
`;

describe("--from step sets", () => {
  it("reads back what the rerun steps depend on, by needs and by $steps references, transitively", () => {
    const pipeline = load(PIPELINE);
    // b reruns with d; d also reads c, which reads root; b reads a, which needs root.
    expect([...rerunSet(pipeline, ["b"]).rerun].sort()).toEqual(["audit", "b", "d"]);
    expect(fromScope(pipeline, ["b"])).toEqual({ upstream: ["root", "a", "c"], outside: ["side", "late", "lone"] });
  });

  it("leaves a step that is neither upstream nor downstream outside, whatever its onError", () => {
    const pipeline = load(PIPELINE);
    expect(fromScope(pipeline, ["late"])).toEqual({
      upstream: ["side"],
      outside: ["root", "a", "b", "c", "d", "lone"],
    });
    expect(fromScope(pipeline, ["side"])).toEqual({ upstream: [], outside: ["root", "a", "b", "c", "d", "lone"] });
  });

  it("a step both named and downstream of another named one is rerun, never read back", () => {
    const pipeline = load(PIPELINE);
    expect(fromScope(pipeline, ["a", "d"])).toEqual({ upstream: ["root", "c"], outside: ["side", "late", "lone"] });
    expect(fromScope(pipeline, ["root"])).toEqual({ upstream: [], outside: ["side", "late", "lone"] });
  });

  it("the rerun steps' set is closed: no upstream step depends on a rerun one", () => {
    const pipeline = load(PIPELINE);
    for (const from of [["root"], ["a"], ["b"], ["c"], ["d"], ["late"], ["a", "late"]]) {
      const { rerun } = rerunSet(pipeline, from);
      const { upstream, outside } = fromScope(pipeline, from);
      const byId = new Map(pipeline.steps.map((s) => [s.id, s]));
      for (const id of [...upstream, ...outside]) {
        expect(rerun.has(id), `${from.join(",")}: ${id}`).toBe(false);
        expect(
          byId.get(id)?.dependsOn.some((dep) => rerun.has(dep)),
          `${from.join(",")}: ${id}`,
        ).toBe(false);
      }
      // Every step of steps: is in exactly one of the three.
      const all = [...pipeline.steps.map((s) => s.id)].sort();
      expect(
        [...upstream, ...outside, ...pipeline.steps.map((s) => s.id).filter((id) => rerun.has(id))].sort(),
      ).toEqual(all);
    }
  });

  it("a step inside a uses step counts the uses step in the set; used pipelines read back keep their finally", () => {
    const inner = built([activity("createDb", "Create"), activity("migrate", "Migrate", { dependsOn: ["createDb"] })], {
      name: "inner",
      finally: [activity("tidy", "Tidy", { section: "finally" })],
    });
    const pipeline = built([
      activity("prep", "Prep"),
      uses("db", inner, { dependsOn: ["prep"] }),
      uses("cache", inner),
      activity("after", "After", { dependsOn: ["db"] }),
    ]);
    expect(fromScope(pipeline, ["db.migrate"])).toEqual({ upstream: ["prep"], outside: ["cache"] });
    // A plain resume (no --from) reruns every used pipeline's finally; --from leaves those it reads back.
    expect([...rerunSet(pipeline, ["db.migrate"]).rerun].sort()).toEqual([
      "after",
      "cache.tidy",
      "db.migrate",
      "db.tidy",
    ]);
    expect([...rerunSet(pipeline, ["db.migrate"], new Set(["prep", "cache"])).rerun].sort()).toEqual([
      "after",
      "db.migrate",
      "db.tidy",
    ]);
  });

  it("names every step --from takes, the paths inside uses steps too, and nothing it refuses", () => {
    const inner = built([activity("createDb", "Create"), activity("migrate", "Migrate", { dependsOn: ["createDb"] })], {
      name: "inner",
      finally: [activity("tidy", "Tidy", { section: "finally" })],
    });
    const pipeline = built([activity("prep", "Prep"), uses("db", inner), activity("after", "After")], {
      finally: [activity("audit", "Audit", { section: "finally" })],
    });
    const names = fromNames(pipeline);
    expect(names).toEqual(["prep", "db", "db.createDb", "db.migrate", "after"]);
    for (const name of names) expect(rerunSet(pipeline, [name]).unknown, name).toEqual([]);
    for (const name of ["audit", "db.tidy", "db.nope"]) expect(rerunSet(pipeline, [name]).unknown).toEqual([name]);
  });

  it("a uses step rerun whole starts its steps under its new key with no attempt of their own", () => {
    // --from db after a rollback undid db.createDb (named too): db@2.createDb, never db@2.createDb@2.
    const attempts = new Map([["db.migrate", 2]]);
    nextAttempts(attempts, new Set(["db.createDb", "db", "db.createDb.x", "after"]));
    expect(Object.fromEntries(attempts)).toEqual({ db: 2, after: 2 });
    // Named alone, a sub-step gets its own next attempt under the uses step's unchanged key.
    const inside = new Map([["db", 2]]);
    nextAttempts(inside, new Set(["db.createDb"]));
    expect(Object.fromEntries(inside)).toEqual({ db: 2, "db.createDb": 2 });
  });
});
