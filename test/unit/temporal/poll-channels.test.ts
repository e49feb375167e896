/**
 * Long polls against a peer that caps the concurrent streams of a connection (as nginx and AWS ALB
 * do, at 128): a local grpc-js server with grpc.max_concurrent_streams = 100 whose polls never
 * answer. Other calls must not wait behind the polls, and every poll must reach the server.
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import { MAX_POLLS_PER_CHANNEL } from "../../../src/temporal/poll-channels.js";
import { WORKFLOW_SERVICE, wf } from "../../../src/temporal/proto.js";
import { rawService } from "../../support/grpc/raw-service.js";

const STREAM_CAP = 100;
let server: Server;
let address: string;
let pollsSeen = 0;

/** A long poll whose activity never closes: it holds its stream until the client cancels it. */
function holdPoll(): void {
  pollsSeen++;
}

beforeAll(async () => {
  server = new Server({ "grpc.max_concurrent_streams": STREAM_CAP });
  server.addService(rawService(WORKFLOW_SERVICE, ["StartActivityExecution", "PollActivityExecution"]), {
    StartActivityExecution: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
      callback(null, Buffer.from(wf.StartActivityExecutionResponse.encode({ runId: "r", started: true }).finish())),
    PollActivityExecution: holdPoll,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

describe("long polls on a connection with a stream cap", () => {
  it("keep polls off the channel other calls use, at most MAX_POLLS_PER_CHANNEL on each", async () => {
    expect(MAX_POLLS_PER_CHANNEL).toBeLessThanOrEqual(STREAM_CAP);
    const client = clientOver(openRpc({ address, namespace: "ns", connectTimeout: 2000 }), "test");
    const stop = new AbortController();
    const polls = Array.from({ length: STREAM_CAP + 1 }, (_, i) =>
      client.activities.awaitOutcome(`a-${i}`, "r", { signal: stop.signal }).catch(() => undefined),
    );
    try {
      // Every poll reaches the server (one more than a connection may carry)... (bounded generously:
      // opening the channels takes longer on a loaded machine; a poll that never arrives still fails)
      await expect.poll(() => pollsSeen, { timeout: 20_000, interval: 20 }).toBe(STREAM_CAP + 1);
      // ...and a start does not wait for a stream behind them: the polls never answer, so a start queued
      // behind one would never end. It must answer while all of them are still held (bounded, not timed:
      // the bound only turns such a hang into a failure, however slow the machine).
      const start = { id: "s", activityType: "t", taskQueue: "q", args: [], startToClose: 1000 };
      let bound: NodeJS.Timeout | undefined;
      const hung = new Promise<"hung">((resolve) => {
        bound = setTimeout(() => resolve("hung"), 15_000);
      });
      try {
        expect(await Promise.race([client.activities.start(start), hung])).toEqual({ runId: "r", started: true });
      } finally {
        clearTimeout(bound);
      }
    } finally {
      stop.abort();
      await Promise.all(polls);
      client.close();
    }
  });
});
