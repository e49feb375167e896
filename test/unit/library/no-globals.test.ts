import { AsyncResource } from "node:async_hooks";
import { cachedDataVersionTag } from "node:v8";
import { describe, expect, it, vi } from "vitest";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import { FakeTemporal } from "../../support/unit/fake-temporal.js";

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

  it("runs, and is cancelled, without a process listener, a write to stdout or stderr, or a setting left changed", async () => {
    const { runPipeline } = await import("../../../src/index.js");
    const loaded = loadPipelineText(
      "nxrun: 1\nname: quiet\nsteps:\n  - id: a\n    activity: slow\n    taskQueue: q\n    compensate: { activity: slow, taskQueue: q }\n  - id: b\n    needs: [a]\n    activity: slow\n    taskQueue: q\n",
      "/virtual/quiet.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const events = ["SIGINT", "SIGTERM", "exit", "beforeExit", "uncaughtException", "unhandledRejection", "warning"];
    const settings = () => ({
      listeners: events.map((event) => process.listenerCount(event)),
      exitCode: process.exitCode,
      env: JSON.stringify(process.env),
      title: process.title,
      cwd: process.cwd(),
      stackTraceLimit: Error.stackTraceLimit,
      maxListeners: process.getMaxListeners(),
    });
    const before = settings();
    const writes = [vi.spyOn(process.stdout, "write"), vi.spyOn(process.stderr, "write")];
    try {
      const client = new FakeTemporal({
        slow: (input) => new Promise((resolve) => setTimeout(() => resolve(input), 20)),
      });
      expect((await runPipeline(loaded.pipeline, { client, inputs: {}, manifest: false })).status).toBe("completed");
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 30);
      const cancelled = await runPipeline(loaded.pipeline, {
        client,
        inputs: {},
        manifest: false,
        signal: abort.signal,
      });
      expect(cancelled.status).toBe("canceled");
      expect(settings()).toEqual(before);
      for (const spy of writes) expect(spy).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });
});
