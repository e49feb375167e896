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
  /**
   * Empties the server (a restart of the in-memory server on the same address), creates the Nexus
   * endpoint again and starts a new worker: commands built for `address` stay valid.
   */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Enough worker slots that the worker is never what limits a fan-out of concurrency 200. */
const WORKER_MAX_CONCURRENT = 1000;

/** Starts the server, creates the endpoint, starts the test worker (no-op activity and Nexus operation). */
export async function startBenchStack(): Promise<BenchStack> {
  let server: DevServer | undefined;
  let worker: WorkerProcess | undefined;
  const endpointAndWorker = async (at: DevServer): Promise<WorkerProcess> => {
    await createNexusEndpoint(at.address, { name: BENCH_ENDPOINT, taskQueue: BENCH_QUEUE });
    return startWorker({
      script: join(REPO, "dist", "test", "workers", "main.js"),
      address: at.address,
      taskQueue: BENCH_QUEUE,
      extraArgs: ["--max-concurrent", String(WORKER_MAX_CONCURRENT)],
    });
  };
  try {
    server = await startDevServer();
    worker = await endpointAndWorker(server);
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
    async reset() {
      await running.worker.stop();
      await running.server.restart();
      running.worker = await endpointAndWorker(running.server);
    },
    async stop() {
      await running.worker.stop();
      await running.server.stop();
    },
  };
}

export { WORKER_MAX_CONCURRENT };
