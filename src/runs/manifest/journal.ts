/**
 * The run's journal: the events a session showed (its `--output json` lines, secrets masked by the
 * run's own process), kept the way the manifest is kept (records.ts), so that `watch` shows exactly
 * what the run showed and `status` takes each step's state from the step's own record. Each record is
 * `<runId>~events.<n>` (n from 1), holding a batch of lines and the session (the manifest execution's
 * Temporal run ID) that wrote it; a later session writes its own from 1 again, so a reader stops at
 * the first record of another session. One batch is written at a time, holding every line written
 * since the last: a busy run writes few, large records; a quiet one, small ones as it goes.
 */
import { terminalSafeJson } from "../../base/terminal-text.js";
import type { TemporalClient } from "../../temporal/types.js";
import { isRecord, readRecord, writeRecord } from "./records.js";

/** A batch stays under this (as JSON), far below the server's payload limit. */
const MAX_BATCH_BYTES = 512 * 1024;
/** A line over this is kept without its largest outputs (journalText). */
export const MAX_LINE_BYTES = 256 * 1024;
const READ_AHEAD = 4;

export const journalRecordId = (runId: string, n: number) => `${runId}~events.${n}`;

/**
 * Where a session writes its lines, each made by `line`; `close` waits until each is recorded (or
 * recording gave up).
 */
export interface JournalWriter {
  /** The text an event is recorded as (journalText). */
  line(event: object): string;
  write(chunk: string): void;
  close(): Promise<void>;
}

export function openJournal(client: TemporalClient, runId: string, session: string): JournalWriter {
  const pending: string[] = [];
  let partial = "";
  let next = 1;
  let flushing: Promise<void> | undefined;
  let broken = false;
  const flush = async (): Promise<void> => {
    while (pending.length > 0 && !broken) {
      const lines: string[] = [];
      let bytes = 0;
      while (pending.length > 0 && (lines.length === 0 || bytes + (pending[0]?.length ?? 0) < MAX_BATCH_BYTES)) {
        const line = pending.shift() as string;
        lines.push(line);
        bytes += line.length + 1;
      }
      const n = next++;
      const value = { nxrunEvents: 1, session, seq: n, lines };
      const write = () =>
        writeRecord(client, journalRecordId(runId, n), "nxrun-events", value, `nxrun: events ${n} of run ${runId}`);
      try {
        await write().catch(write);
      } catch {
        // A gap would hide every later batch from readers: stop here. Watch then ends the run from
        // its manifest, and status falls back to the server's executions for what is not recorded.
        broken = true;
      }
    }
  };
  // One flush at a time; lines written while it ran are taken by the next.
  const kick = (): void => {
    if (flushing || pending.length === 0 || broken) return;
    flushing = flush().finally(() => {
      flushing = undefined;
      kick();
    });
  };
  return {
    line: journalText,
    write(chunk) {
      const text = partial + chunk;
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) if (line !== "") pending.push(line);
      kick();
    },
    async close() {
      while (flushing) await flushing;
    },
  };
}

/**
 * An event as its journal line, terminal-safe JSON (src/base/terminal-text.ts). One over
 * MAX_LINE_BYTES loses its largest outputs (step, item and run outputs), one at a time until it fits,
 * so one huge step output does not take every other step's with it. The outputs are left out while
 * the event is written, not deleted from a copy parsed back: the event of a large forEach's end holds
 * every item's record (bench/findings.md, "The journal's end-of-run lines").
 */
export function journalText(event: object): string {
  const line = terminalSafeJson(JSON.stringify(event));
  if (line.length <= MAX_LINE_BYTES) return line;
  const found: { holder: object; key: string; bytes: number }[] = [];
  // Index loops and keys, not entries: this walks every item record of the event.
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) collect(value[i]);
    else if (isRecord(value) && typeof value.toJSON !== "function") {
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (key === "output" || key === "outputs" || key === "lastOutput")
          found.push({ holder: value, key, bytes: JSON.stringify(value[key])?.length ?? 0 });
        else collect(value[key]);
      }
    }
  };
  collect(event);
  found.sort((a, b) => b.bytes - a.bytes);
  const dropped = new Map<object, Set<string>>();
  let length = line.length;
  for (const { holder, key, bytes } of found) {
    if (length <= MAX_LINE_BYTES) break;
    const keys = dropped.get(holder) ?? new Set<string>();
    keys.add(key);
    dropped.set(holder, keys);
    length -= bytes;
  }
  return terminalSafeJson(
    JSON.stringify(event, function (this: object, key: string, value: unknown) {
      return dropped.get(this)?.has(key) ? undefined : value;
    }),
  );
}

/** The lines of session `session` from record `from` on, and the number of the next record to read. */
export async function readJournal(
  client: TemporalClient,
  runId: string,
  session: string,
  from = 1,
): Promise<{ lines: string[]; next: number }> {
  const lines: string[] = [];
  let next = from;
  for (;;) {
    // A few at a time: a long run has many batches, each found only by its number.
    const batch = await Promise.all(
      Array.from({ length: READ_AHEAD }, (_, i) => readRecord(client, journalRecordId(runId, next + i))),
    );
    for (const value of batch) {
      if (!isRecord(value) || value.session !== session || !Array.isArray(value.lines)) return { lines, next };
      for (const line of value.lines) if (typeof line === "string") lines.push(line);
      next++;
    }
  }
}
