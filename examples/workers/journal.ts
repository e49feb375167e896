/**
 * What the example handlers did, appended as JSON lines to $NXRUN_EXAMPLES_JOURNAL when it is set.
 * The end-to-end tests read it to prove a compensation or an audit step really reached a worker;
 * without the variable nothing is written.
 */
import { appendFileSync } from "node:fs";

export interface JournalEntry {
  handler: string;
  [field: string]: unknown;
}

/** Appends one entry (with the time and the SDK that served it) to the journal, if one is configured. */
export function journal(entry: JournalEntry): void {
  const file = process.env.NXRUN_EXAMPLES_JOURNAL;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), sdk: "typescript", ...entry })}\n`);
}
