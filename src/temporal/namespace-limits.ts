/**
 * The namespace's limits as the server reports them (DescribeNamespace `namespaceInfo.limits`), read
 * once per client: the first start or check that needs them asks, the rest share the answer.
 */
import { wf } from "./proto.js";
import { int64ToNumber } from "./proto-values.js";
import type { WorkflowServiceRpc } from "./rpc.js";
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./server-limits.js";

/**
 * A reader of the namespace's limits. A server that does not say (an older one, or a namespace the
 * credentials may not describe) is held to the defaults of server-limits.ts; its own refusal of a
 * larger payload is still named as one (grpc-errors.ts).
 */
export function namespaceLimits(rpc: WorkflowServiceRpc): () => Promise<ServerLimits> {
  let asked: Promise<ServerLimits> | undefined;
  return () => {
    asked ??= rpc
      .call(
        "DescribeNamespace",
        wf.DescribeNamespaceRequest,
        wf.DescribeNamespaceResponse,
        { namespace: rpc.namespace },
        { idempotent: true },
      )
      .then(
        (response) => limitsOf(response.namespaceInfo?.limits),
        () => DEFAULT_SERVER_LIMITS,
      );
    return asked;
  };
}

/** The limits from DescribeNamespace's `limits`; a limit not said (0) keeps its default. */
export function limitsOf(limits: { blobSizeLimitError?: unknown } | null | undefined): ServerLimits {
  const blob = int64ToNumber((limits?.blobSizeLimitError ?? null) as Parameters<typeof int64ToNumber>[0]);
  if (!(blob > 0)) return DEFAULT_SERVER_LIMITS;
  return { ...DEFAULT_SERVER_LIMITS, payloadBytes: blob, payloadFrom: "server" };
}
