/**
 * What a handler saw, written where the tests can read it: one JSON line per event in
 * `$NXRUN_TEST_RECORDS/<key>.jsonl`. Tests use it to prove what reached the handler (a cancel
 * request, a second attempt), independently of what nxrun claims.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface HandlerRecord {
  event: string;
  id?: string;
  attempt?: number;
  at: string;
  [key: string]: unknown;
}

function recordDir(): string {
  const dir = process.env.NXRUN_TEST_RECORDS;
  if (!dir) throw new Error("NXRUN_TEST_RECORDS is not set: the test worker has nowhere to record");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Appends one event to the record named `key` (safe characters only, so IDs map to file names). */
export function record(key: string, event: Omit<HandlerRecord, "at">): void {
  appendFileSync(
    join(recordDir(), `${safeKey(key)}.jsonl`),
    `${JSON.stringify({ ...event, at: new Date().toISOString() })}\n`,
  );
}

/** Reads the record named `key` (empty when nothing was recorded yet). */
export function readRecord(dir: string, key: string): HandlerRecord[] {
  const file = join(dir, `${safeKey(key)}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as HandlerRecord);
}

function safeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, "_");
}
