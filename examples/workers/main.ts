/**
 * The example worker: `node dist/examples/workers/main.js [--address H:P] [--namespace N] [--task-queue Q] [--region R]...`.
 * Serves every activity the examples call, the BillingService Nexus service, and the TypeScript
 * implementation of ChangeService, on one task queue (default `nxrun-examples`); and for each
 * `--region R`, that region's agent on its own task queue `nxrun-examples-R` (regional-config.yaml).
 * Prints "worker ready" once polling; stops cleanly on SIGINT/SIGTERM.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import { exampleActivities, REGION_QUEUE_PREFIX, regionAgentActivities } from "./activities.js";
import { billingServiceHandler } from "./billing-service.js";
import { changeServiceHandler } from "./change-service-handler.js";

const { values } = parseArgs({
  options: {
    address: { type: "string", default: process.env.TEMPORAL_ADDRESS ?? "localhost:7233" },
    namespace: { type: "string", default: process.env.TEMPORAL_NAMESPACE ?? "default" },
    "task-queue": { type: "string", default: "nxrun-examples" },
    region: { type: "string", multiple: true, default: [] },
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
// One worker per region, as a region's own agent would be: only its task queue, only its activities.
const agents = await Promise.all(
  (values.region ?? []).map((region) =>
    Worker.create({
      connection,
      namespace: values.namespace,
      taskQueue: `${REGION_QUEUE_PREFIX}${region}`,
      activities: regionAgentActivities,
      shutdownGraceTime: "2s",
    }),
  ),
);
const all = [worker, ...agents];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const w of all) w.shutdown();
  });
}
const running = Promise.all(all.map((w) => w.run()));
// Worker.run() has no "polling now" callback; by the next tick its pollers are started.
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(
  `worker ready on ${[values["task-queue"], ...agents.map((a) => a.options.taskQueue)].join(", ")}\n`,
);
await running;
await connection.close();
