import { AsyncResource } from "node:async_hooks";
import { cachedDataVersionTag, setFlagsFromString } from "node:v8";
import { afterAll, describe, expect, it } from "vitest";
import { setUpProcess } from "../../../src/cli/process-setup.js";

// V8's tag of its flags of the moment changes with any flag set.
describe("setUpProcess (bin/nxrun.js, once before any command)", () => {
  afterAll(() => setFlagsFromString("--heap-growing-percent=0"));

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
});
