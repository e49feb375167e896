/**
 * When nxrun asks V8 to keep the heap small. Why: a large forEach allocates about 100 KiB of
 * short-lived gRPC/HTTP2 objects per item, and with V8's default heap growth (up to 4x the live
 * set) a 10,000-item run peaked near 190 MiB while its live heap stayed under 40 MiB;
 * --optimize-for-size makes V8 collect the old generation sooner: 114 MiB and flat (bench/RESULTS.md,
 * B4). It costs CPU, though: `nxrun check` of 1,000 steps took about 14% longer with it (B7), and a
 * 300-operation Nexus fan-out used 1.6-1.7 s of CPU without it against 1.75-2.1 s with it (B3,
 * bench/findings.md). So the flag is set only once a run reaches a forEach of FLAG_AT_ITEMS or more
 * items, before their executions start; it changes when garbage is collected, never what runs.
 */
import { setFlagsFromString } from "node:v8";
import type { Reporter } from "../engine/events.js";

/** The forEach size from which memory matters more than CPU (B4 measures 2,000 to 10,000). */
const FLAG_AT_ITEMS = 1000;

/** A reporter hook that turns the flag on at the first forEach of FLAG_AT_ITEMS items or more. */
export function heapPolicy(): Reporter {
  let set = false;
  return {
    onStepStart({ record }) {
      if (set || (record.items?.length ?? 0) < FLAG_AT_ITEMS) return;
      set = true;
      setFlagsFromString("--optimize-for-size");
    },
  };
}
