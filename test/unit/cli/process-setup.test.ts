import { AsyncResource } from "node:async_hooks";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cachedDataVersionTag, setFlagsFromString } from "node:v8";
import { afterAll, describe, expect, it } from "vitest";
import { setUpProcess } from "../../../src/cli/process-setup.js";

// V8's tag of its flags of the moment changes with any flag set.
describe("setUpProcess (bin/nxrun.js, once before any command)", () => {
  afterAll(() => {
    setFlagsFromString("--heap-growing-percent=0");
    setFlagsFromString("--semi-space-growth-factor=2");
  });

  it("installs the lean bind for every command, and sets V8's heap growth for run alone", () => {
    const bind = AsyncResource.prototype.bind;
    const flags = cachedDataVersionTag();
    setUpProcess("check");
    expect(cachedDataVersionTag()).toBe(flags);
    const bound = new AsyncResource("test").bind(() => 1);
    expect(Object.getOwnPropertyDescriptor(bound, "asyncResource")).toBeUndefined();
    // Replaced where Node's own bind adds that accessor (Node 20), kept where it does not.
    const nodeAddsAccessor = Object.getOwnPropertyDescriptor(
      bind.call(new AsyncResource("probe"), () => 1),
      "asyncResource",
    );
    expect(AsyncResource.prototype.bind !== bind).toBe(nodeAddsAccessor !== undefined);
    setUpProcess("run");
    expect(cachedDataVersionTag()).not.toBe(flags);
  });

  it("keeps a run's young generation at the size it started with; other commands' grow as V8 chooses", () => {
    const young = (command: string) => youngGenerationMiB(command);
    const run = young("run");
    // V8 counts one semi-space of the young generation before its first collection, both after.
    expect(run.after).toBeLessThanOrEqual(2 * run.before);
    const check = young("check");
    expect(check.after).toBeGreaterThan(2 * check.before);
  });
});

const setup = fileURLToPath(new URL("../../../dist/src/cli/process-setup.js", import.meta.url));

/** The young generation's size before and after allocating what survives young collections, in a fresh Node. */
function youngGenerationMiB(command: string): { before: number; after: number } {
  const script = `
    import v8 from "node:v8";
    const { setUpProcess } = await import(${JSON.stringify(setup)});
    setUpProcess(${JSON.stringify(command)});
    const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576;
    const before = size();
    const ring = [];
    for (let i = 0; i < 100000; i++) {
      ring.push(Array.from({ length: 20 }, (_, j) => ({ i, j })));
      if (ring.length > 400) ring.shift();
    }
    console.log(JSON.stringify({ before, after: size() }));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout);
}
