/** B4: peak RSS of nxrun running a forEach of many no-op activities, and how it grows with the item count. */
import { type BenchContext, displayCommand, nxrun } from "../context.js";
import { measurePeakRss, peakRssMethod } from "../peak-rss.js";
import { fanOutPipeline } from "../pipelines.js";
import { atMost, type CaseResult, formatMiB, type Measurement, medianOf, slope } from "../results.js";

/** Bytes an item may keep for good (its output and record) before growth counts as not flat. */
const FLAT_MIB_PER_1000 = 2;
const CONCURRENCY = 200;

export async function benchMemory(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const file = fanOutPipeline(ctx.pipelinesDir, CONCURRENCY);
  const measurements: Measurement[] = [];
  let runsDone = 0;
  for (const items of ctx.sizes.b4Items) {
    const argvFor = (address: string) =>
      nxrun(file, "-i", `n=${items}`, "--output", "plain", "--address", address, "--namespace", ctx.namespace);
    const argv = argvFor(ctx.address);
    const measurement: Measurement = {
      peer: `nxrun, ${items} items`,
      command: displayCommand(argv),
      samples: [],
      unit: "MiB",
      executions: items,
    };
    process.stderr.write(`bench:   ${measurement.peer}: ${measurement.command}\n`);
    const walls: number[] = [];
    try {
      for (let i = 0; i < ctx.runs; i++) {
        // Every run on an empty server: a filling in-memory server slows down and runs out of memory.
        if (runsDone++ > 0) await ctx.freshServer();
        const peak = await measurePeakRss(argvFor(ctx.address), ctx.env);
        measurement.samples.push(peak.peakMiB);
        walls.push(peak.wallSeconds);
      }
      measurement.note = `wall ${walls.map((w) => w.toFixed(1)).join(", ")} s`;
    } catch (error) {
      measurement.error = (error as Error).message;
    }
    measurements.push(measurement);
  }
  const points = measurements.flatMap((m) => {
    const y = medianOf(m);
    return y === undefined || m.executions === undefined ? [] : [{ x: m.executions / 1000, y }];
  });
  const largest = measurements[measurements.length - 1];
  const growth = points.length === measurements.length ? slope(points) : undefined;
  return {
    id: "B4",
    title: `memory: forEach of ${ctx.sizes.b4Items.join(" / ")} no-op activities, concurrency ${CONCURRENCY}`,
    measurements,
    comparisons: [
      atMost(`peak RSS at ${largest?.executions} items, following on (median)`, medianOf(largest), 150, formatMiB),
      atMost("growth per 1,000 items (least-squares slope of median peak RSS)", growth, FLAT_MIB_PER_1000, formatMiB),
    ],
    notes: [
      `Peak RSS: ${peakRssMethod()}. Output plain (to /dev/null). Each run against a fresh, empty server. Following executions in flight is on (nxrun's default --describe-rate 20), as a user runs it.`,
      `"Flat growth" is read as at most ${FLAT_MIB_PER_1000} MiB per 1,000 items: each item's output and record are kept for the run's outputs and report, so some growth is expected; more means something else is retained.`,
    ],
  };
}
