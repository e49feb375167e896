/**
 * Counts what following costs: runs a pipeline with nxrun's engine (src/engine, as `nxrun run`
 * does, default --describe-rate) over a client whose Describe and DescribeTaskQueue calls are
 * counted, and prints `{"executions": N, "describes": N, "pollerChecks": N}`.
 *
 *   node dist/bench/peers/follow-rpcs.js --address H:P --pipeline file.yaml --n 2000
 */
import { parseArgs } from "node:util";
import { runPipeline } from "../../src/engine/run-pipeline.js";
import { loadPipeline } from "../../src/pipeline/load.js";
import { connect } from "../../src/temporal/connect.js";
import type { ExecutionClient, TemporalClient } from "../../src/temporal/types.js";

const { values } = parseArgs({
  options: {
    address: { type: "string", default: "127.0.0.1:7233" },
    namespace: { type: "string", default: "default" },
    pipeline: { type: "string" },
    n: { type: "string", default: "100" },
  },
});
const loaded = await loadPipeline(values.pipeline ?? "");
if (!loaded.ok) throw new Error(`cannot load ${values.pipeline}`);
const real = await connect({ address: values.address, namespace: values.namespace });
const counts = { executions: 0, describes: 0, pollerChecks: 0 };
const counted = <T>(executions: ExecutionClient<T>): ExecutionClient<T> => ({
  ...executions,
  start: (options) => {
    counts.executions++;
    return executions.start(options);
  },
  awaitOutcome: (...args) => executions.awaitOutcome(...args),
  describe: (...args) => {
    counts.describes++;
    return executions.describe(...args);
  },
  requestCancel: (...args) => executions.requestCancel(...args),
  terminate: (...args) => executions.terminate(...args),
  list: (...args) => executions.list(...args),
  count: (...args) => executions.count(...args),
});
const client: TemporalClient = {
  address: real.address,
  namespace: real.namespace,
  activities: counted(real.activities),
  nexus: counted(real.nexus),
  pollerCount: (queue, type) => {
    counts.pollerChecks++;
    return real.pollerCount(queue, type);
  },
  serverLimits: () => real.serverLimits(),
  encodesPayloads: real.encodesPayloads,
  onConnectionChange: (listener) => real.onConnectionChange(listener),
  close: () => real.close(),
};
const record = await runPipeline(loaded.pipeline, { client, inputs: { n: Number(values.n) } });
client.close();
if (record.status !== "completed") throw new Error(`the run ended ${record.status}`);
process.stdout.write(`${JSON.stringify(counts)}\n`, () => {
  // Exit as `nxrun run` does once its run has ended (src/cli/run.ts returns an exit code to
  // bin/nxrun.js): a grpc-js handle still closing must not keep the count from being read.
  process.exit(0);
});
