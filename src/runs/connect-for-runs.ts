/** Connecting for the operations commands (status, cancel, list, count): flags, env and profiles; no pipeline. */

import { connect } from "../temporal/connect.js";
import type { ConnectionOverrides } from "../temporal/connection-config.js";
import { codecSecrets, resolveConnection } from "../temporal/connection-config.js";
import type { TemporalClient } from "../temporal/types.js";

/** Resolves the connection from flags, TEMPORAL_* and the profile, and connects (exit 3 when the server cannot be used). */
export async function connectForOps(flags: ConnectionOverrides): Promise<TemporalClient> {
  return (await connectShowingText(flags)).client;
}

/**
 * As connectForOps, for the commands that print worker text: with the codec server's auth and header
 * values, which are masked there as the run masks them.
 */
export async function connectShowingText(
  flags: ConnectionOverrides,
): Promise<{ client: TemporalClient; connectionSecrets: string[] }> {
  const options = await resolveConnection(flags);
  return { client: await connect(options), connectionSecrets: codecSecrets(options) };
}
