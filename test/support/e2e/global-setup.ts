/**
 * Starts what the end-to-end tests run against: the real dev server (in memory, with short long
 * polls so tests see polls repeat), the Nexus endpoints, and a real test worker. Stops them all by
 * process id in the teardown, which vitest runs also when tests fail.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { createNexusEndpoint, REPO, startDevServer, startWorker } from "../../../scripts/dev-server.js";
import type { TestStack } from "./stack.js";

export const LONG_POLL = "2s";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workerScript = join(REPO, "dist", "test", "workers", "main.js");
  if (!existsSync(workerScript)) {
    throw new Error(`${workerScript} is missing: run \`npm run build\` before the end-to-end tests (npm test does)`);
  }
  const recordsDir = mkdtempSync(join(tmpdir(), "nxrun-records-"));
  const server = await startDevServer({
    dynamicConfig: { "activity.longPollTimeout": LONG_POLL, "nexusoperation.longPollTimeout": LONG_POLL },
  });
  const stack: TestStack = {
    address: server.address,
    namespace: "default",
    taskQueue: "nxrun-test",
    endpoint: "nxrun-test",
    idleTaskQueue: "nxrun-test-no-worker",
    idleEndpoint: "nxrun-test-no-worker",
    recordsDir,
    workerScript,
    serverPid: server.pid,
  };
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    await createNexusEndpoint(server.address, { name: stack.endpoint, taskQueue: stack.taskQueue });
    await createNexusEndpoint(server.address, { name: stack.idleEndpoint, taskQueue: stack.idleTaskQueue });
    worker = await startWorker({
      script: workerScript,
      address: server.address,
      taskQueue: stack.taskQueue,
      env: { NXRUN_TEST_RECORDS: recordsDir },
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide("nxrun", stack);
  return async () => {
    await worker?.stop();
    await server.stop();
    rmSync(recordsDir, { recursive: true, force: true });
  };
}
