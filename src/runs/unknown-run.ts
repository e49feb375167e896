/** The one message for a run ID that matches no execution, shared by status and cancel. */

import { UserError } from "../base/user-error.js";
import type { TemporalClient } from "../temporal/types.js";

/** A UserError (a usage mistake, like an unknown file) saying that no execution of `runId` exists where we looked, with what to try. */
export function unknownRunError(client: TemporalClient, runId: string, startAnew?: string): UserError {
  // A resume's run stopped before anything started (a Ctrl-C while preparing it) has nothing to resume.
  const anew =
    startAnew === undefined ? "" : ` If it was stopped before any step started, start it anew: ${startAnew}.`;
  return new UserError(
    `no executions of run "${runId}" were found in namespace "${client.namespace}" on ${client.address}`,
    {
      hint: `check the run ID (nxrun prints it when a run starts) and --namespace; \`nxrun list\` shows recent executions. A run started a moment ago can take a few seconds to appear in visibility.${anew}`,
    },
  );
}
