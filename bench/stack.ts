/** The bench's own Temporal dev server, Nexus endpoint and worker, started once and shared by every case. */
import { join } from "node:path";
import {
  createNexusEndpoint,
  type DevServer,
  REPO,
  startDevServer,
  startWorker,
  type WorkerProcess,
} from "../scripts/dev-server.js";
import { BENCH_ENDPOINT, BENCH_QUEUE } from "./pipelines.js";

export interface BenchStack {
  address: string;
  namespace: string;
  taskQueue: string;
  endpoint: string;
  stop(): Promise<void>;
}

/** Enough worker slots that the worker is never what limits a fan-out of concurrency 200. */
const WORKER_MAX_CONCURRENT = 1000;

/** Starts the server, creates the endpoint, starts the test worker (no-op activity and Nexus operation). */
export async function startBenchStack(): Promise<BenchStack> {
  let server: DevServer | undefined;
  let worker: WorkerProcess | undefined;
  try {
    server = await startDevServer();
    await createNexusEndpoint(server.address, { name: BENCH_ENDPOINT, taskQueue: BENCH_QUEUE });
    worker = await startWorker({
      script: join(REPO, "dist", "test", "workers", "main.js"),
      address: server.address,
      taskQueue: BENCH_QUEUE,
      extraArgs: ["--max-concurrent", String(WORKER_MAX_CONCURRENT)],
    });
  } catch (error) {
    await server?.stop();
    throw error;
  }
  const running = { server, worker };
  return {
    address: server.address,
    namespace: "default",
    taskQueue: BENCH_QUEUE,
    endpoint: BENCH_ENDPOINT,
    async stop() {
      await running.worker.stop();
      await running.server.stop();
    },
  };
}

export { WORKER_MAX_CONCURRENT };
