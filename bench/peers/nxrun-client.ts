/**
 * Peer: the same loop or pool as sdk-client.ts, over nxrun's own client layer (src/temporal: connect,
 * start, awaitOutcome). Against nxrun it isolates what the engine, the language and the reporters cost.
 *
 *   node dist/bench/peers/nxrun-client.js --address H:P --kind activity|nexus --count N --concurrency C
 */
import { connect } from "../../src/temporal/connect.js";
import { peerArgs, reportDone } from "./peer-args.js";
import { runPool } from "./pool.js";

const args = peerArgs();
const startedAt = performance.now();
const client = await connect({ address: args.address, namespace: args.namespace });

await runPool(args.count, args.concurrency, async (index) => {
  const id = `${args.idPrefix}-${index}`;
  const executions = args.kind === "activity" ? client.activities : client.nexus;
  const started =
    args.kind === "activity"
      ? await client.activities.start({
          id,
          activityType: "noop",
          taskQueue: args.taskQueue,
          args: [],
          startToClose: 30_000,
        })
      : await client.nexus.start({
          id,
          endpoint: args.endpoint,
          service: "TestService",
          operation: "noop",
          input: null,
          scheduleToClose: 30_000,
        });
  const outcome = await executions.awaitOutcome(id, started.runId);
  if (outcome.status !== "completed") throw new Error(`${id} ended ${outcome.status}`);
});
reportDone(args, startedAt);
client.close();
