/**
 * The example worker: `node dist/examples/workers/main.js [--address H:P] [--namespace N] [--task-queue Q]`.
 * Serves every activity the examples call, the BillingService Nexus service, and the TypeScript
 * implementation of ChangeService, on one task queue (default `nxrun-examples`). Prints "worker ready"
 * once polling; stops cleanly on SIGINT/SIGTERM.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import { exampleActivities } from "./activities.js";
import { billingServiceHandler } from "./billing-service.js";
import { changeServiceHandler } from "./change-service-handler.js";

const { values } = parseArgs({
  options: {
    address: { type: "string", default: process.env.TEMPORAL_ADDRESS ?? "localhost:7233" },
    namespace: { type: "string", default: process.env.TEMPORAL_NAMESPACE ?? "default" },
    "task-queue": { type: "string", default: "nxrun-examples" },
  },
});

// Warnings and errors only: the demo shares the terminal with nxrun's view.
Runtime.install({ logger: new DefaultLogger("WARN") });

const connection = await NativeConnection.connect({ address: values.address });
const worker = await Worker.create({
  connection,
  namespace: values.namespace,
  taskQueue: values["task-queue"],
  activities: exampleActivities,
  workflowsPath: fileURLToPath(new URL("./workflows.js", import.meta.url)),
  nexusServices: [billingServiceHandler, changeServiceHandler],
  shutdownGraceTime: "2s",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => worker.shutdown());
const running = worker.run();
// Worker.run() has no "polling now" callback; by the next tick its pollers are started.
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(`worker ready on ${values["task-queue"]}\n`);
await running;
await connection.close();
