/** B6: what the Ink view costs: B2's fan-out on a pseudo-terminal, view on vs `--output plain`. */
import { type BenchContext, displayCommand, nxrun, timeCommands } from "../context.js";
import { fanOutPipeline } from "../pipelines.js";
import { atMost, type CaseResult, medianOf, ratio } from "../results.js";
import { shellQuote } from "../timing.js";

/** Runs argv under `script` so its stdin/stdout are a real pseudo-terminal of a fixed size. */
function onPty(argv: string[]): string[] {
  const inner = `stty cols 120 rows 40; exec ${argv.map(shellQuote).join(" ")}`;
  return ["script", "-qefc", inner, "/dev/null"];
}

export async function benchView(ctx: BenchContext): Promise<Omit<CaseResult, "seconds">> {
  const { b2Items: count, b2Concurrency: concurrency } = ctx.sizes;
  const file = fanOutPipeline(ctx.pipelinesDir, concurrency);
  const base = [file, "-i", `n=${count}`, "--address", ctx.address, "--namespace", ctx.namespace];
  const extra = { executions: count };
  const [tui, plain] = await timeCommands(ctx, [
    {
      peer: "nxrun --output tui (pty)",
      command: { name: "b6-tui", argv: onPty(nxrun(...base, "--output", "tui")) },
      extra,
    },
    {
      peer: "nxrun --output plain (pty)",
      command: { name: "b6-plain", argv: onPty(nxrun(...base, "--output", "plain")) },
      extra,
    },
  ]);
  const slower = ratio(medianOf(tui), medianOf(plain));
  return {
    id: "B6",
    title: `view cost: B2 (${count} items, concurrency ${concurrency}) on a pseudo-terminal`,
    measurements: [tui, plain],
    comparisons: [atMost("tui / plain (median wall time)", slower, 1.03)],
    notes: [
      `Both under \`script\` (util-linux) with a 120x40 terminal: ${displayCommand(onPty(["nxrun", "..."]))}.`,
      "Each run also pays the view's first and last frame; the view draws at a bounded frame rate.",
    ],
  };
}
