/** Bad connections end in one clear message with a hint, within a bounded time; never a hang. */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, freePort, startDevServer } from "../../../scripts/dev-server.js";
import { UserError } from "../../../src/base/user-error.js";
import { connect } from "../../../src/temporal/connect.js";
import {
  DeadlineExceededError,
  NamespaceNotFoundError,
  NotFoundError,
  UnavailableError,
  UnimplementedError,
} from "../../../src/temporal/service-errors.js";
import { runNxrun, stack, uniqueId, waitFor, writePipeline } from "../../support/e2e/harness.js";

/** Runs `fn`, returning its error and how long it took to fail. */
async function failure(fn: () => Promise<unknown>): Promise<{ error: UserError; ms: number }> {
  const t0 = Date.now();
  const error = await fn().then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return { error: error as UserError, ms: Date.now() - t0 };
}

describe("connection problems", () => {
  it("an address where nothing listens fails fast, naming the address", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const { error, ms } = await failure(() => connect({ address, namespace: "default" }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toContain(address);
    expect(error.hint).toMatch(/--address/);
    expect(error.exitCode).toBe(3);
    // Bounded: a few backoff retries, not a hang (the bound is generous; no speed is asserted).
    expect(ms).toBeLessThan(20_000);
  });

  describe("a peer that accepts connections and never answers", () => {
    let silent: Server;
    let address: string;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      // Accept and say nothing: the HTTP/2 handshake never completes.
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const a = silent.address();
      address = `127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it("fails at the connect timeout, naming the address", async () => {
      const { error, ms } = await failure(() => connect({ address, namespace: "default", connectTimeout: 2000 }));
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(error.message).toContain(address);
      expect(ms).toBeLessThan(20_000);
    });

    it("with TLS (a handshake never answered), every command prints its error and exits 3: none is kept alive by the half-open socket", async () => {
      const file = writePipeline(`
nxrun: 1
name: never-answered
defaults: { taskQueue: q }
steps:
  - id: a
    activity: echo
`);
      const commands = [
        ["run", file, "-o", "plain"],
        ["run", file, "-o", "json"],
        ["status", "some-run"],
        ["check", "--preflight", file],
        ["list"],
      ];
      // Each ends by itself: the harness kills one that outlives its timeout and fails the test.
      const results = await Promise.all(
        commands.map((args) =>
          runNxrun([...args, "--tls"], { address, env: { TEMPORAL_API_KEY: undefined }, timeoutMs: 60_000 }),
        ),
      );
      results.forEach((result, i) => {
        const what = `${commands[i]?.join(" ")}\n${result.stderr}`;
        expect(result.code, what).toBe(3);
        expect(result.stderr, what).toContain(`no answer from Temporal at ${address} in time`);
        expect(result.stderr, what).not.toMatch(/internal error|\n\s+at /);
      });
    });
  });

  it("an unknown namespace ends in one line with a hint", async () => {
    const client = await connect({ address: stack().address, namespace: "no-such-namespace" });
    try {
      for (const call of [
        () =>
          client.activities.start({
            id: uniqueId("ns"),
            activityType: "echo",
            taskQueue: stack().taskQueue,
            args: [],
            startToClose: 1000,
          }),
        () => client.nexus.count(),
      ]) {
        const { error } = await failure(call);
        expect(error).toBeInstanceOf(NamespaceNotFoundError);
        expect(error.message).toBe(`namespace "no-such-namespace" was not found on ${stack().address}`);
        expect(error.message).not.toContain("\n");
        expect(error.hint).toMatch(/--namespace/);
      }
    } finally {
      client.close();
    }
  });

  describe("a server without standalone activities and Nexus operations", () => {
    let server: DevServer;
    beforeAll(async () => {
      server = await startDevServer({
        dynamicConfig: { "activity.enableStandalone": false, "nexusoperation.enableStandalone": false },
      });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("says which feature is missing and how to get it", async () => {
      const client = await connect({ address: server.address, namespace: "default" });
      try {
        const activity = await failure(() =>
          client.activities.start({
            id: uniqueId("off"),
            activityType: "echo",
            taskQueue: "q",
            args: [],
            startToClose: 1000,
          }),
        );
        expect(activity.error).toBeInstanceOf(UnimplementedError);
        expect(activity.error.message).toMatch(/lacks standalone activities/);
        expect(activity.error.message).toContain(server.address);
        expect(activity.error.hint).toMatch(/activity\.enableStandalone/);
        const nexus = await failure(() =>
          client.nexus.start({
            id: uniqueId("off"),
            endpoint: "e",
            service: "s",
            operation: "o",
            scheduleToClose: 1000,
          }),
        );
        expect(nexus.error).toBeInstanceOf(UnimplementedError);
        expect(nexus.error.message).toMatch(/lacks standalone Nexus operations/);
        expect(nexus.error.hint).toMatch(/nexusoperation\.enableStandalone/);
      } finally {
        client.close();
      }
    });

    it("check --preflight names each missing feature with the dev server command that has it", async () => {
      const file = writePipeline(`nxrun: 1
name: feature-off
steps:
  - id: act
    activity: echo
    taskQueue: q
  - id: op
    nexus: { endpoint: e, service: s, operation: o }
`);
      const result = await runNxrun(["check", "--preflight", file], { address: server.address });
      expect(result.code).toBe(2);
      expect(result.stderr).not.toMatch(/ at .*\.js:\d+/);
      const out = result.stdout + result.stderr;
      expect(out).toMatch(/NX306 .*lacks standalone activities/);
      expect(out).toContain(
        `${file}:7:5: error NX306 the Temporal server at ${server.address} lacks standalone Nexus operations`,
      );
      for (const key of ["activity.enableStandalone", "nexusoperation.enableStandalone"]) {
        expect(out).toContain(`\`temporal server start-dev --dynamic-config-value ${key}=true\``);
      }
      expect(out).not.toMatch(/scripts\/|\.sh\b/);
    });

    it("a run says once what is missing and how to get it, before any step", async () => {
      const file = writePipeline(`nxrun: 1
name: feature-off-run
steps:
  - id: op
    nexus: { endpoint: e, service: s, operation: o }
`);
      const result = await runNxrun([file, "--output", "plain"], { address: server.address });
      expect(result.code).toBe(3);
      const out = result.stdout + result.stderr;
      // The run's manifest is a standalone activity: without them nothing starts, and that is said once.
      expect(out.match(/lacks standalone activities/g)).toHaveLength(1);
      expect(out).not.toMatch(/ at .*\.js:\d+/);
      expect(out).toContain("`temporal server start-dev --dynamic-config-value activity.enableStandalone=true`");
    });
  });

  describe("a server with standalone activities but not Nexus operations (CLI 1.9 without the flag)", () => {
    let server: DevServer;
    beforeAll(async () => {
      server = await startDevServer({ dynamicConfig: { "nexusoperation.enableStandalone": false } });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("status and cancel still work on a run of activities", async () => {
      const runId = uniqueId("nexus-off");
      // No worker polls this queue: the activity stays running until it is cancelled.
      const file = writePipeline(`nxrun: 1
name: nexus-off
steps:
  - id: work
    activity: echo
    taskQueue: ${uniqueId("nobody")}
    timeouts: { scheduleToClose: 60s }
`);
      const run = runNxrun(["run", file, "--run-id", runId, "--output", "plain"], { address: server.address });
      const client = await connect({ address: server.address, namespace: "default" });
      try {
        await waitFor("the step's activity to be running", async () => {
          return (await client.activities.describe(`${runId}.work`)).status === "running";
        });
      } finally {
        client.close();
      }
      const status = await runNxrun(["status", runId], { address: server.address });
      expect(status.code, status.stdout + status.stderr).toBe(0);
      expect(status.stdout).toMatch(/work\s+.*running/);
      const cancel = await runNxrun(["cancel", runId], { address: server.address });
      expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
      expect(cancel.stdout).toContain(`cancel requested: work (activity ${runId}.work)`);
      const result = await run;
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout + result.stderr).toMatch(/canceled/);
    });
  });

  describe("a namespace rate limit (RESOURCE_EXHAUSTED) that lifts within a second", () => {
    let server: DevServer;
    beforeAll(async () => {
      // 2 requests a second, burst 2: of 4 calls at once, 2 are refused "namespace rate limit exceeded".
      server = await startDevServer({
        dynamicConfig: { "frontend.namespaceRPS": 2, "frontend.namespaceBurstRatio": 1 },
      });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("is retried inside the layer for calls that are safe to repeat", async () => {
      const client = await connect({ address: server.address, namespace: "default" });
      try {
        // Wait out whatever the connection itself spent of the bucket. A fixed wait on purpose: the
        // bucket refills with time, and asking whether it has would spend it again.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const answers = await Promise.all(
          [1, 2, 3, 4].map((i) => client.activities.describe(uniqueId(`busy-${i}`)).catch((e: unknown) => e)),
        );
        // Each got through the limit to the server's own answer: there is no such activity.
        for (const answer of answers) expect(answer, String(answer)).toBeInstanceOf(NotFoundError);
      } finally {
        client.close();
      }
    });
  });
});
