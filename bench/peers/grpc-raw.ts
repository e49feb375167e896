/**
 * Peer and ceiling: the least code that runs a standalone activity or Nexus operation to its end,
 * straight over @grpc/grpc-js with @temporalio/proto's WorkflowService messages: one Start, then a
 * long Poll repeated until an outcome. No retries, no decoding, no bookkeeping.
 *
 *   node dist/bench/peers/grpc-raw.js --address H:P --kind activity|nexus --count N --concurrency C
 */
import { randomUUID } from "node:crypto";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import protoRoot from "@temporalio/proto";
import { peerArgs, reportDone } from "./peer-args.js";
import { runPool } from "./pool.js";

const wf = protoRoot.temporal.api.workflowservice.v1;
const CLOSED = protoRoot.temporal.api.enums.v1.NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_CLOSED;
const SERVICE = "/temporal.api.workflowservice.v1.WorkflowService/";

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
}
interface Decoder<R> {
  decode(bytes: Uint8Array): R;
}

const args = peerArgs();
const startedAt = performance.now();
const channel = new Client(args.address, credentials.createInsecure());

function call<T, R>(method: string, type: Codec<T>, responseType: Decoder<R>, request: T): Promise<R> {
  return new Promise((resolve, reject) => {
    channel.makeUnaryRequest<T, R>(
      SERVICE + method,
      (message) => Buffer.from(type.encode(message).finish()),
      (bytes) => responseType.decode(bytes),
      request,
      new Metadata(),
      { deadline: Date.now() + 70_000 },
      (error, response) => (error ? reject(error) : resolve(response as R)),
    );
  });
}

const namespace = args.namespace;
// protobufjs encodes a plain number into an int64 field; its typings only admit Long.
const timeout = { seconds: 30 } as unknown as protoRoot.google.protobuf.IDuration;

async function runActivity(activityId: string): Promise<void> {
  await call("StartActivityExecution", wf.StartActivityExecutionRequest, wf.StartActivityExecutionResponse, {
    namespace,
    identity: "bench-grpc-raw",
    requestId: randomUUID(),
    activityId,
    activityType: { name: "noop" },
    taskQueue: { name: args.taskQueue },
    startToCloseTimeout: timeout,
  });
  for (;;) {
    const polled = await call(
      "PollActivityExecution",
      wf.PollActivityExecutionRequest,
      wf.PollActivityExecutionResponse,
      {
        namespace,
        activityId,
      },
    );
    if (polled.outcome?.failure) throw new Error(`${activityId} failed: ${polled.outcome.failure.message}`);
    if (polled.outcome) return;
  }
}

async function runNexus(operationId: string): Promise<void> {
  await call(
    "StartNexusOperationExecution",
    wf.StartNexusOperationExecutionRequest,
    wf.StartNexusOperationExecutionResponse,
    {
      namespace,
      identity: "bench-grpc-raw",
      requestId: randomUUID(),
      operationId,
      endpoint: args.endpoint,
      service: "TestService",
      operation: "noop",
      scheduleToCloseTimeout: timeout,
      input: { metadata: { encoding: Buffer.from("binary/null") } },
    },
  );
  for (;;) {
    const polled = await call(
      "PollNexusOperationExecution",
      wf.PollNexusOperationExecutionRequest,
      wf.PollNexusOperationExecutionResponse,
      {
        namespace,
        operationId,
        waitStage: CLOSED,
      },
    );
    if (polled.failure) throw new Error(`${operationId} failed: ${polled.failure.message}`);
    if (polled.waitStage === CLOSED) return;
  }
}

await runPool(args.count, args.concurrency, (index) =>
  args.kind === "activity" ? runActivity(`${args.idPrefix}-${index}`) : runNexus(`${args.idPrefix}-${index}`),
);
reportDone(args, startedAt);
channel.close();
