/**
 * The RPC layer's transport behavior against a local grpc-js server that answers UNAVAILABLE or
 * RESOURCE_EXHAUSTED on purpose (no Temporal here: this checks retries, their bound, request-ID
 * reuse, metadata, abort).
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/base/user-error.js";
import { OperatorService } from "../../../src/preflight/operator-service.js";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import { temporal, WORKFLOW_SERVICE, wf } from "../../../src/temporal/proto.js";
import { ResourceExhaustedError, UnavailableError } from "../../../src/temporal/service-errors.js";
import { rawService } from "../../support/grpc/raw-service.js";

const OPERATOR_SERVICE = "temporal.api.operatorservice.v1.OperatorService";
const op = temporal.api.operatorservice.v1;

let server: Server;
let address: string;
/** Per method: how many calls to refuse before answering, and what each call carried. */
const refuse = new Map<string, number>();
/** Per method: the status a refusal carries (default UNAVAILABLE "try later"). */
const refuseWith = new Map<string, { code: status; details: string }>();
let pollOutcome: { result: { payloads: [] } } | undefined;
const seen: Array<{ method: string; requestId?: string; authorization?: string; namespace?: string }> = [];

function handler(method: string, decode: (b: Buffer) => { requestId?: string }, encode: () => Uint8Array) {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    const request = decode(call.request);
    seen.push({
      method,
      requestId: request.requestId,
      authorization: call.metadata.get("authorization")[0] as string | undefined,
      namespace: call.metadata.get("temporal-namespace")[0] as string | undefined,
    });
    const left = refuse.get(method) ?? 0;
    if (left > 0) {
      refuse.set(method, left - 1);
      callback(refuseWith.get(method) ?? { code: status.UNAVAILABLE, details: "try later" });
      return;
    }
    callback(null, Buffer.from(encode()));
  };
}

function neverAnswer(): void {}

beforeAll(async () => {
  server = new Server();
  server.addService(
    rawService(WORKFLOW_SERVICE, [
      "GetSystemInfo",
      "StartActivityExecution",
      "PollActivityExecution",
      "DescribeActivityExecution",
    ]),
    {
      GetSystemInfo: handler(
        "GetSystemInfo",
        () => ({}),
        () => wf.GetSystemInfoResponse.encode({ serverVersion: "test" }).finish(),
      ),
      StartActivityExecution: handler(
        "StartActivityExecution",
        (b) => wf.StartActivityExecutionRequest.decode(b),
        () => wf.StartActivityExecutionResponse.encode({ runId: "run-1", started: true }).finish(),
      ),
      // Refuses as told, then answers with `pollOutcome`, or never answers (the test aborts it).
      PollActivityExecution: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        if (!pollOutcome && (refuse.get("PollActivityExecution") ?? 0) === 0) return neverAnswer();
        handler(
          "PollActivityExecution",
          () => ({}),
          () => wf.PollActivityExecutionResponse.encode({ runId: "run-1", outcome: pollOutcome }).finish(),
        )(call, callback);
      },
      DescribeActivityExecution: handler(
        "DescribeActivityExecution",
        () => ({}),
        () =>
          wf.DescribeActivityExecutionResponse.encode({
            runId: "run-1",
            info: { activityId: "a", runId: "run-1", activityType: { name: "t" } },
          }).finish(),
      ),
    },
  );
  // OperatorService (preflight's ListNexusEndpoints) on the same server.
  server.addService(rawService(OPERATOR_SERVICE, ["ListNexusEndpoints"]), {
    ListNexusEndpoints: handler(
      "ListNexusEndpoints",
      () => ({}),
      () =>
        op.ListNexusEndpointsResponse.encode({
          endpoints: [{ spec: { name: "ep", target: { worker: { namespace: "ns", taskQueue: "q" } } } }],
        }).finish(),
    ),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

const start = { id: "a", activityType: "t", taskQueue: "q", args: [], startToClose: 1000 };

describe("WorkflowService RPC", () => {
  it("refuses metadata gRPC does not allow as a user mistake that echoes neither key nor value", () => {
    const refused: Array<Record<string, string>> = [{ "bad key!": "v" }, { "x-team": "secret-token\nsecond line" }];
    for (const metadata of refused) {
      let thrown: unknown;
      try {
        openRpc({ address, namespace: "ns", tls: false, metadata }).close();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UserError);
      const { message, hint } = thrown as UserError;
      expect(message).toBe("a gRPC metadata entry has a key or value that gRPC does not allow");
      expect(hint).toContain("--grpc-meta");
      expect(`${message} ${hint}`).not.toMatch(/bad key|secret-token/);
    }
  });

  it("retries an idempotent start on UNAVAILABLE with the same request ID, and sends the metadata", async () => {
    seen.length = 0;
    refuse.set("StartActivityExecution", 2);
    const rpc = openRpc({ address, namespace: "ns", apiKey: "the-key", tls: false, metadata: { "X-Team": "t" } });
    const client = clientOver(rpc, "test");
    try {
      expect(await client.activities.start(start)).toEqual({ runId: "run-1", started: true });
    } finally {
      client.close();
    }
    const starts = seen.filter((s) => s.method === "StartActivityExecution");
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((s) => s.requestId)).size).toBe(1);
    expect(starts[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(starts[0]).toMatchObject({ authorization: "Bearer the-key", namespace: "ns" });
  });

  it("gives up after a bounded number of attempts with an error naming the address", async () => {
    seen.length = 0;
    refuse.set("StartActivityExecution", 100);
    const client = clientOver(openRpc({ address, namespace: "ns" }), "test");
    try {
      const error = await client.activities.start(start).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toContain(address);
    } finally {
      client.close();
      refuse.set("StartActivityExecution", 0);
    }
    expect(seen.length).toBe(5);
  });

  it("retries a call that is safe to repeat on a brief RESOURCE_EXHAUSTED (busy, rate limited)", async () => {
    const client = clientOver(openRpc({ address, namespace: "ns" }), "test");
    try {
      for (const details of ["namespace rate limit exceeded", "Workflow is busy."]) {
        seen.length = 0;
        refuse.set("DescribeActivityExecution", 2);
        refuseWith.set("DescribeActivityExecution", { code: status.RESOURCE_EXHAUSTED, details });
        expect(await client.activities.describe("a")).toMatchObject({ id: "a", runId: "run-1" });
        expect(seen.length, details).toBe(3);
      }
      // Still bounded: a limit that does not lift surfaces as ResourceExhaustedError.
      seen.length = 0;
      refuse.set("DescribeActivityExecution", 100);
      const error = await client.activities.describe("a").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceExhaustedError);
      expect(seen.length).toBe(5);
      // A message over the size limit is RESOURCE_EXHAUSTED too, but repeating it cannot help.
      seen.length = 0;
      refuseWith.set("DescribeActivityExecution", {
        code: status.RESOURCE_EXHAUSTED,
        details: "Received message larger than max (200000000 vs. 134217728)",
      });
      expect(await client.activities.describe("a").catch((e: unknown) => e)).toBeInstanceOf(ResourceExhaustedError);
      expect(seen.length).toBe(1);
    } finally {
      client.close();
      refuse.set("DescribeActivityExecution", 0);
      refuseWith.delete("DescribeActivityExecution");
    }
  });

  it("awaiting a known execution outlasts the call's own retries while the server says it is busy", async () => {
    seen.length = 0;
    // Twice what one call retries (5): the old rule gave up here and the run failed (exit 3).
    refuse.set("PollActivityExecution", 10);
    refuseWith.set("PollActivityExecution", { code: status.RESOURCE_EXHAUSTED, details: "Workflow is busy." });
    pollOutcome = { result: { payloads: [] } };
    const troubles: Array<string | undefined> = [];
    const client = clientOver(openRpc({ address, namespace: "ns" }), "test");
    try {
      const outcome = await client.activities.awaitOutcome("a", "run-1", {
        onTrouble: (t) => troubles.push(t?.reason),
      });
      expect(outcome.status).toBe("completed");
    } finally {
      client.close();
      pollOutcome = undefined;
      refuse.set("PollActivityExecution", 0);
      refuseWith.delete("PollActivityExecution");
    }
    expect(seen.filter((s) => s.method === "PollActivityExecution")).toHaveLength(11);
    expect(troubles).toEqual(["busy", undefined]);
  }, 30_000);

  it("opens a channel to another service (OperatorService) with the same metadata", async () => {
    seen.length = 0;
    const options = { address, namespace: "ns", apiKey: "the-key", tls: false as const };
    const rpc = openRpc(options, OPERATOR_SERVICE);
    try {
      const response = await rpc.call(
        "ListNexusEndpoints",
        op.ListNexusEndpointsRequest,
        op.ListNexusEndpointsResponse,
        { name: "ep" },
      );
      expect(response.endpoints[0]?.spec?.name).toBe("ep");
    } finally {
      rpc.close();
    }
    const operator = new OperatorService(options);
    try {
      expect(await operator.findNexusEndpoint("ep")).toEqual({
        name: "ep",
        target: { kind: "worker", namespace: "ns", taskQueue: "q" },
      });
      expect(await operator.findNexusEndpoint("other")).toBeUndefined();
    } finally {
      operator.close();
    }
    expect(seen.map((s) => s.method)).toEqual(["ListNexusEndpoints", "ListNexusEndpoints", "ListNexusEndpoints"]);
    for (const call of seen) expect(call).toMatchObject({ authorization: "Bearer the-key", namespace: "ns" });
  });

  it("aborting a poll in flight rejects at once with the abort reason", async () => {
    const client = clientOver(openRpc({ address, namespace: "ns" }), "test");
    const controller = new AbortController();
    try {
      const waiting = client.activities.awaitOutcome("a", "run-1", { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      client.close();
    }
  });
});
