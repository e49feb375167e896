/** Opening a TemporalClient: one grpc-js channel to the frontend, checked with GetSystemInfo. */
import { type ChannelCredentials, Client, credentials } from "@grpc/grpc-js";
import { activityExecutions } from "./activity-executions.js";
import { tlsIsOn } from "./api-key-tls.js";
import { defaultIdentity } from "./execution-common.js";
import { namespaceLimits } from "./namespace-limits.js";
import { nexusOperations } from "./nexus-operations.js";
import type { PayloadCodec } from "./payload-codec.js";
import { WORKFLOW_SERVICE, wf } from "./proto.js";
import { remoteCodec } from "./remote-codec.js";
import { ServiceRpc, type WorkflowServiceRpc } from "./rpc.js";
import { watchSilence } from "./silence-watch.js";
import { pollerCount } from "./task-queues.js";
import { TlsChannelCredentials } from "./tls-credentials.js";
import type { ConnectionOptions, TemporalClient, TlsSettings } from "./types.js";

/** Default bound on reaching the server and on each ordinary call, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** TLS settings to connect with, or undefined for plain text (`tls` unset: api-key-tls.ts decides). */
function tlsSettings(options: ConnectionOptions): TlsSettings | undefined {
  if (!tlsIsOn(options.tls === undefined ? undefined : options.tls !== false, options.apiKey)) return undefined;
  return options.tls || {};
}

function channelCredentials(address: string, tls: TlsSettings | undefined, timeoutMs: number): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return new TlsChannelCredentials(address, tls, timeoutMs);
}

/** The metadata sent with every call: the user's, the namespace (routing in Temporal Cloud), the API key. */
function callMetadata(options: ConnectionOptions): Record<string, string> {
  const metadata: Record<string, string> = { "temporal-namespace": options.namespace };
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata[key.toLowerCase()] = value;
  if (options.apiKey) metadata.authorization = `Bearer ${options.apiKey}`;
  return metadata;
}

/**
 * Opens a channel to `service` (WorkflowService unless told) with the connection's credentials, TLS
 * and metadata, without checking it (`connect` checks).
 */
export function openRpc(options: ConnectionOptions, service: string = WORKFLOW_SERVICE): ServiceRpc {
  const tls = tlsSettings(options);
  const channelOptions: Record<string, string | number> = {
    // Results and inputs can be large; match the SDK's 128 MiB.
    "grpc.max_receive_message_length": 128 * 1024 * 1024,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 15_000,
  };
  // The :authority header names the server as --tls-server-name does (TlsChannelCredentials sends
  // and verifies the name in the handshake).
  if (tls?.serverName) channelOptions["grpc.default_authority"] = tls.serverName;
  const timeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const secure = channelCredentials(options.address, tls, timeout);
  return new ServiceRpc({
    client: new Client(options.address, secure, channelOptions),
    // Each poll channel needs a connection of its own: grpc-js would otherwise share one subchannel
    // (one HTTP/2 connection) among channels with equal target, credentials and options.
    openPollChannel: () =>
      new Client(options.address, secure, { ...channelOptions, "grpc.use_local_subchannel_pool": 1 }),
    service,
    address: options.address,
    namespace: options.namespace,
    metadata: callMetadata(options),
    callTimeout: timeout,
  });
}

/** Wraps an open channel as a TemporalClient; payloads pass `codec` when one is given. */
export function clientOver(rpc: WorkflowServiceRpc, identity: string, codec?: PayloadCodec): TemporalClient {
  const limits = namespaceLimits(rpc);
  // Asking a silent server is worth its calls only where someone is told of the connection.
  let stopWatch: (() => void) | undefined;
  const ask = (timeoutMs: number) =>
    rpc.call("GetSystemInfo", wf.GetSystemInfoRequest, wf.GetSystemInfoResponse, {}, { timeout: timeoutMs });
  return {
    address: rpc.address,
    namespace: rpc.namespace,
    activities: activityExecutions(rpc, identity, limits, codec),
    nexus: nexusOperations(rpc, identity, limits, codec),
    serverLimits: limits,
    encodesPayloads: codec !== undefined,
    pollerCount: (queue, type) => pollerCount(rpc, queue, type),
    onConnectionChange: (listener) => {
      stopWatch ??= watchSilence(rpc.health, ask);
      return rpc.health.onChange(listener);
    },
    close: () => {
      stopWatch?.();
      codec?.close?.();
      rpc.close();
    },
  };
}

/**
 * Connects to Temporal and checks the server answers (GetSystemInfo, bounded by `connectTimeout`),
 * so a wrong address, TLS mismatch or bad credentials fail here with a message naming the address.
 */
export async function connect(options: ConnectionOptions): Promise<TemporalClient> {
  const rpc = openRpc(options);
  try {
    await rpc.call("GetSystemInfo", wf.GetSystemInfoRequest, wf.GetSystemInfoResponse, {}, { idempotent: true });
  } catch (error) {
    rpc.close();
    throw error;
  }
  const codec = options.codec ? remoteCodec(options.codec, options.namespace) : undefined;
  return clientOver(rpc, options.identity ?? defaultIdentity(), codec);
}
