import { AsyncResource } from "node:async_hooks";
import { cachedDataVersionTag } from "node:v8";
import { describe, expect, it } from "vitest";

// V8's tag of its flags of the moment (what a code cache is stamped with) changes with any flag set.
describe("the library (src/index.ts)", () => {
  it("leaves AsyncResource.prototype.bind and V8's flags as they were, also when connect() runs", async () => {
    const bind = AsyncResource.prototype.bind;
    const flags = cachedDataVersionTag();
    const library = await import("../../../src/index.js");
    // Nothing listens on port 1: connect() opens its channel, then fails.
    await expect(
      library.connect({ address: "127.0.0.1:1", namespace: "default", connectTimeout: 2_000 }),
    ).rejects.toThrow();
    expect(AsyncResource.prototype.bind).toBe(bind);
    expect(cachedDataVersionTag()).toBe(flags);
  });
});
