/**
 * A dev server of one test file's own, for tests that do to a server what the shared one
 * (global-setup.ts) must not suffer: kill and restart it, overload it, serve the Web UI. The real
 * test worker (test/workers/) polls `taskQueue` on it, and a Nexus endpoint of the same name targets
 * that queue. Started before the file's (or describe block's) tests, stopped after them, by process.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import {
  createNexusEndpoint,
  type DevServer,
  type DevServerOptions,
  startDevServer,
  startWorker,
  type WorkerProcess,
} from "../../../scripts/dev-server.js";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import { stack, waitFor } from "./harness.js";

export interface OwnServerOptions extends Omit<DevServerOptions, "dbFile"> {
  taskQueue: string;
  /** Keep the server's state in a file, so `restart()` brings the same executions back. */
  restartable?: boolean;
}

export interface OwnServer {
  /** Read inside the tests: it exists once beforeAll has run. */
  readonly server: DevServer;
  readonly taskQueue: string;
  /** Waits until each of these activity executions runs on this server (the moment to restart it mid-run). */
  running(...activityIds: string[]): Promise<void>;
}

/** Registers the hooks that start and stop the server and its worker. */
export function ownServer(options: OwnServerOptions): OwnServer {
  const { taskQueue, restartable, ...serverOptions } = options;
  let server: DevServer | undefined;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    const dbFile = restartable ? join(mkdtempSync(join(tmpdir(), `${taskQueue}-`)), "temporal.db") : undefined;
    server = await startDevServer({ ...serverOptions, ...(dbFile === undefined ? {} : { dbFile }) });
    await createNexusEndpoint(server.address, { name: taskQueue, taskQueue });
    worker = await startWorker({
      script: stack().workerScript,
      address: server.address,
      taskQueue,
      env: { NXRUN_TEST_RECORDS: stack().recordsDir },
    });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
  });
  const own: OwnServer = {
    taskQueue,
    get server() {
      if (server === undefined) throw new Error("ownServer: the server is read before beforeAll started it");
      return server;
    },
    async running(...activityIds) {
      const client = clientOver(openRpc({ address: own.server.address, namespace: "default" }), "nxrun-e2e");
      try {
        for (const id of activityIds) {
          await waitFor(
            `${id} to run`,
            // Not found yet (nxrun has not started it) counts as not running.
            async () => (await client.activities.describe(id).catch(() => undefined))?.status === "running",
            { timeoutMs: 60_000 },
          );
        }
      } finally {
        client.close();
      }
    },
  };
  return own;
}
