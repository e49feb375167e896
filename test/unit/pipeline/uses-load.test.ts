import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipeline } from "../../../src/pipeline/load.js";
import { rerunSet } from "../../../src/runs/manifest/resume-check.js";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "nxrun-uses-unit-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const step = (uses: string, extra = "") => `nxrun: 1\nname: main\nsteps:\n  - id: db\n    uses: ${uses}\n${extra}`;

describe("check follows uses", () => {
  it("reports a mistake in the used file at that file's own line and column, once", async () => {
    const dir = folder({
      "main.yaml": `${step("./db.yaml")}  - id: again\n    uses: ./db.yaml\n`,
      "db.yaml": "nxrun: 1\nname: db\nsteps:\n  - id: create\n    activty: Create\n    taskQueue: q\n",
    });
    const result = await loadPipeline(join(dir, "main.yaml"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => [d.file, d.line, d.column, d.code])).toEqual([
      [join(dir, "db.yaml"), 5, 5, "NX110"],
    ]);
  });

  it("a cycle through two files is NX176 where the cycle closes", async () => {
    const dir = folder({ "a.yaml": step("./b.yaml"), "b.yaml": step("./a.yaml") });
    const result = await loadPipeline(join(dir, "a.yaml"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: "NX176", file: join(dir, "b.yaml"), line: 5, column: 11 });
    expect(result.diagnostics[0]!.message).toContain("a.yaml → b.yaml → a.yaml");
  });

  it("loads the used pipeline into the step; with: expressions are checked against the caller's names", async () => {
    const dir = folder({
      "main.yaml": `nxrun: 1\nname: main\ninputs:\n  t: { type: string }\nsteps:\n  - id: db\n    uses: ./db.yaml\n    with: { tenant: "{% $inputs.t %}" }\n`,
      "db.yaml":
        "nxrun: 1\nname: db\ninputs:\n  tenant: { type: integer }\nsteps:\n  - id: create\n    activity: Create\n    taskQueue: q\n",
    });
    const result = await loadPipeline(join(dir, "main.yaml"));
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const call = result.pipeline.steps[0]!.call;
    expect(call.kind).toBe("uses");
    if (call.kind === "uses") expect(call.pipeline.steps.map((s) => s.id)).toEqual(["create"]);
  });

  it("--from: a uses step reruns with what follows it; a step inside it by its path, with what follows it inside and out", async () => {
    const dir = folder({
      "main.yaml": `${step("./db.yaml")}  - id: after\n    activity: After\n    taskQueue: q\n    needs: [db]\n  - id: other\n    activity: Other\n    taskQueue: q\n`,
      "db.yaml":
        "nxrun: 1\nname: db\nsteps:\n  - id: create\n    activity: Create\n    taskQueue: q\n  - id: migrate\n    activity: Migrate\n    taskQueue: q\n    needs: [create]\n  - id: seed\n    activity: Seed\n    taskQueue: q\n    needs: [migrate]\nfinally:\n  - id: audit\n    activity: Audit\n    taskQueue: q\n",
    });
    const result = await loadPipeline(join(dir, "main.yaml"));
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect([...rerunSet(result.pipeline, ["db"]).rerun].sort()).toEqual(["after", "db"]);
    const inside = rerunSet(result.pipeline, ["db.migrate"]);
    expect([...inside.rerun].sort()).toEqual(["after", "db.audit", "db.migrate", "db.seed"]);
    expect(inside.unknown).toEqual([]);
    // Each session runs a used pipeline's finally anew, as the run's own: a plain resume, --from elsewhere.
    expect([...rerunSet(result.pipeline, []).rerun]).toEqual(["db.audit"]);
    expect([...rerunSet(result.pipeline, ["other"]).rerun].sort()).toEqual(["db.audit", "other"]);
    expect(rerunSet(result.pipeline, ["db.nope", "after.x", "nope"]).unknown).toEqual(["db.nope", "after.x", "nope"]);
  });
});

describe("where uses may read", () => {
  const used = "nxrun: 1\nname: other\nsteps:\n  - id: x\n    activity: X\n    taskQueue: q\n";

  it("refuses a FIFO, a device and a directory without reading them, naming what each is", async () => {
    const dir = folder({
      "main.yaml": `${step("./fifo.yaml")}  - id: b\n    uses: ./zero.yaml\n  - id: c\n    uses: ./dir.yaml\n`,
    });
    execFileSync("mkfifo", [join(dir, "fifo.yaml")]);
    symlinkSync("/dev/zero", join(dir, "zero.yaml"));
    mkdirSync(join(dir, "dir.yaml"));
    const result = await loadPipeline(join(dir, "main.yaml"), { allowOutside: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => [d.line, d.code, /it is (a \w+)/.exec(d.message)?.[1]])).toEqual([
      [5, "NX175", "a FIFO"],
      [7, "NX175", "a device"],
      [9, "NX175", "a directory"],
    ]);
  });

  it("reads only under the directory of the pipeline being run, symlinks followed, unless allowed", async () => {
    const outside = folder({ "other.yaml": used });
    const dir = folder({
      "main.yaml": `${step("./sub/inner.yaml")}  - id: up\n    uses: ../${outside.split("/").pop()}/other.yaml\n  - id: link\n    uses: ./link.yaml\n`,
    });
    mkdirSync(join(dir, "sub"));
    // A used file's own uses are judged against the outermost pipeline's directory.
    writeFileSync(join(dir, "sub", "inner.yaml"), `${step("../ok.yaml")}`.replace("name: main", "name: inner"));
    writeFileSync(join(dir, "ok.yaml"), used);
    symlinkSync(join(outside, "other.yaml"), join(dir, "link.yaml"));
    const refused = await loadPipeline(join(dir, "main.yaml"));
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.diagnostics.map((d) => [d.line, d.code])).toEqual([
      [7, "NX175"],
      [9, "NX175"],
    ]);
    for (const d of refused.diagnostics) {
      expect(d.message).toMatch(/outside .*, the directory of the pipeline being run/);
      expect(d.hint).toMatch(/--allow-outside/);
    }
    expect((await loadPipeline(join(dir, "main.yaml"), { allowOutside: true })).ok).toBe(true);
  });
});
