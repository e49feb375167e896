/** What `nxrun run` hands the summary writer: `--summary`, `$GITHUB_STEP_SUMMARY`, and where each step is for annotations. */
import { inGithubActions } from "../base/github-workflow-commands.js";
import type { SourcePosition } from "../base/source-position.js";
import type { Terminal } from "../base/terminal.js";
import { compensationRecordId } from "../engine/compensation.js";
import type { Pipeline } from "../pipeline/model.js";
import type { OutputMode, ReporterOptions } from "../report/index.js";

export function summaryOptions(
  pipeline: Pipeline,
  flags: { summary?: string },
  output: OutputMode,
  terminal: Terminal,
): NonNullable<ReporterOptions["summary"]> {
  const { env } = terminal;
  const stepSummary = env.GITHUB_STEP_SUMMARY;
  return {
    ...(flags.summary === undefined ? {} : { file: flags.summary }),
    ...(stepSummary === undefined || stepSummary === "" ? {} : { stepSummary }),
    ...(inGithubActions(env)
      ? {
          annotations: {
            // NDJSON on stdout stays parseable: the runner reads workflow commands on stderr too.
            stream: (output === "json" ? terminal.stderr : terminal.stdout).stream,
            positions: stepPositions(pipeline),
            env,
          },
        }
      : {}),
  };
}

/** Each step's `- id:` line by `section:id`, its compensation's under the compensation record's ID. */
function stepPositions(pipeline: Pipeline): Map<string, SourcePosition> {
  const positions = new Map<string, SourcePosition>();
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    positions.set(`${step.section}:${step.id}`, step.position);
    if (step.compensate) positions.set(`compensate:${compensationRecordId(step.id)}`, step.compensate.position);
  }
  return positions;
}
