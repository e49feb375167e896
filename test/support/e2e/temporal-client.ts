/** nxrun's own client against the test stack; one with a count of the RPCs it made (to see long polls repeat). */
import { afterAll } from "vitest";
import { clientOver, openRpc } from "../../../src/temporal/connect.js";
import type { WorkflowServiceRpc } from "../../../src/temporal/rpc.js";
import type { TemporalClient } from "../../../src/temporal/types.js";
import { stack } from "./harness.js";

export interface CountingClient {
  client: TemporalClient;
  /** How many times each WorkflowService method was called (every attempt). */
  calls: Map<string, number>;
}

/** A TemporalClient on the stack's server whose RPCs are counted as they go out. */
export function countingClient(): CountingClient {
  const rpc = openRpc({ address: stack().address, namespace: stack().namespace });
  const calls = new Map<string, number>();
  const call = rpc.call.bind(rpc);
  rpc.call = ((
    method: string,
    ...rest: Parameters<WorkflowServiceRpc["call"]> extends [string, ...infer R] ? R : never
  ) => {
    calls.set(method, (calls.get(method) ?? 0) + 1);
    return call(method, ...rest);
  }) as WorkflowServiceRpc["call"];
  return { client: clientOver(rpc, "nxrun-e2e"), calls };
}

/** nxrun's own client on the stack's server, for one test file: closed after the file's tests. */
export function stackClient(): TemporalClient {
  const client = clientOver(openRpc({ address: stack().address, namespace: stack().namespace }), "nxrun-e2e");
  afterAll(() => client.close());
  return client;
}
