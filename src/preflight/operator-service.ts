/**
 * The OperatorService calls preflight needs: ListNexusEndpoints (filtered by name) and
 * ListSearchAttributes, over a channel
 * the client layer opens with the connection's credentials, TLS and metadata; failures are mapped
 * by its `mapGrpcError` like every other call.
 */
import { openRpc } from "../temporal/connect.js";
import { enums, temporal } from "../temporal/proto.js";
import type { ServiceRpc } from "../temporal/rpc.js";
import { type SearchAttributeType, typeOfIndexedValueType } from "../temporal/search-attributes.js";
import type { ConnectionOptions } from "../temporal/types.js";

const OPERATOR_SERVICE = "temporal.api.operatorservice.v1.OperatorService";
const op = temporal.api.operatorservice.v1;

/** Where an endpoint sends its operations. */
export type EndpointTarget =
  | { readonly kind: "worker"; readonly namespace: string; readonly taskQueue: string }
  | { readonly kind: "external"; readonly url: string }
  | { readonly kind: "unknown" };

/** A Nexus endpoint as preflight needs it. */
export interface NexusEndpointInfo {
  readonly name: string;
  readonly target: EndpointTarget;
}

/** A channel to the OperatorService of the frontend that `options` names. */
export class OperatorService {
  private readonly rpc: ServiceRpc;

  constructor(options: ConnectionOptions) {
    this.rpc = openRpc(options, OPERATOR_SERVICE);
  }

  /** The endpoint called `name`, or undefined when the server has none by that name. */
  async findNexusEndpoint(name: string): Promise<NexusEndpointInfo | undefined> {
    // Not retried (not marked idempotent): preflight reports an unreachable server at once.
    const response = await this.rpc.call(
      "ListNexusEndpoints",
      op.ListNexusEndpointsRequest,
      op.ListNexusEndpointsResponse,
      { name, pageSize: 1 },
    );
    const endpoint = response.endpoints.find((e) => e.spec?.name === name);
    if (!endpoint) return undefined;
    const target = endpoint.spec?.target;
    if (target?.worker) {
      return {
        name,
        target: { kind: "worker", namespace: target.worker.namespace ?? "", taskQueue: target.worker.taskQueue ?? "" },
      };
    }
    if (target?.external) return { name, target: { kind: "external", url: target.external.url ?? "" } };
    return { name, target: { kind: "unknown" } };
  }

  /**
   * The search attributes registered on `namespace` (custom and system), each with its type; a type
   * nxrun does not know is "unknown".
   */
  async searchAttributes(namespace: string): Promise<Map<string, SearchAttributeType | "unknown">> {
    const response = await this.rpc.call(
      "ListSearchAttributes",
      op.ListSearchAttributesRequest,
      op.ListSearchAttributesResponse,
      { namespace },
    );
    const types = new Map<string, SearchAttributeType | "unknown">();
    for (const map of [response.systemAttributes, response.customAttributes]) {
      for (const [name, value] of Object.entries(map ?? {})) {
        const suffix = (enums.IndexedValueType[value] ?? "").replace(/^INDEXED_VALUE_TYPE_/, "");
        types.set(name, typeOfIndexedValueType(suffix) ?? "unknown");
      }
    }
    return types;
  }

  close(): void {
    this.rpc.close();
  }
}
