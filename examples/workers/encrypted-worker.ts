/**
 * The example worker with encrypted payloads: `node dist/examples/workers/encrypted-worker.js
 * [--address H:P] [--namespace N] [--task-queue Q]`. The example activities and the BillingService
 * Nexus service (main.ts serves them in the clear), with every payload and failure encrypted by
 * encryption-codec.ts. nxrun reads and writes them through the codec server (codec-server.ts):
 *   nxrun examples/nexus-chain.yaml --codec-endpoint http://127.0.0.1:8081
 * Prints "worker ready" once polling; stops cleanly on SIGINT/SIGTERM.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import { exampleActivities } from "./activities.js";
import { billingServiceHandler } from "./billing-service.js";
import { EncryptionCodec } from "./encryption-codec.js";

const { values } = parseArgs({
  options: {
    address: { type: "string", default: process.env.TEMPORAL_ADDRESS ?? "localhost:7233" },
    namespace: { type: "string", default: process.env.TEMPORAL_NAMESPACE ?? "default" },
    "task-queue": { type: "string", default: "nxrun-encrypted" },
  },
});

Runtime.install({ logger: new DefaultLogger("WARN") });

const connection = await NativeConnection.connect({ address: values.address });
const worker = await Worker.create({
  connection,
  namespace: values.namespace,
  taskQueue: values["task-queue"],
  activities: exampleActivities,
  nexusServices: [billingServiceHandler],
  dataConverter: {
    payloadCodecs: [new EncryptionCodec()],
    failureConverterPath: fileURLToPath(new URL("./encoded-failures.js", import.meta.url)),
  },
  shutdownGraceTime: "2s",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => worker.shutdown());
const running = worker.run();
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(`worker ready on ${values["task-queue"]}\n`);
await running;
await connection.close();
