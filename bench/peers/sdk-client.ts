/**
 * Peer: a hand-written script over @temporalio/client's standalone activity client and Nexus client
 * (`client.activity.execute`, `client.nexus.createServiceClient(...).executeOperation`), in a loop
 * (concurrency 1) or a Promise pool. What a user would write instead of nxrun.
 *
 *   node dist/bench/peers/sdk-client.js --address H:P --kind activity|nexus --count N --concurrency C
 *
 * NXRUN_BENCH_LATENCIES=FILE writes each execution's latency (ms from the call to its result) to FILE,
 * one number a line, to compare with nxrun's items in its --report (bench/findings.md, the stalls).
 */
import { writeFileSync } from "node:fs";
import { Client, Connection } from "@temporalio/client";
import * as nexus from "nexus-rpc";
import { peerArgs, reportDone } from "./peer-args.js";
import { runPool } from "./pool.js";

const args = peerArgs();
const startedAt = performance.now();
const connection = await Connection.connect({ address: args.address });
const client = new Client({ connection, namespace: args.namespace });
const testService = nexus.service("TestService", { noop: nexus.operation<unknown, null>() });
const nexusClient = client.nexus.createServiceClient({ endpoint: args.endpoint, service: testService });

const latencies: number[] = [];
await runPool(args.count, args.concurrency, async (index) => {
  const id = `${args.idPrefix}-${index}`;
  const began = performance.now();
  if (args.kind === "activity") {
    await client.activity.execute("noop", { id, taskQueue: args.taskQueue, startToCloseTimeout: "30s" });
  } else {
    await nexusClient.executeOperation("noop", null, { id, scheduleToCloseTimeout: "30s" });
  }
  latencies.push(performance.now() - began);
});
if (process.env.NXRUN_BENCH_LATENCIES) writeFileSync(process.env.NXRUN_BENCH_LATENCIES, `${latencies.join("\n")}\n`);
reportDone(args, startedAt);
await connection.close();
