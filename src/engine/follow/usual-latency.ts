/**
 * When an execution is "slower than usual", from the run's own completed executions: the one rule
 * for how long following leaves an execution alone.
 *
 * Why relative and not a fixed time: on a slow but healthy server a fixed grace described many
 * forEach items and counted items merely scheduled as "waiting for a worker", costing throughput for
 * nothing to show (bench/findings.md, "Full-size run of 2026-12-01"). So an
 * execution is slower than usual past TIMES_USUAL times the p90 latency (start to close) of the
 * executions of the same work (activity type on a task queue, or Nexus operation on an endpoint)
 * that completed so far in the run, and never sooner than the caller's floor: with nothing
 * completed yet (a task queue nobody polls never completes anything) that floor is the answer, so a
 * queue with no poller is still reported in seconds. The p90 and not the median, so a slow tail is
 * covered; the p90 and not the maximum, so a few retried items among many (their latency includes
 * the retries) do not raise it. SLOW_CAP_MS bounds it, so a retrying item is shown within that,
 * however slow the run's usual is.
 */

const TIMES_USUAL = 3;
const USUAL_PERCENTILE = 0.9;
/** However slow the usual, an execution older than this is worth a look. */
export const SLOW_CAP_MS = 30_000;
/** forEach items: never described sooner than this after their start. */
export const ITEM_GRACE_FLOOR_MS = 5_000;
/** Scheduled and not picked up for this long counts as trouble ("waiting for a worker") at the least. */
export const NOT_STARTED_FLOOR_MS = 3_000;

/** Latencies in buckets a quarter of an octave wide (about 19%): O(1) to add, any count in fixed memory. */
const BUCKETS_PER_OCTAVE = 4;
const MAX_BUCKET = 24 * BUCKETS_PER_OCTAVE; // 2^24 ms, about 4.7 hours

class Histogram {
  private readonly counts = new Uint32Array(MAX_BUCKET + 1);
  private total = 0;
  private cached: number | undefined;

  add(ms: number): void {
    const bucket = Math.min(MAX_BUCKET, Math.max(0, Math.ceil(Math.log2(Math.max(1, ms)) * BUCKETS_PER_OCTAVE)));
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.total++;
    this.cached = undefined;
  }

  /** The upper bound of the bucket holding the percentile (ms): a little high, never low. */
  percentile(fraction: number): number | undefined {
    if (this.total === 0) return undefined;
    if (this.cached !== undefined) return this.cached;
    const rank = Math.ceil(fraction * this.total);
    let seen = 0;
    let bucket = 0;
    for (; bucket < MAX_BUCKET; bucket++) {
      seen += this.counts[bucket] ?? 0;
      if (seen >= rank) break;
    }
    this.cached = 2 ** (bucket / BUCKETS_PER_OCTAVE);
    return this.cached;
  }
}

export class UsualLatency {
  private readonly groups = new Map<string, Histogram>();

  /** An execution of `group` completed `ms` after it started. */
  record(group: string, ms: number): void {
    let histogram = this.groups.get(group);
    if (!histogram) {
      histogram = new Histogram();
      this.groups.set(group, histogram);
    }
    histogram.add(ms);
  }

  /** From how long after its start (ms) an execution of `group` is slower than usual (see the file's comment). */
  slowAfter(group: string, floorMs: number): number {
    const usual = this.groups.get(group)?.percentile(USUAL_PERCENTILE);
    if (usual === undefined) return floorMs;
    return Math.max(floorMs, Math.min(SLOW_CAP_MS, TIMES_USUAL * usual));
  }
}
