/** Connecting for the operations commands (status, cancel, list, count): flags, env and profiles; no pipeline. */

import { connect } from "../temporal/connect.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";
import { resolveConnection } from "../temporal/connection-config.js";
import type { TemporalClient } from "../temporal/types.js";

/** Resolves the connection from flags, TEMPORAL_* and the profile, and connects (exit 3 when the server cannot be used). */
export async function connectForOps(flags: ConnectionOverrides): Promise<TemporalClient> {
  return connect(await resolveConnection(flags));
}
