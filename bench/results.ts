/** What a case measured, and the summary statistics RESULTS.md prints. */

export type CaseId = "B1" | "B2" | "B3" | "B4" | "B5" | "B6" | "B7" | "B8" | "B9";

/** One peer's (or nxrun's) figures in a case. */
export interface Measurement {
  /** "nxrun", "sdk-client", "grpc-raw", ... */
  peer: string;
  /** What was run, as a reader would retype it. */
  command: string;
  /** Raw samples, in `unit`. */
  samples: number[];
  unit: "s" | "MiB";
  /** Executions per run, to turn seconds into executions/s. */
  executions?: number;
  /** Mean CPU time (user + system) of one run, seconds: steadier than wall time on a busy machine. */
  cpuSeconds?: number;
  /** Set when this peer could not be measured; the case still reports the others. */
  error?: string;
  note?: string;
}

/** A target check: nxrun's figure against a peer's (or an absolute bound). */
export interface Comparison {
  what: string;
  value: number | undefined;
  /** e.g. "≤ 1.05" */
  target: string;
  pass: boolean | undefined;
  /** How the value is printed: a ratio, ms, MiB... */
  format: (value: number) => string;
}

export interface CaseResult {
  id: CaseId;
  title: string;
  measurements: Measurement[];
  comparisons: Comparison[];
  notes: string[];
  /** The whole case failed before it could measure anything. */
  error?: string;
  seconds: number;
}

export interface Summary {
  min: number;
  median: number;
  max: number;
}

/** min, median, max of a non-empty sample. */
export function summarize(samples: readonly number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number };
}

/** The median of a measurement's samples, undefined when it failed or has none. */
export function medianOf(measurement: Measurement | undefined): number | undefined {
  if (!measurement || measurement.error) return undefined;
  return summarize(measurement.samples)?.median;
}

/** Executions per second at the median wall time. */
export function ratePerSecond(measurement: Measurement | undefined): number | undefined {
  const median = medianOf(measurement);
  return median && measurement?.executions ? measurement.executions / median : undefined;
}

/**
 * Executions/s of `a` over `b` as the median of the per-round ratios: each round's run of `a` against
 * the run of `b` made right beside it (timeCommands with one `group`), so the drift of a server that
 * slows as executions pile up, and a slow stretch of the machine, fall on both sides of each ratio
 * instead of into the gap between two medians. Undefined unless both have one sample per round.
 */
export function pairedRateRatio(a: Measurement | undefined, b: Measurement | undefined): number | undefined {
  if (!a || !b || a.error || b.error || !a.executions || !b.executions) return undefined;
  if (a.samples.length === 0 || a.samples.length !== b.samples.length) return undefined;
  const perRound = a.samples.map((sa, i) => a.executions! / sa / (b.executions! / (b.samples[i] as number)));
  return summarize(perRound)?.median;
}

/** Least-squares slope of y over x (for growth per 1,000 items). */
export function slope(points: readonly { x: number; y: number }[]): number | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) return undefined;
  return points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}

export const formatRatio = (v: number) => v.toFixed(3);
export const formatMs = (v: number) => `${Math.round(v * 1000)} ms`;
export const formatMiB = (v: number) => `${v.toFixed(1)} MiB`;

/** A comparison that passes when `value` ≤ `bound` (undefined when the value could not be measured). */
export function atMost(
  what: string,
  value: number | undefined,
  bound: number,
  format = formatRatio,
  shownBound = format(bound),
): Comparison {
  return { what, value, target: `≤ ${shownBound}`, pass: value === undefined ? undefined : value <= bound, format };
}

/** A comparison that passes when `value` ≥ `bound`. */
export function atLeast(
  what: string,
  value: number | undefined,
  bound: number,
  format = formatRatio,
  shownBound = format(bound),
): Comparison {
  return { what, value, target: `≥ ${shownBound}`, pass: value === undefined ? undefined : value >= bound, format };
}

/** a / b, undefined when either is missing. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b ? a / b : undefined;
}

/** A figure shown next to the targets without a target of its own. */
export function info(what: string, value: number | undefined, format = formatRatio): Comparison {
  return { what, value, target: "(information)", pass: undefined, format };
}

/** Mean CPU time per run of `a` over `b` (both from hyperfine), undefined when either is missing. */
export function cpuRatio(a: Measurement | undefined, b: Measurement | undefined): number | undefined {
  return a?.error || b?.error ? undefined : ratio(a?.cpuSeconds, b?.cpuSeconds);
}
