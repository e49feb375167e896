/**
 * How nxrun keeps a large forEach's memory bounded without slowing it down (B4's peak RSS against
 * B2's CPU per execution; bench/findings.md, "Heap policy, issue 17").
 *
 * What the memory is (process.memoryUsage() and v8.getHeapSpaceStatistics() every 500 ms of a
 * 2,000-item forEach at concurrency 200, no flag): about 60 MiB outside the JS heap (Node, the code
 * cache, http2), a young generation start-up has already grown to 32 MiB (two 16 MiB semi-spaces), and
 * an old generation whose live set stays near 22 MiB but which V8 lets fill with the dead per-call
 * gRPC/HTTP2 objects (about 100 KiB per item, alive for the seconds a call is in flight, so promoted)
 * up to 65 MiB before its first full collection: 166 MiB peak. So two things, both V8's own choices
 * made at start-up rather than from the run's live set, are what to bound:
 *   1. at the start of a forEach of BOUND_AT_ITEMS items or more, one memory-reducing collection
 *      ("last-resort": it also shrinks the young generation to what survives, 16 MiB here) and then an
 *      ordinary one (after the memory-reducing one alone V8 set the next limit from its start-up
 *      value: old space grew to 65 MiB again), so the old generation's limit is set from the live set;
 *   2. while such a step runs, --heap-growing-percent (the old generation grows at most that much over
 *      what survived the last collection, instead of V8's up to 4x) and --semi-space-growth-factor=1
 *      (the young generation stays at the size the collection left).
 * Both flags are read by V8 at each collection, so v8.setFlagsFromString takes effect mid-run (unlike
 * --max-old-space-size / --max-semi-space-size, read once when the heap is made). They change when
 * garbage is collected, never what runs, and are put back to V8's defaults when the last such step
 * ends: a V8 code cache is stamped with the flags of the moment (src/cli/code-cache.ts).
 *
 * Replaces --optimize-for-size, which bounded memory as well (120-132 MiB in B4) but made V8 favour
 * size everywhere, its collector and its compiled code. Measured side by side, 2,000 items, two
 * interleaved rounds on one bench server (user+sys CPU, peak RSS): --optimize-for-size 6.02 / 7.34 s
 * at 143 / 114 MiB; this policy 5.19 / 6.02 s at 118 / 119 MiB; no flag at all 5.18 / 5.54 s at
 * 162 / 162 MiB; the heap-growing percent and one ordinary collection alone 5.56 / 5.77 s at 138 MiB.
 * At 10,000 items this policy peaked at 131 MiB (old space 37 -> 46 MiB, live 20-35 MiB). Those figures
 * are of a 50% growth; OLD_GROWTH_PERCENT says why it is 100% now.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Reporter } from "../engine/events.js";

/** The forEach size from which memory matters more than CPU (B4 measures 2,000 to 10,000). */
const BOUND_AT_ITEMS = 1000;
/**
 * Old-generation headroom over the live set, percent (V8's own default factor goes up to 4x). 100, not
 * the 50 first chosen: every growth step is a full collection, marked on V8's helper threads, whose CPU
 * the pauses do not show. Measured 2026-12-02 (three rounds, each command on an emptied bench server,
 * 2,000 items, user+sys): 50% 5.81 / 5.90 / 7.27 s against 100% 5.10 / 5.17 / 6.22 s (the raw gRPC loop
 * 4.13 / 4.05 / 4.99 s), peak RSS 115-121 against 123-131 MiB; at 10,000 items 100% peaked at 131.9 MiB
 * (bench/findings.md, "Heap policy, second look").
 */
const OLD_GROWTH_PERCENT = 100;

type Collect = (options?: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

/** V8's `gc()` without --expose-gc on the command line: a context made while the flag is set has it. */
function collector(): Collect {
  setFlagsFromString("--expose-gc");
  try {
    return runInNewContext("gc") as Collect;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}

function bound(): void {
  const collect = collector();
  setFlagsFromString(`--heap-growing-percent=${OLD_GROWTH_PERCENT}`);
  setFlagsFromString("--semi-space-growth-factor=1");
  collect({ type: "major", execution: "sync", flavor: "last-resort" });
  collect();
}

/** V8's defaults (node --v8-options). */
function unbound(): void {
  setFlagsFromString("--heap-growing-percent=0");
  setFlagsFromString("--semi-space-growth-factor=2");
}

/** A reporter hook that bounds the heap while a forEach of BOUND_AT_ITEMS items or more runs. */
export function heapPolicy(): Reporter {
  const large = new Set<string>();
  return {
    // By record ID: unique in a run, also for a sub-pipeline's steps (src/engine/sub-pipeline.ts).
    onStepStart({ record }) {
      if ((record.items?.length ?? 0) < BOUND_AT_ITEMS || large.has(record.id)) return;
      large.add(record.id);
      if (large.size === 1) bound();
    },
    onStepEnd({ record }) {
      if (!large.delete(record.id)) return;
      if (large.size === 0) unbound();
    },
  };
}
