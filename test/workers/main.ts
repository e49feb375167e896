/**
 * The test worker process: `node dist/test/workers/main.js --address H:P --task-queue Q [--namespace N]`.
 * Serves the test activities, workflows and the TestService Nexus service on one task queue, prints
 * "worker ready" once polling, and shuts down cleanly on SIGTERM/SIGINT.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import * as activities from "./activities.js";
import { testServiceHandler } from "./nexus-service.js";
import { workerTracing } from "./tracing.js";

const { values } = parseArgs({
  options: {
    address: { type: "string", default: "127.0.0.1:7233" },
    namespace: { type: "string", default: "default" },
    "task-queue": { type: "string", default: "nxrun-test" },
    "max-concurrent": { type: "string", default: "200" },
  },
});

// Warnings and errors only: the tests read this process's output.
Runtime.install({ logger: new DefaultLogger("WARN") });

const connection = await NativeConnection.connect({ address: values.address });
const max = Number(values["max-concurrent"]);
// Tracing when OTEL_EXPORTER_OTLP_ENDPOINT says where to (test/e2e/run/trace.test.ts).
const tracing = workerTracing(process.env);
const worker = await Worker.create({
  connection,
  namespace: values.namespace,
  taskQueue: values["task-queue"],
  activities,
  workflowsPath: fileURLToPath(new URL("./workflows.js", import.meta.url)),
  nexusServices: [testServiceHandler],
  maxConcurrentActivityTaskExecutions: max,
  maxConcurrentNexusTaskExecutions: max,
  shutdownGraceTime: "2s",
  ...(tracing ? { interceptors: tracing.interceptors } : {}),
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => worker.shutdown());
const running = worker.run();
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(`worker ready on ${values["task-queue"]}\n`);
await running;
await tracing?.shutdown();
await connection.close();
