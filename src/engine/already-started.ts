/**
 * Recognises the client layer's AlreadyStartedError (ALREADY_EXISTS), which a start with conflict
 * policy useExisting answers only for a closed execution the reuse policy will not replace, i.e. a
 * completed one. Returns its run ID (undefined when the server did not say), or null for any other error.
 */
import { AlreadyStartedError } from "../temporal/service-errors.js";

export function alreadyStartedRunId(error: unknown): string | undefined | null {
  if (!(error instanceof AlreadyStartedError)) return null;
  return error.runId;
}
