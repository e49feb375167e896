/**
 * The Temporal API messages this layer speaks, from @temporalio/proto's reflection root. One import
 * site, so the rest of the layer names `wf.StartActivityExecutionRequest` etc. and gets types.
 */
import protoRoot from "@temporalio/proto";

export const { temporal, google } = protoRoot;
export type { google as GoogleApi, temporal as TemporalApi } from "@temporalio/proto";

/** temporal.api.workflowservice.v1: request and response messages. */
export const wf = temporal.api.workflowservice.v1;
export const enums = temporal.api.enums.v1;

/** The gRPC service name used in method paths. */
export const WORKFLOW_SERVICE = "temporal.api.workflowservice.v1.WorkflowService";

/** A protobufjs message class: what `rpc.ts` needs to put a message on the wire and take it off. */
export interface MessageCodec<I, T> {
  encode(message: I): { finish(): Uint8Array };
  decode(reader: Uint8Array): T;
}

/** The reflection root's lookup, typed just enough to decode a message named at run time (google.protobuf.Any). */
const reflection = protoRoot as unknown as { lookupType(name: string): { decode(data: Uint8Array): unknown } };

/** Decodes a message by its full name (e.g. from an Any's type URL); undefined when the name is unknown. */
export function decodeByTypeName(typeName: string, data: Uint8Array): unknown {
  try {
    return reflection.lookupType(typeName).decode(data);
  } catch {
    return undefined;
  }
}
