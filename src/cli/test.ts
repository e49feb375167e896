/**
 * `nxrun test [files or dirs]`: runs the cases of `*.test.yaml` files offline (src/testing/) and
 * prints one line per case, what differs for a failed one, and what no case reached. Exit 0 when
 * every case passed, 1 when one failed, 2 when a test file is malformed.
 */
import { performance } from "node:perf_hooks";
import { ExitCode } from "../base/exit-codes.js";
import { terminalSafeJson } from "../base/terminal-text.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { writeReportFile } from "../report/write-file.js";
import { formatCaseLine, formatSummary } from "../testing/format-results.js";
import { junitResultsXml } from "../testing/junit-results.js";
import { runTests } from "../testing/run-tests.js";
import type { CliContext } from "./context.js";

export interface TestFlags {
  output?: "text" | "json";
  junit?: string;
}

export async function testCommand(paths: string[], flags: TestFlags, cli: CliContext): Promise<number> {
  const begin = performance.now();
  const run = await runTests(paths);
  const elapsedMs = performance.now() - begin;
  const cwd = process.cwd();
  const out = cli.terminal.stdout.stream;
  if (flags.output === "json") {
    out.write(`${terminalSafeJson(JSON.stringify({ ...run, elapsedMs }, null, 2))}\n`);
  } else {
    const options = { color: cli.terminal.stdout.color, cwd };
    if (run.diagnostics.length > 0)
      cli.terminal.stderr.stream.write(
        `${formatDiagnostics(run.diagnostics, {
          color: cli.terminal.stderr.color,
          width: cli.terminal.stderr.width(),
          cwd,
        })}\n\n`,
      );
    const lines = run.cases.flatMap((c) => formatCaseLine(c, options));
    out.write(`${[...lines, ...formatSummary(run, elapsedMs, options)].join("\n")}\n`);
  }
  if (flags.junit !== undefined)
    await writeReportFile(flags.junit, junitResultsXml(run, cwd), { what: "JUnit report", flag: "--junit" });
  if (run.diagnostics.length > 0) return ExitCode.usage;
  return run.cases.every((c) => c.passed) ? ExitCode.ok : ExitCode.runFailed;
}
