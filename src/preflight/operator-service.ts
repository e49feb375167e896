/**
 * The one OperatorService call preflight needs: ListNexusEndpoints, filtered by name. The client
 * layer's WorkflowServiceRpc speaks only WorkflowService, so this opens its own grpc-js channel with
 * the same credentials, metadata and TLS options as `src/temporal/connect.ts` (whose helpers are
 * not exported), and maps failures through the same `mapGrpcError`.
 */
import { type ChannelCredentials, Client, credentials, Metadata } from "@grpc/grpc-js";
import { DEFAULT_CONNECT_TIMEOUT_MS } from "../temporal/connect.js";
import { mapGrpcError } from "../temporal/grpc-errors.js";
import { type TemporalApi, temporal } from "../temporal/proto.js";
import type { ConnectionOptions, TlsSettings } from "../temporal/types.js";

const OPERATOR_SERVICE = "temporal.api.operatorservice.v1.OperatorService";
const op = temporal.api.operatorservice.v1;
type ListResponse = TemporalApi.api.operatorservice.v1.ListNexusEndpointsResponse;
type ListRequest = TemporalApi.api.operatorservice.v1.IListNexusEndpointsRequest;

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

function tlsOf(options: ConnectionOptions): TlsSettings | undefined {
  if (options.tls === false) return undefined;
  if (options.tls) return options.tls;
  return options.apiKey ? {} : undefined;
}

function channelCredentials(tls: TlsSettings | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const buffer = (pem: string | Uint8Array) => Buffer.from(pem);
  return credentials.createSsl(
    tls.serverRootCaCertificate ? buffer(tls.serverRootCaCertificate) : null,
    tls.clientCertPair ? buffer(tls.clientCertPair.key) : null,
    tls.clientCertPair ? buffer(tls.clientCertPair.crt) : null,
    tls.disableHostVerification ? { checkServerIdentity: () => undefined } : {},
  );
}

/** A channel to the OperatorService of the frontend that `options` names. */
export class OperatorService {
  private readonly client: Client;
  private readonly metadata: Metadata;

  constructor(private readonly options: ConnectionOptions) {
    const tls = tlsOf(options);
    const channelOptions: Record<string, string | number> = {};
    if (tls?.serverName) {
      channelOptions["grpc.ssl_target_name_override"] = tls.serverName;
      channelOptions["grpc.default_authority"] = tls.serverName;
    }
    this.client = new Client(options.address, channelCredentials(tls), channelOptions);
    this.metadata = new Metadata();
    this.metadata.set("temporal-namespace", options.namespace);
    for (const [key, value] of Object.entries(options.metadata ?? {})) this.metadata.set(key.toLowerCase(), value);
    if (options.apiKey) this.metadata.set("authorization", `Bearer ${options.apiKey}`);
  }

  /** The endpoint called `name`, or undefined when the server has none by that name. */
  async findNexusEndpoint(name: string): Promise<NexusEndpointInfo | undefined> {
    const method = "ListNexusEndpoints";
    const response = await new Promise<ListResponse>((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/${OPERATOR_SERVICE}/${method}`,
        (message: ListRequest) => Buffer.from(op.ListNexusEndpointsRequest.encode(message).finish()),
        (bytes: Buffer) => op.ListNexusEndpointsResponse.decode(bytes),
        { name, pageSize: 1 },
        this.metadata,
        { deadline: Date.now() + (this.options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS) },
        (error, value) => {
          if (error)
            reject(mapGrpcError(error, { method, address: this.options.address, namespace: this.options.namespace }));
          else resolve(value as ListResponse);
        },
      );
    });
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

  close(): void {
    this.client.close();
  }
}
