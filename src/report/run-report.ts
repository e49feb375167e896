/** `--report run.json`: the RunRecord (specs/report.schema.json), written in close(). Secrets arrive masked (redactEvents in src/report/index.ts). */
import type { Reporter, RunRecord } from "../engine/events.js";
import { createRunCollector } from "./run-collector.js";
import { linkRun, type UiLinks } from "./ui-links.js";
import { writeReportFile } from "./write-file.js";

/** The run.json text for a record: pretty JSON. */
export function runReportJson(record: RunRecord, links?: UiLinks): string {
  return `${JSON.stringify(linkRun(links, record), null, 2)}\n`;
}

/** A reporter that writes the run report to `path` when closed (after success, failure or interrupt). */
export function createRunReportWriter(options: { path: string; links?: UiLinks | undefined }): Reporter {
  const collector = createRunCollector();
  return {
    ...collector.reporter,
    async close() {
      const record = collector.record();
      if (record)
        await writeReportFile(options.path, runReportJson(record, options.links), {
          what: "run report",
          flag: "--report",
        });
    },
  };
}
