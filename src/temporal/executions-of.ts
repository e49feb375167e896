/** The one place that picks the client for an execution's kind: activities or Nexus operations. */
import type { ExecutionClient, ExecutionKind, TemporalClient } from "./types.js";

export function executionsOf(client: TemporalClient, kind: ExecutionKind): ExecutionClient<unknown> {
  switch (kind) {
    case "activity":
      return client.activities as ExecutionClient<unknown>;
    case "nexus":
      return client.nexus as ExecutionClient<unknown>;
    default: {
      const never: never = kind;
      throw new Error(`unknown execution kind ${String(never)}`);
    }
  }
}
